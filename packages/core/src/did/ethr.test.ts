import { createServer } from 'node:net'
import { encodeBytes32String, getAddress, hexlify, Interface, toUtf8Bytes } from 'ethers'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import type { EthrNetworkConfig } from './ethr.js'
import { createResolver, resolveDid } from './resolver.js'

// did:ethr: our configuration checks, the DID syntax checks done before any RPC, how chain
// failures surface, and the bounds on what one resolution may ask of a node. Resolution against a real ERC-1056
// registry on anvil is tested in packages/registry-contracts.

const REGISTRY = '0xdca7ef03e98e0dc2b855be647c39abe984fcf21b'
const YEAR_SECONDS = 365 * 86_400
const ADDRESS = '0xb9c5714089478a327f09197987f16f9e5d936e8a'
const CHECKSUMMED = getAddress(ADDRESS) // EIP-55: 0xB9C5714089478a327F09197987f16f9E5d936E8a

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * A stand-in for an ethers provider over a chain where no DID has ever changed: enough for
 * the resolver to build the implicit document, and to answer block lookups.
 */
function quietChain(head = 100) {
  const calls: string[] = []
  const provider = {
    get provider() {
      return provider
    },
    async call() {
      calls.push('call')
      return `0x${'0'.repeat(64)}` // changed(address) == 0: never updated
    },
    async getNetwork() {
      return { chainId: 1337n, name: 'civitas' }
    },
    async getBlock(n: number) {
      calls.push(`getBlock:${n}`)
      return n > head ? null : { number: n, timestamp: 1_700_000_000 + n }
    },
    async getLogs() {
      return []
    },
  }
  return { provider, calls }
}

function resolverWith(networks: EthrNetworkConfig[], timeoutMs?: number) {
  return createResolver({ web: false, cache: false, ethr: { networks, timeoutMs } })
}

describe('did:ethr configuration (INVALID_ARGUMENT at createResolver)', () => {
  it.each([
    ['no networks', []],
    ['a network without rpcUrl or provider', [{ name: 'civitas', chainId: 1337, registry: REGISTRY }]],
    [
      'both rpcUrl and provider',
      [{ name: 'x', chainId: 1, registry: REGISTRY, rpcUrl: 'http://x', provider: {} }],
    ],
    [
      'a provider that is not an ethers Provider',
      [{ name: 'civitas', chainId: 1337, registry: REGISTRY, provider: {} }],
    ],
    [
      'a bad registry address',
      [{ name: 'civitas', chainId: 1337, registry: '0x1234', rpcUrl: 'http://127.0.0.1:8545' }],
    ],
    [
      'a bad chain id',
      [{ name: 'civitas', chainId: 0, registry: REGISTRY, rpcUrl: 'http://127.0.0.1:8545' }],
    ],
    [
      'a chain id that is a symbol',
      [{ name: 'civitas', chainId: Symbol('1'), registry: REGISTRY, rpcUrl: 'http://127.0.0.1:8545' }],
    ],
    [
      'a chain id that is a numeric string',
      [{ name: 'civitas', chainId: '1337', registry: REGISTRY, rpcUrl: 'http://127.0.0.1:8545' }],
    ],
    ['a bad name', [{ name: 'has space', chainId: 1, registry: REGISTRY, rpcUrl: 'http://127.0.0.1:8545' }]],
    [
      'a non-http rpcUrl',
      [{ name: 'civitas', chainId: 1337, registry: REGISTRY, rpcUrl: 'file:///etc/passwd' }],
    ],
    [
      'the same chain twice',
      [
        { name: 'a', chainId: 1337, registry: REGISTRY, rpcUrl: 'http://127.0.0.1:8545' },
        { name: 'b', chainId: 1337, registry: REGISTRY, rpcUrl: 'http://127.0.0.1:8545' },
      ],
    ],
  ])('%s', (_what, networks) => {
    expect(() => resolverWith(networks as EthrNetworkConfig[])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('without networks, did:ethr is methodNotSupported / DID_METHOD_UNSUPPORTED', async () => {
    const result = await createResolver({ web: false }).resolve(`did:ethr:${ADDRESS}`)
    expect(result.didResolutionMetadata).toMatchObject({
      error: 'methodNotSupported',
      code: 'DID_METHOD_UNSUPPORTED',
    })
  })
})

describe('did:ethr resolution (stub provider)', () => {
  const chain = quietChain()
  const resolver = resolverWith([
    { name: 'civitas', chainId: 1337, provider: chain.provider as never, registry: REGISTRY },
  ])

  it('an untouched address has the implicit document: a recovery method for its address', async () => {
    for (const did of [
      `did:ethr:civitas:${ADDRESS}`,
      `did:ethr:0x539:${ADDRESS}`,
      `did:ethr:civitas:${CHECKSUMMED}`,
    ]) {
      const { didDocument } = await resolveDid(resolver, did)
      expect(didDocument.id).toBe(did)
      expect(didDocument.verificationMethod?.[0]).toMatchObject({
        id: `${did}#controller`,
        type: 'EcdsaSecp256k1RecoveryMethod2020',
      })
      expect(didDocument.verificationMethod?.[0]?.blockchainAccountId?.toLowerCase()).toBe(
        `eip155:1337:${ADDRESS}`,
      )
      expect(didDocument.assertionMethod).toEqual([`${did}#controller`])
    }
  })

  it('?versionId= reads the block at that height', async () => {
    chain.calls.length = 0
    await resolveDid(resolver, `did:ethr:civitas:${ADDRESS}?versionId=42`)
    expect(chain.calls).toContain('getBlock:42')
  })

  it('?versionId= beyond the chain head → notFound / DID_NOT_FOUND', async () => {
    const result = await resolver.resolve(`did:ethr:civitas:${ADDRESS}?versionId=1000`)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'notFound', code: 'DID_NOT_FOUND' })
  })

  const malformed: [what: string, error: string, code: string, did: string][] = [
    ['an address one digit short', 'invalidDid', 'DID_INVALID', `did:ethr:civitas:${ADDRESS.slice(0, -1)}`],
    ['a non-hex address', 'invalidDid', 'DID_INVALID', `did:ethr:civitas:0x${'g'.repeat(40)}`],
    [
      'an address with a wrong EIP-55 checksum',
      'invalidDid',
      'DID_INVALID',
      `did:ethr:civitas:${CHECKSUMMED.replace('B9C5', 'b9C5')}`,
    ],
    ['an unknown network name', 'unknownNetwork', 'DID_METHOD_UNSUPPORTED', `did:ethr:goerli:${ADDRESS}`],
    ['an unknown chain id', 'unknownNetwork', 'DID_METHOD_UNSUPPORTED', `did:ethr:0x1:${ADDRESS}`],
    [
      'no network (mainnet) when mainnet is not configured',
      'unknownNetwork',
      'DID_METHOD_UNSUPPORTED',
      `did:ethr:${ADDRESS}`,
    ],
    [
      'a versionId that is not a block number',
      'invalidDidUrl',
      'DID_INVALID',
      `did:ethr:civitas:${ADDRESS}?versionId=latest`,
    ],
  ]

  it.each(malformed)('%s → %s / %s', async (_what, error, code, did) => {
    const result = await resolver.resolve(did)
    expect(result.didResolutionMetadata).toMatchObject({ error, code })
    expect(isCivitasError(await resolveDid(resolver, did).catch((e: unknown) => e), code as never)).toBe(true)
  })
})

describe('did:ethr with the chain unreachable', () => {
  it('rpcUrl on a closed localhost port → unavailable / CHAIN_UNAVAILABLE (not notFound, no hang)', async () => {
    const port = await closedPort()
    const resolver = resolverWith([
      { name: 'civitas', chainId: 1337, rpcUrl: `http://127.0.0.1:${port}`, registry: REGISTRY },
    ])
    const result = await resolver.resolve(`did:ethr:civitas:${ADDRESS}`)
    expect(result.didDocument).toBeNull()
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'CHAIN_UNAVAILABLE' })
    await expect(resolveDid(resolver, `did:ethr:civitas:${ADDRESS}`)).rejects.toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
    })
  })

  it('a provider that never answers → unavailable after timeoutMs', async () => {
    const silent = { ...quietChain().provider, call: () => new Promise<string>(() => {}) }
    Object.defineProperty(silent, 'provider', { get: () => silent })
    const resolver = resolverWith(
      [{ name: 'civitas', chainId: 1337, provider: silent as never, registry: REGISTRY }],
      50,
    )
    const result = await resolver.resolve(`did:ethr:civitas:${ADDRESS}`)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'CHAIN_UNAVAILABLE' })
  })
})

// ── a registry stub that serves real ERC-1056 logs ───────────────────────────────

const registryInterface = new Interface([
  'event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange)',
  'event DIDDelegateChanged(address indexed identity, bytes32 delegateType, address delegate, uint256 validTo, uint256 previousChange)',
  'event DIDAttributeChanged(address indexed identity, bytes32 name, bytes value, uint256 validTo, uint256 previousChange)',
])
const T0 = 1_700_000_000
const timestampOf = (block: number) => T0 + block * 10

type Change =
  | { block: number; owner: string }
  | { block: number; attribute: string; value: string; validTo: bigint }
  | { block: number; delegateType: string; delegate: string; validTo: bigint }

/** Logs as DIDRegistry emits them: each change points to the identity's previous change block. */
function logsOf(identity: string, changes: Change[]) {
  let changed = 0
  return changes.map((change, index) => {
    const previousChange = BigInt(changed)
    changed = change.block
    const [name, values] =
      'owner' in change
        ? ['DIDOwnerChanged', [identity, change.owner, previousChange]]
        : 'attribute' in change
          ? [
              'DIDAttributeChanged',
              [identity, encodeBytes32String(change.attribute), change.value, change.validTo, previousChange],
            ]
          : [
              'DIDDelegateChanged',
              [
                identity,
                encodeBytes32String(change.delegateType),
                change.delegate,
                change.validTo,
                previousChange,
              ],
            ]
    const fragment = registryInterface.getEvent(name as string)!
    const { data, topics } = registryInterface.encodeEventLog(fragment, values as unknown[])
    return { blockNumber: change.block, address: REGISTRY, data, topics, removed: false, index }
  })
}

function registryChain(identity: string, changes: Change[], head = 1_000) {
  const logs = logsOf(identity, changes)
  const last = changes.length === 0 ? 0 : changes[changes.length - 1]!.block
  const provider = {
    call: async () => `0x${last.toString(16).padStart(64, '0')}`,
    getLogs: async (filter: { fromBlock: number; toBlock: number }) =>
      logs.filter((log) => log.blockNumber >= filter.fromBlock && log.blockNumber <= filter.toBlock),
    getBlock: async (n: number) => (n > head ? null : { number: n, timestamp: timestampOf(n) }),
  }
  return provider
}

function resolverOn(provider: object, options: { timeoutMs?: number; maxHistory?: number } = {}) {
  const calls: { call: number; getLogs: number; getBlock: number }[] = []
  const resolver = createResolver({
    web: false,
    cache: false,
    ethr: {
      networks: [{ name: 'civitas', chainId: 1337, provider, registry: REGISTRY }],
      onChainCalls: (c) => calls.push({ ...c }),
      ...options,
    },
  })
  return { resolver, calls }
}

const IDENTITY = getAddress(ADDRESS)
const DID = `did:ethr:civitas:${ADDRESS}`
const DELEGATE = getAddress('0x1111111111111111111111111111111111111111')
const SUCCESSOR = getAddress('0x2222222222222222222222222222222222222222')
const FAR = BigInt(T0 + 10 * YEAR_SECONDS)

describe('did:ethr history: one log query, however long the history', () => {
  const changes: Change[] = [
    { block: 10, delegateType: 'veriKey', delegate: DELEGATE, validTo: FAR },
    {
      block: 20,
      attribute: 'did/pub/Secp256k1/veriKey/hex',
      value: `0x${'02'.padEnd(66, 'a')}`,
      validTo: FAR,
    },
    {
      block: 20,
      attribute: 'did/svc/LinkedDomains',
      value: hexlify(toUtf8Bytes('"https://uni.example"')),
      validTo: FAR,
    },
    { block: 30, owner: SUCCESSOR },
  ]

  it('cold latest resolution: changed(), one eth_getLogs, one block → 3 node calls', async () => {
    const { resolver, calls } = resolverOn(registryChain(IDENTITY, changes))
    const { didDocument, didDocumentMetadata } = await resolveDid(resolver, DID)
    expect(calls).toEqual([{ call: 1, getLogs: 1, getBlock: 1 }])
    expect(didDocument.verificationMethod?.map((vm) => vm.id)).toEqual([
      `${DID}#controller`,
      `${DID}#delegate-1`,
      `${DID}#delegate-2`,
    ])
    expect(didDocument.verificationMethod?.[0]?.blockchainAccountId).toBe(`eip155:1337:${SUCCESSOR}`)
    expect(didDocument.service).toEqual([
      { id: `${DID}#service-1`, type: 'LinkedDomains', serviceEndpoint: 'https://uni.example' },
    ])
    expect(didDocumentMetadata).toEqual({
      versionId: '30',
      updated: new Date(timestampOf(30) * 1000).toISOString().replace('.000', ''),
    })
  })

  it('a node refusing the wide query is walked per change, as ethr-did-resolver does', async () => {
    const chain = registryChain(IDENTITY, changes)
    const refusing = {
      ...chain,
      getLogs: async (filter: { fromBlock: number; toBlock: number }) => {
        if (filter.fromBlock !== filter.toBlock) throw new Error('block range too large')
        return chain.getLogs(filter)
      },
    }
    const { resolver, calls } = resolverOn(refusing)
    const { didDocument } = await resolveDid(resolver, DID)
    expect(didDocument.verificationMethod).toHaveLength(3)
    expect(calls).toEqual([{ call: 1, getLogs: 1 + 3, getBlock: 1 }])
  })

  it('a node whose logs miss a change the registry points to → CHAIN_UNAVAILABLE, not a shorter history', async () => {
    const chain = registryChain(IDENTITY, changes)
    const forgetful = {
      ...chain,
      getLogs: async (filter: { fromBlock: number; toBlock: number }) =>
        (await chain.getLogs(filter)).filter((log) => log.blockNumber !== 20),
    }
    const result = await resolverOn(forgetful).resolver.resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'CHAIN_UNAVAILABLE' })
  })

  it(`a history longer than maxHistory → invalidDidDocument / INPUT_TOO_LARGE`, async () => {
    const long: Change[] = Array.from({ length: 12 }, (_, i) => ({ block: i + 1, owner: IDENTITY }))
    const result = await resolverOn(registryChain(IDENTITY, long), { maxHistory: 10 }).resolver.resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({
      error: 'invalidDidDocument',
      code: 'INPUT_TOO_LARGE',
    })
  })
})

describe('did:ethr ?versionTime= (the document as it stood at a time)', () => {
  const changes: Change[] = [
    { block: 10, delegateType: 'veriKey', delegate: DELEGATE, validTo: BigInt(timestampOf(25)) },
    { block: 30, owner: SUCCESSOR },
  ]
  const at = (block: number, offset = 0) => new Date((timestampOf(block) + offset) * 1000).toISOString()

  it.each([
    ['before any change: the implicit document', at(5), IDENTITY, [] as string[]],
    ['after the delegate was added', at(10), IDENTITY, [`${DID}#delegate-1`]],
    ['after the delegate expired (validTo judged at that time, not at the block)', at(25, 1), IDENTITY, []],
    ['after the owner changed', at(30), SUCCESSOR, []],
  ])('%s', async (_what, time, controller, delegates) => {
    const { didDocument, didDocumentMetadata } = await resolveDid(
      resolverOn(registryChain(IDENTITY, changes)).resolver,
      `${DID}?versionTime=${time.replace('.000Z', 'Z')}`,
    )
    expect(didDocument.verificationMethod?.[0]?.blockchainAccountId).toBe(`eip155:1337:${controller}`)
    expect(didDocument.verificationMethod?.slice(1).map((vm) => vm.id)).toEqual(delegates)
    if (time === at(5)) expect(didDocumentMetadata).toMatchObject({ nextVersionId: '10' })
  })

  it.each([
    ['not a date', 'yesterday'],
    ['a date without time zone', '2024-01-01T00:00:00'],
    ['a day the month does not have', '2023-02-30T00:00:00Z'],
  ])('%s → invalidDidUrl / DID_INVALID', async (_what, time) => {
    const result = await resolverOn(registryChain(IDENTITY, changes)).resolver.resolve(
      `${DID}?versionTime=${time}`,
    )
    expect(result.didResolutionMetadata).toMatchObject({ error: 'invalidDidUrl', code: 'DID_INVALID' })
  })

  it('versionId and versionTime together → invalidDidUrl / DID_INVALID', async () => {
    const result = await resolverOn(registryChain(IDENTITY, changes)).resolver.resolve(
      `${DID}?versionId=10&versionTime=${at(10).replace('.000Z', 'Z')}`,
    )
    expect(result.didResolutionMetadata).toMatchObject({ error: 'invalidDidUrl', code: 'DID_INVALID' })
  })
})

describe('did:ethr codes that say what happened', () => {
  // A compressed secp256k1 public key (W3C CCG did:key vector) and its x coordinate + 1.
  const PUBLIC_KEY = '0x03874c15c7fda20e539c6e5ba573c139884c351188799f5458b4b41f7924f235cd'
  const OFF_CURVE = `0x02${'0'.repeat(63)}5`

  it('a valid public-key identifier: its address controls, the key is #controllerKey', async () => {
    const { didDocument } = await resolveDid(
      resolverOn(quietChain().provider).resolver,
      `did:ethr:civitas:${PUBLIC_KEY}`,
    )
    expect(didDocument.verificationMethod?.[1]).toMatchObject({
      id: `did:ethr:civitas:${PUBLIC_KEY}#controllerKey`,
      publicKeyHex: PUBLIC_KEY.slice(2),
    })
  })

  it.each([
    ['a public key off the curve', OFF_CURVE],
    ['an uncompressed-key prefix (04)', `0x04${PUBLIC_KEY.slice(4)}`],
    ['a hybrid-key prefix (06)', `0x06${PUBLIC_KEY.slice(4)}`],
  ])('%s → invalidDid / DID_INVALID, no node call', async (_what, key) => {
    const chain = quietChain()
    const result = await resolverOn(chain.provider).resolver.resolve(`did:ethr:civitas:${key}`)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'invalidDid', code: 'DID_INVALID' })
    expect(chain.calls).toEqual([])
  })

  it.each([
    ['changed() answered with 0xzz', { call: async () => '0xzz' }],
    ['changed() answered with a number beyond any block', { call: async () => `0x${'f'.repeat(64)}` }],
    ['getLogs answered with an object', { getLogs: async () => ({ logs: [] }) }],
    [
      'getLogs answered with a log of another contract',
      {
        getLogs: async () => [
          { ...logsOf(IDENTITY, [{ block: 7, owner: SUCCESSOR }])[0], address: DELEGATE },
        ],
      },
    ],
    [
      'getBlock answered with a timestamp no Date holds',
      { getBlock: async (n: number) => ({ number: n, timestamp: 1e15 }) },
    ],
    ['getBlock answered with another block', { getBlock: async () => ({ number: 1, timestamp: T0 }) }],
    [
      'a provider that throws something unprintable',
      { call: async () => Promise.reject({ toString: null }) },
    ],
  ])('a node: %s → unavailable / CHAIN_UNAVAILABLE', async (_what, override) => {
    const provider = { ...registryChain(IDENTITY, [{ block: 7, owner: SUCCESSOR }]), ...override }
    const result = await resolverOn(provider).resolver.resolve(DID)
    expect(result.didDocument).toBeNull()
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'CHAIN_UNAVAILABLE' })
  })

  it('?versionId= beyond the chain head stays notFound / DID_NOT_FOUND (not a transient unavailable)', async () => {
    const result = await resolverOn(registryChain(IDENTITY, [], 100)).resolver.resolve(`${DID}?versionId=101`)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'notFound', code: 'DID_NOT_FOUND' })
  })

  it('a service endpoint nested 5,000 deep → invalidDidDocument / DID_DOCUMENT_INVALID', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`
    const chain = registryChain(IDENTITY, [
      { block: 7, attribute: 'did/svc/Deep', value: hexlify(toUtf8Bytes(deep)), validTo: FAR },
    ])
    const { resolver } = resolverOn(chain)
    const result = await resolver.resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({
      error: 'invalidDidDocument',
      code: 'DID_DOCUMENT_INVALID',
    })
    await expect(resolveDid(resolver, DID)).rejects.toMatchObject({ code: 'DID_DOCUMENT_INVALID' })
  })
})

describe('did:ethr deadline: the work stops when the resolution gives up', () => {
  it('no node call starts after timeoutMs, however long the history walk would be', async () => {
    // 2,000 changes, one per block, on a node that refuses wide queries and takes 1 ms per
    // answer: the walk would make 2,000 calls. ethr-did-resolver went on after its caller gave up.
    const long: Change[] = Array.from({ length: 2_000 }, (_, i) => ({ block: i + 1, owner: IDENTITY }))
    const chain = registryChain(IDENTITY, long, 5_000)
    let getLogs = 0
    const slow = {
      ...chain,
      getLogs: async (filter: { fromBlock: number; toBlock: number }) => {
        getLogs++
        if (filter.fromBlock !== filter.toBlock) throw new Error('block range too large')
        await new Promise((resolve) => setTimeout(resolve, 1))
        return chain.getLogs(filter)
      },
    }
    const { resolver } = resolverOn(slow, { timeoutMs: 50, maxHistory: 5_000 })
    const result = await resolver.resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'CHAIN_UNAVAILABLE' })
    expect(result.didResolutionMetadata.message).toMatch(/timed out after 50 ms/)
    const atDeadline = getLogs
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(getLogs).toBeLessThanOrEqual(atDeadline + 1)
    expect(getLogs).toBeLessThan(2_000)
  })
})

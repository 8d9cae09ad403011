import { createServer } from 'node:net'
import { getAddress } from 'ethers'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import type { EthrNetworkConfig } from './ethr.js'
import { createResolver, resolveDid } from './resolver.js'

// did:ethr through ethr-did-resolver: our configuration checks, the DID syntax checks done
// before any RPC, and how chain failures surface. Resolution against a real ERC-1056
// registry on anvil is tested in packages/registry-contracts.

const REGISTRY = '0xdca7ef03e98e0dc2b855be647c39abe984fcf21b'
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
 * ethr-did-resolver to build the implicit document, and to answer block lookups.
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

describe('did:ethr resolution through ethr-did-resolver (stub provider)', () => {
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

  it('?versionId= is passed through to ethr-did-resolver (block lookup at that height)', async () => {
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
  it('rpcUrl on a closed localhost port → unavailable / RESOLVER_UNAVAILABLE (not notFound, no hang)', async () => {
    const port = await closedPort()
    const resolver = resolverWith([
      { name: 'civitas', chainId: 1337, rpcUrl: `http://127.0.0.1:${port}`, registry: REGISTRY },
    ])
    const result = await resolver.resolve(`did:ethr:civitas:${ADDRESS}`)
    expect(result.didDocument).toBeNull()
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'RESOLVER_UNAVAILABLE' })
    await expect(resolveDid(resolver, `did:ethr:civitas:${ADDRESS}`)).rejects.toMatchObject({
      code: 'RESOLVER_UNAVAILABLE',
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
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'RESOLVER_UNAVAILABLE' })
  })
})

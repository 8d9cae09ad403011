/**
 * did:ethr on a real chain (anvil + Civitas' DIDRegistry): @civitas/core's resolver returns
 * the documents and metadata unmodified npm ethr-did-resolver returns for the same history
 * (latest and at every version), reads that history in at most three JSON-RPC calls however
 * long it is (ethr-did-resolver makes one eth_getLogs per change), and answers `?versionTime=`.
 */
import { createResolver } from '@civitas/core'
import {
  createDidRegistryClient,
  type DidRegistryClient,
  ethrNetworkFromManifest,
} from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { type DIDResolutionResult, Resolver } from 'did-resolver'
import { hexlify, JsonRpcProvider, Network, randomBytes, SigningKey, type Wallet } from 'ethers'
import { getResolver } from 'ethr-did-resolver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const YEAR = 365 * 86_400
const SECP256K1_KEY = '0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71'

/** An ethers provider that counts the JSON-RPC calls it sends. */
function countingProvider(rpcUrl: string, chainId: number) {
  const network = Network.from(chainId)
  const provider = new JsonRpcProvider(rpcUrl, network, { staticNetwork: network, batchMaxCount: 1 })
  const methods: string[] = []
  void provider.on(
    'debug',
    (event: { action: string; payload?: { method: string } | { method: string }[] }) => {
      if (event.action !== 'sendRpcPayload' || !event.payload) return
      for (const call of Array.isArray(event.payload) ? event.payload : [event.payload])
        methods.push(call.method)
    },
  )
  return { provider, methods }
}

function comparable(result: DIDResolutionResult) {
  return {
    error: result.didResolutionMetadata.error,
    didDocument: result.didDocument,
    didDocumentMetadata: result.didDocumentMetadata,
  }
}

describe('did:ethr: our documents equal ethr-did-resolver’s, in at most 3 RPC calls', () => {
  let chain: LocalChain
  let theirs: Resolver
  let university: Wallet
  let successor: Wallet
  let registry: DidRegistryClient
  const changeBlocks: number[] = []
  let did: string

  beforeAll(async () => {
    chain = await startLocalChain({ networkName: 'civitas', accounts: 8 })
    theirs = new Resolver(getResolver({ networks: [ethrNetworkFromManifest(chain.manifest)] }))
    const [, owner, delegateA, delegateB, next] = chain.wallets as Wallet[]
    university = owner as Wallet
    successor = next as Wallet
    registry = createDidRegistryClient(chain.contracts.DIDRegistry, university)
    did = `did:ethr:civitas:${university.address}`
    const id = university.address
    const record = async (write: Promise<{ blockNumber: number }>) => {
      changeBlocks.push((await write).blockNumber)
    }
    // Every kind of change ethr-did-resolver interprets, including the ones it skips or undoes.
    await record(registry.addDelegate(id, 'veriKey', (delegateA as Wallet).address, YEAR))
    await record(registry.addDelegate(id, 'sigAuth', (delegateB as Wallet).address, 120))
    await record(registry.setAttribute(id, 'did/pub/Secp256k1/veriKey/hex', SECP256K1_KEY, YEAR))
    await record(registry.setAttribute(id, 'did/pub/Ed25519/veriKey/base58', hexlify(randomBytes(32)), YEAR))
    await record(registry.setAttribute(id, 'did/pub/X25519/enc/base64', hexlify(randomBytes(32)), YEAR))
    await record(registry.setAttribute(id, 'did/pub/Secp256k1/sigAuth', SECP256K1_KEY, YEAR))
    await record(registry.setAttribute(id, 'did/pub/RSA/veriKey/pem', '-----BEGIN PUBLIC KEY-----', YEAR))
    await record(registry.setAttribute(id, 'did/pub/Ed25519/veriKey/pem', '0xff', YEAR)) // not UTF-8: skipped
    await record(
      registry.setAttribute(
        id,
        'did/svc/LinkedDomains',
        JSON.stringify({ origins: ['https://uni.example'] }),
        YEAR,
      ),
    )
    await record(registry.setAttribute(id, 'did/svc/Messaging', 'https://msg.uni.example', YEAR))
    await record(registry.setAttribute(id, 'not/a/did/attribute', 'ignored', YEAR))
    await record(registry.revokeDelegate(id, 'veriKey', (delegateA as Wallet).address))
    await record(registry.revokeAttribute(id, 'did/pub/Secp256k1/veriKey/hex', SECP256K1_KEY))
    await chain.provider.send('evm_increaseTime', [600]) // the sigAuth delegate expires
    await record(registry.changeOwner(id, successor.address))
    await record(
      createDidRegistryClient(chain.contracts.DIDRegistry, successor).addDelegate(
        id,
        'veriKey',
        (delegateA as Wallet).address,
        YEAR,
      ),
    )
  })
  afterAll(async () => {
    await chain?.stop()
  })

  function ours() {
    const counting = countingProvider(chain.rpcUrl, chain.chainId)
    const network = ethrNetworkFromManifest(chain.manifest)
    const resolver = createResolver({
      web: false,
      cache: false,
      ethr: { networks: [{ ...network, rpcUrl: undefined, provider: counting.provider }] },
    })
    return { resolver, methods: counting.methods }
  }

  it(`latest document: equal, and read in 3 calls where ethr-did-resolver needs one getLogs per change`, async () => {
    const { resolver, methods } = ours()
    const result = await resolver.resolve(did)
    expect(comparable(result)).toEqual(comparable(await theirs.resolve(did)))
    expect(result.didDocument?.verificationMethod?.length).toBeGreaterThan(4)
    expect(methods).toEqual(['eth_call', 'eth_getLogs', 'eth_getBlockByNumber'])
    expect(new Set(changeBlocks).size).toBeGreaterThan(10)
  })

  it('every version, and the blocks between them: equal documents and metadata', async () => {
    const { resolver } = ours()
    const versions = [...new Set(changeBlocks.flatMap((block) => [block - 1, block]))]
    for (const block of versions) {
      const url = `${did}?versionId=${block}`
      expect(comparable(await resolver.resolve(url)), url).toEqual(comparable(await theirs.resolve(url)))
    }
  })

  it('plain JSON representation, a chain-id DID, an untouched address, a public-key DID: equal', async () => {
    const { resolver } = ours()
    const hexChain = `did:ethr:0x${chain.chainId.toString(16)}:${university.address}`
    const untouched = `did:ethr:civitas:${(chain.wallets[6] as Wallet).address}`
    const publicKey = `did:ethr:civitas:${SigningKey.computePublicKey((chain.wallets[7] as Wallet).signingKey.publicKey, true)}`
    for (const url of [hexChain, untouched, publicKey]) {
      expect(comparable(await resolver.resolve(url)), url).toEqual(comparable(await theirs.resolve(url)))
    }
    const accept = { accept: 'application/did+json' }
    expect(comparable(await resolver.resolve(did, accept))).toEqual(
      comparable(await theirs.resolve(did, accept)),
    )
  })

  it('owner change of a public-key DID and deactivation: equal', async () => {
    const holder = chain.wallets[7] as Wallet
    const publicKey = `did:ethr:civitas:${SigningKey.computePublicKey(holder.signingKey.publicKey, true)}`
    const asHolder = createDidRegistryClient(chain.contracts.DIDRegistry, holder)
    await asHolder.changeOwner(holder.address, successor.address)
    const { resolver } = ours()
    expect(comparable(await resolver.resolve(publicKey))).toEqual(comparable(await theirs.resolve(publicKey)))
    await createDidRegistryClient(chain.contracts.DIDRegistry, successor).deactivate(holder.address)
    const result = await resolver.resolve(publicKey)
    expect(result.didDocumentMetadata.deactivated).toBe(true)
    expect(comparable(result)).toEqual(comparable(await theirs.resolve(publicKey)))
  })

  it('?versionTime= is the document of the last change mined by then', async () => {
    const { resolver } = ours()
    const timestampOf = async (n: number) => (await chain.provider.getBlock(n))?.timestamp as number
    const time = await timestampOf(changeBlocks[2] as number)
    // Blocks mined within one second share a timestamp: the last of them is the version.
    let expected = 0
    for (const n of changeBlocks) if ((await timestampOf(n)) <= time) expected = n
    const iso = new Date(time * 1000).toISOString().replace('.000Z', 'Z')
    const atTime = await resolver.resolve(`${did}?versionTime=${iso}`)
    const atBlock = await resolver.resolve(`${did}?versionId=${expected}`)
    expect(atTime.didDocument).toEqual(atBlock.didDocument)
    expect(atTime.didDocumentMetadata).toMatchObject({ versionId: String(expected) })
  })
})

import { createResolver } from '@civitas/core'
import {
  createDidRegistryClient,
  type DidRegistryClient,
  ethrNetworkFromManifest,
} from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { Resolver } from 'did-resolver'
import type { Wallet } from 'ethers'
import { getResolver } from 'ethr-did-resolver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Unmodified npm ethr-did-resolver reading DID documents written through Civitas' DIDRegistry.
const YEAR = 365 * 86_400
const PUB_KEY_HEX = '0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71'
const X25519_BASE64 = 'did/pub/X25519/enc/base64'
const X25519_KEY = '0x6f0d2b5f1c9f3a5f0d1a6e8f2d3b4c5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c'

describe('ethr-did-resolver interop with DIDRegistry', () => {
  let chain: LocalChain
  let university: Wallet
  let signingKey: Wallet
  let newController: Wallet
  let relayer: Wallet
  let registry: DidRegistryClient
  let resolver: Resolver
  let did: string
  let v1: number
  let v2: number

  beforeAll(async () => {
    chain = await startLocalChain({ networkName: 'civitas', accounts: 6 })
    ;[relayer, university, signingKey, newController] = chain.wallets as [Wallet, Wallet, Wallet, Wallet]
    registry = createDidRegistryClient(chain.contracts.DIDRegistry, university)
    resolver = new Resolver(getResolver({ networks: [ethrNetworkFromManifest(chain.manifest)] }))
    did = `did:ethr:civitas:${university.address}`

    // Version 1: an assertion delegate and a secp256k1 key.
    await registry.addDelegate(university.address, 'veriKey', signingKey.address, YEAR)
    v1 = (await registry.setAttribute(university.address, 'did/pub/Secp256k1/veriKey/hex', PUB_KEY_HEX, YEAR))
      .blockNumber
    // Version 2: a service and a key-agreement key, the latter relayed with an EIP-712 signature.
    await registry.setAttribute(
      university.address,
      'did/svc/LinkedDomains',
      JSON.stringify({ origins: ['https://uni.example'] }),
      YEAR,
    )
    const relay = createDidRegistryClient(chain.contracts.DIDRegistry, relayer)
    const op = {
      type: 'SetAttribute' as const,
      identity: university.address,
      name: X25519_BASE64,
      value: X25519_KEY,
      validity: YEAR,
    }
    const deadline = (await chain.provider.getBlock('latest'))!.timestamp + 600
    v2 = (await relay.submitSigned(op, await relay.sign(university, op, { deadline }))).blockNumber
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('resolves keys, delegates and services written through our registry', async () => {
    const { didDocument, didDocumentMetadata, didResolutionMetadata } = await resolver.resolve(did)
    expect(didResolutionMetadata.error).toBeUndefined()
    expect(didDocument!.id).toBe(did)
    const methods = didDocument!.verificationMethod!
    expect(methods).toContainEqual({
      id: `${did}#controller`,
      type: 'EcdsaSecp256k1RecoveryMethod2020',
      controller: did,
      blockchainAccountId: `eip155:${chain.chainId}:${university.address}`,
    })
    expect(methods).toContainEqual({
      id: `${did}#delegate-1`,
      type: 'EcdsaSecp256k1RecoveryMethod2020',
      controller: did,
      blockchainAccountId: `eip155:${chain.chainId}:${signingKey.address}`,
    })
    expect(methods).toContainEqual({
      id: `${did}#delegate-2`,
      type: 'EcdsaSecp256k1VerificationKey2019',
      controller: did,
      publicKeyHex: PUB_KEY_HEX.slice(2),
    })
    expect(methods.find((m) => m.id === `${did}#delegate-3`)).toMatchObject({
      type: 'X25519KeyAgreementKey2019',
    })
    expect(didDocument!.assertionMethod).toEqual(
      expect.arrayContaining([`${did}#controller`, `${did}#delegate-1`, `${did}#delegate-2`]),
    )
    expect(didDocument!.keyAgreement).toEqual([`${did}#delegate-3`])
    expect(didDocument!.service).toEqual([
      {
        id: `${did}#service-1`,
        type: 'LinkedDomains',
        serviceEndpoint: { origins: ['https://uni.example'] },
      },
    ])
    expect(didDocumentMetadata.versionId).toBe(String(v2))
  })

  it('?versionId= returns the earlier document', async () => {
    const { didDocument, didDocumentMetadata } = await resolver.resolve(`${did}?versionId=${v1}`)
    expect(didDocument!.verificationMethod!.map((m) => m.id)).toEqual([
      `${did}#controller`,
      `${did}#delegate-1`,
      `${did}#delegate-2`,
    ])
    expect(didDocument!.service).toBeUndefined()
    expect(didDocumentMetadata.versionId).toBe(String(v1))
    expect(Number(didDocumentMetadata.nextVersionId)).toBeGreaterThan(v1)
  })

  it('resolves by chain id as well as by network name', async () => {
    const byChainId = `did:ethr:0x${chain.chainId.toString(16)}:${university.address}`
    const { didDocument } = await resolver.resolve(byChainId)
    expect(didDocument!.service).toHaveLength(1)
  })

  it("@civitas/core's createResolver resolves the same DID from the manifest", async () => {
    const civitas = createResolver({
      ethr: { networks: [ethrNetworkFromManifest(chain.manifest)] },
      cache: false,
    })
    const ours = await civitas.resolve(did)
    const theirs = await resolver.resolve(did)
    expect(ours.didResolutionMetadata.error).toBeUndefined()
    expect(ours.didDocument?.verificationMethod).toEqual(theirs.didDocument?.verificationMethod)
    expect(ours.didDocument?.service).toEqual(theirs.didDocument?.service)
  })

  it('a revoked delegate is gone from the document of its revocation block', async () => {
    const issuer = chain.wallets[4]!
    const issuerDid = `did:ethr:civitas:${issuer.address}`
    const asIssuer = createDidRegistryClient(chain.contracts.DIDRegistry, issuer)
    const added = await asIssuer.addDelegate(issuer.address, 'sigAuth', signingKey.address, YEAR)
    const revoked = await asIssuer.revokeDelegate(issuer.address, 'sigAuth', signingKey.address)
    const before = await resolver.resolve(`${issuerDid}?versionId=${added.blockNumber}`)
    expect(before.didDocument!.authentication).toEqual([`${issuerDid}#controller`, `${issuerDid}#delegate-1`])
    // The resolver evaluates validTo against the timestamp of the requested block.
    const atRevocation = await resolver.resolve(`${issuerDid}?versionId=${revoked.blockNumber}`)
    expect(atRevocation.didDocument!.verificationMethod!.map((m) => m.id)).toEqual([
      `${issuerDid}#controller`,
    ])
    expect(atRevocation.didDocument!.authentication).toEqual([`${issuerDid}#controller`])
  })

  it('revocations, owner change and deactivation are seen by the resolver; old versions stay readable', async () => {
    const other = `did:ethr:civitas:${relayer.address}`
    const relayerRegistry = createDidRegistryClient(chain.contracts.DIDRegistry, relayer)
    await relayerRegistry.setAttribute(relayer.address, 'did/pub/Secp256k1/veriKey/hex', PUB_KEY_HEX, YEAR)
    await relayerRegistry.revokeAttribute(relayer.address, 'did/pub/Secp256k1/veriKey/hex', PUB_KEY_HEX)
    const revoked = await resolver.resolve(other)
    expect(revoked.didDocument!.verificationMethod!.map((m) => m.id)).toEqual([`${other}#controller`])

    const moved = await relayerRegistry.changeOwner(relayer.address, newController.address)
    const controlled = await resolver.resolve(other)
    expect(controlled.didDocument!.verificationMethod![0]!.blockchainAccountId).toBe(
      `eip155:${chain.chainId}:${newController.address}`,
    )

    const asNewController = createDidRegistryClient(chain.contracts.DIDRegistry, newController)
    await asNewController.deactivate(relayer.address)
    const gone = await resolver.resolve(other)
    expect(gone.didDocumentMetadata.deactivated).toBe(true)
    expect(gone.didDocument!.verificationMethod).toEqual([])
    const before = await resolver.resolve(`${other}?versionId=${moved.blockNumber}`)
    expect(before.didDocumentMetadata.deactivated).toBeUndefined()
    expect(before.didDocument!.verificationMethod![0]!.blockchainAccountId).toContain(newController.address)
  })
})

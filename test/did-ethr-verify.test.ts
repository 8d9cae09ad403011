/**
 * verifyJwsWithDid for did:ethr on a real chain (anvil + Civitas' ERC-1056 DIDRegistry):
 * tokens signed by the controller, by a delegate and with did-jwt's ES256K-R verify; a key
 * that lost control stops verifying for the latest document but still verifies against the
 * version that was current when it signed (?versionId=, or the caller's versionTime); a
 * deactivated DID fails closed.
 */
import {
  base64urlEncode,
  createResolver,
  type Jwk,
  localSigner,
  signJws,
  verifyJwsWithDid,
} from '@civitas/core'
import { createDidRegistryClient, ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { createJWT, ES256KSigner } from 'did-jwt'
import { getBytes, type Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const YEAR = 365 * 86_400

function privateJwkOf(wallet: Wallet): Jwk {
  const point = getBytes(wallet.signingKey.publicKey) // 0x04 || x || y
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64urlEncode(point.subarray(1, 33)),
    y: base64urlEncode(point.subarray(33)),
    d: base64urlEncode(getBytes(wallet.signingKey.privateKey)),
  }
}

describe('verifyJwsWithDid with did:ethr on anvil', () => {
  let chain: LocalChain
  let university: Wallet
  let delegate: Wallet
  let successor: Wallet
  let stranger: Wallet
  let resolver: ReturnType<typeof createResolver>
  let did: string
  const claims = { sub: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', degree: 'MSc' }

  beforeAll(async () => {
    chain = await startLocalChain({ networkName: 'civitas', accounts: 5 })
    ;[, university, delegate, successor, stranger] = chain.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet]
    // No cache: every step below must see the chain as it is now.
    resolver = createResolver({
      web: false,
      cache: false,
      ethr: { networks: [ethrNetworkFromManifest(chain.manifest)] },
    })
    did = `did:ethr:civitas:${university.address}`
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('ES256K by the controller, with kid #controller and with no kid', async () => {
    const signer = localSigner(privateJwkOf(university), { kid: `${did}#controller` })
    const result = await verifyJwsWithDid(await signJws(claims, signer), { resolver })
    expect(result.verificationMethod).toMatchObject({
      id: `${did}#controller`,
      type: 'EcdsaSecp256k1RecoveryMethod2020',
    })
    const noKid = await signJws(claims, localSigner(privateJwkOf(university)))
    await expect(verifyJwsWithDid(noKid, { resolver, did })).resolves.toBeDefined()
  })

  it("did-jwt's ES256K-R (did-jwt-vc / older EBSI tokens) by the controller", async () => {
    const jwt = await createJWT(claims, {
      issuer: did,
      signer: ES256KSigner(getBytes(university.signingKey.privateKey), true),
      alg: 'ES256K-R',
    })
    await expect(verifyJwsWithDid(jwt, { resolver, did })).resolves.toMatchObject({
      verificationMethod: { id: `${did}#controller` },
    })
  })

  it('a veriKey delegate signs for the DID; a stranger claiming #controller does not', async () => {
    const registry = createDidRegistryClient(chain.contracts.DIDRegistry, university)
    await registry.addDelegate(university.address, 'veriKey', delegate.address, YEAR)
    const byDelegate = await signJws(
      claims,
      localSigner(privateJwkOf(delegate), { kid: `${did}#delegate-1` }),
    )
    await expect(verifyJwsWithDid(byDelegate, { resolver })).resolves.toMatchObject({
      verificationMethod: { id: `${did}#delegate-1` },
    })
    const forged = await signJws(claims, localSigner(privateJwkOf(stranger), { kid: `${did}#controller` }))
    await expect(verifyJwsWithDid(forged, { resolver })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it('after an owner change the old key fails for the latest document but verifies at its version', async () => {
    const before = await signJws(claims, localSigner(privateJwkOf(university), { kid: `${did}#controller` }))
    const registry = createDidRegistryClient(chain.contracts.DIDRegistry, university)
    const issuedAt = await chain.provider.getBlockNumber()
    await registry.changeOwner(university.address, successor.address)
    await expect(verifyJwsWithDid(before, { resolver })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
    await expect(
      verifyJwsWithDid(before, { resolver, did: `${did}?versionId=${issuedAt}` }),
    ).resolves.toBeDefined()
  })

  it('a delegate since revoked verifies only for a versionTime before its revocation (the caller picks the time)', async () => {
    const registry = createDidRegistryClient(chain.contracts.DIDRegistry, successor)
    const added = await registry.addDelegate(university.address, 'veriKey', stranger.address, YEAR)
    const addedAt = (await chain.provider.getBlock(added.blockNumber))!.timestamp
    const jws = await signJws(claims, localSigner(privateJwkOf(stranger)))
    await expect(verifyJwsWithDid(jws, { resolver, did, versionTime: addedAt - 1 })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
    await expect(verifyJwsWithDid(jws, { resolver, did, versionTime: addedAt })).resolves.toBeDefined()
    // Not by moving the clock ahead (latest documents are judged at the wall-clock time).
    await chain.provider.send('evm_setNextBlockTimestamp', [addedAt + 5])
    const revoked = await registry.revokeDelegate(university.address, 'veriKey', stranger.address)
    const revokedAt = (await chain.provider.getBlock(revoked.blockNumber))!.timestamp
    await expect(verifyJwsWithDid(jws, { resolver, did, versionTime: revokedAt - 1 })).resolves.toBeDefined()
    await expect(verifyJwsWithDid(jws, { resolver, did, versionTime: revokedAt })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
  })

  it('a deactivated DID → DID_DEACTIVATED', async () => {
    const registry = createDidRegistryClient(chain.contracts.DIDRegistry, successor)
    await registry.deactivate(university.address)
    const jws = await signJws(claims, localSigner(privateJwkOf(successor), { kid: `${did}#controller` }))
    await expect(verifyJwsWithDid(jws, { resolver })).rejects.toMatchObject({ code: 'DID_DEACTIVATED' })
  })
})

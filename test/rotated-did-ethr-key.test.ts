/**
 * Issue 7, "A rotated-out did:ethr key can sign valid credentials": a token whose signer DID
 * carries `?versionId=<block before the owner change>`, signed with the key that controlled
 * the address until then, must not verify in any format. The token's DID is a DID, never a
 * DID URL (CLAIM_INVALID); with the plain DID the old key no longer signs for it
 * (SIGNATURE_INVALID). Real anvil chain and Civitas' ERC-1056 registry.
 */
import {
  base64urlEncode,
  createResolver,
  issueSdJwtVc,
  issueStatusListToken,
  type Jwk,
  localSigner,
  type Signer,
  signJws,
  VCDM_1_1_CONTEXT,
  VCDM_2_0_CONTEXT,
  verifyJwtVc,
  verifyJwtVp,
  verifySdJwt,
  verifyStatusListToken,
} from '@civitas/core'
import { createDidRegistryClient, ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { getBytes, type Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

function privateJwkOf(wallet: Wallet): Jwk {
  const point = getBytes(wallet.signingKey.publicKey)
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64urlEncode(point.subarray(1, 33)),
    y: base64urlEncode(point.subarray(33)),
    d: base64urlEncode(getBytes(wallet.signingKey.privateKey)),
  }
}

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

const LIST_URI = 'https://university.example/status/1'

describe('a rotated-out did:ethr key cannot choose the document version through the token', () => {
  let chain: LocalChain
  let resolver: ReturnType<typeof createResolver>
  let did: string
  let oldKey: Signer
  let versionId: number
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    chain = await startLocalChain({ networkName: 'civitas', accounts: 3 })
    const [, university, successor] = chain.wallets as [Wallet, Wallet, Wallet]
    resolver = createResolver({
      web: false,
      cache: false,
      ethr: { networks: [ethrNetworkFromManifest(chain.manifest)] },
    })
    did = `did:ethr:civitas:${university.address}`
    oldKey = localSigner(privateJwkOf(university), { kid: `${did}#controller` })
    versionId = await chain.provider.getBlockNumber()
    await createDidRegistryClient(chain.contracts.DIDRegistry, university).changeOwner(
      university.address,
      successor.address,
    )
  })
  afterAll(async () => {
    await chain?.stop()
  })

  async function sign(issuer: string) {
    const now = Math.floor(Date.now() / 1000)
    const vc11 = {
      '@context': [VCDM_1_1_CONTEXT],
      type: ['VerifiableCredential'],
      issuer,
      issuanceDate: '2026-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:student', degree: 'MSc' },
    }
    tokens.jwtVcJson = await signJws({ iss: issuer, sub: 'did:example:student', vc: vc11 }, oldKey, {
      typ: 'JWT',
    })
    tokens.vcJwt = await signJws(
      { ...vc11, '@context': [VCDM_2_0_CONTEXT], issuanceDate: undefined },
      oldKey,
      {
        typ: 'vc+jwt',
      },
    )
    tokens.vp = await signJws(
      {
        iss: issuer,
        aud: 'https://verifier.example',
        nonce: 'n-1',
        iat: now,
        exp: now + 300,
        vp: { '@context': [VCDM_1_1_CONTEXT], type: ['VerifiablePresentation'], holder: issuer },
      },
      oldKey,
      { typ: 'JWT' },
    )
    tokens.sdJwt = await issueSdJwtVc(
      { vct: 'urn:example:diploma', iss: issuer, claims: { degree: 'MSc' } },
      {
        signer: oldKey,
      },
    )
    tokens.statusList = await issueStatusListToken(
      { iss: issuer, sub: LIST_URI, statuses: [0, 0, 0, 0], bits: 1, iat: now },
      { signer: oldKey },
    )
  }

  async function outcomes(): Promise<Record<string, string[]>> {
    const vp = await verifyJwtVp(tokens.vp!, { resolver, nonce: 'n-1', audience: 'https://verifier.example' })
    const statusList = codes(await verifyStatusListToken(tokens.statusList!, { resolver, uri: LIST_URI }))
    return {
      jwtVcJson: codes(await verifyJwtVc(tokens.jwtVcJson!, { resolver })),
      vcJwt: codes(await verifyJwtVc(tokens.vcJwt!, { resolver })),
      vp: codes(vp),
      sdJwt: codes(await verifySdJwt(tokens.sdJwt!, { resolver })),
      statusList,
    }
  }

  it('?versionId= in iss / issuer / holder: CLAIM_INVALID in every format', async () => {
    await sign(`${did}?versionId=${versionId}`)
    expect(await outcomes()).toEqual({
      jwtVcJson: ['CLAIM_INVALID'],
      vcJwt: ['CLAIM_INVALID'],
      vp: ['CLAIM_INVALID'],
      sdJwt: ['CLAIM_INVALID'],
      statusList: ['CLAIM_INVALID'],
    })
  })

  it('the plain DID: the rotated-out key does not sign for it any more (SIGNATURE_INVALID)', async () => {
    await sign(did)
    expect(await outcomes()).toEqual({
      jwtVcJson: ['SIGNATURE_INVALID'],
      vcJwt: ['SIGNATURE_INVALID'],
      vp: ['SIGNATURE_INVALID'],
      sdJwt: ['SIGNATURE_INVALID'],
      statusList: ['SIGNATURE_INVALID'],
    })
  })
})

/**
 * DID interoperability with did-jwt (what did-jwt-vc and EBSI's tooling use): JWTs that
 * did-jwt signs for did:key / did:jwk issuers verify through @civitas/core's resolver and
 * verifyJwsWithDid, and the DID documents our resolver produces let did-jwt's own verifyJWT
 * find and check the issuer's key.
 */
import {
  base64urlDecode,
  createResolver,
  didJwkFromJwk,
  didKeyFromJwk,
  generateKeyPair,
  type Jwk,
  localSigner,
  type SignatureAlgorithm,
  signJws,
  verifyJwsWithDid,
} from '@civitas/core'
import { createJWT, EdDSASigner, ES256KSigner, ES256Signer, verifyJWT } from 'did-jwt'
import { describe, expect, it } from 'vitest'

type DidJwtSigner = Parameters<typeof createJWT>[1]['signer']

function didJwtSigner(alg: SignatureAlgorithm | 'ES256K-R', privateJwk: Jwk): DidJwtSigner {
  const d = base64urlDecode(privateJwk.d!)
  if (alg === 'ES256') return ES256Signer(d)
  if (alg === 'ES256K') return ES256KSigner(d)
  if (alg === 'ES256K-R') return ES256KSigner(d, true)
  if (alg === 'EdDSA') return EdDSASigner(new Uint8Array([...d, ...base64urlDecode(privateJwk.x!)]))
  throw new Error(`did-jwt has no signer for ${alg}`)
}

const resolver = createResolver({ web: false })
const DID_FORMS = ['did:key', 'did:jwk'] as const

function didFor(form: (typeof DID_FORMS)[number], publicJwk: Jwk): { did: string; kid: string } {
  if (form === 'did:jwk') {
    const did = didJwkFromJwk(publicJwk)
    return { did, kid: `${did}#0` }
  }
  const did = didKeyFromJwk(publicJwk)
  return { did, kid: `${did}#${did.slice('did:key:'.length)}` }
}

describe('did-jwt → Civitas: did-jwt JWTs verify with verifyJwsWithDid', () => {
  for (const form of DID_FORMS) {
    for (const alg of ['ES256', 'ES256K', 'EdDSA', 'ES256K-R'] as const) {
      const keyAlg: SignatureAlgorithm = alg === 'ES256K-R' ? 'ES256K' : alg
      it(`${form} ${alg}: with a DID URL kid, and with no kid (iss as did)`, async () => {
        const keys = await generateKeyPair(keyAlg)
        const { did, kid } = didFor(form, keys.publicJwk)
        const signer = didJwtSigner(alg, keys.privateJwk)
        const withKid = await createJWT({ sub: 'student' }, { issuer: did, signer }, { alg, kid })
        const result = await verifyJwsWithDid(withKid, { resolver })
        expect(result.verificationMethod.id).toBe(kid)
        expect(JSON.parse(new TextDecoder().decode(result.payload))).toMatchObject({
          iss: did,
          sub: 'student',
        })

        const withoutKid = await createJWT({ sub: 'student' }, { issuer: did, signer }, { alg })
        await expect(verifyJwsWithDid(withoutKid, { resolver, did })).resolves.toMatchObject({
          verificationMethod: { id: kid },
        })
        // And the signer is bound to its DID: another DID's key does not verify it.
        const other = didFor(form, (await generateKeyPair(keyAlg)).publicJwk)
        await expect(verifyJwsWithDid(withoutKid, { resolver, did: other.did })).rejects.toMatchObject({
          code: 'SIGNATURE_INVALID',
        })
      })
    }
  }
})

describe('Civitas → did-jwt: our resolver feeds did-jwt verifyJWT', () => {
  for (const form of DID_FORMS) {
    for (const alg of ['ES256', 'ES256K', 'EdDSA'] as const) {
      it(`${form} ${alg}: a Civitas-signed JWT verifies with verifyJWT({ resolver: createResolver() })`, async () => {
        const keys = await generateKeyPair(alg)
        const { did, kid } = didFor(form, keys.publicJwk)
        const now = Math.floor(Date.now() / 1000)
        const jwt = await signJws(
          { iss: did, sub: 'student', iat: now },
          localSigner(keys.privateJwk, { kid }),
          {
            typ: 'JWT',
          },
        )
        const verified = await verifyJWT(jwt, { resolver, proofPurpose: 'assertionMethod' })
        expect(verified.issuer).toBe(did)
        expect(verified.signer.id).toBe(kid)

        const forged = await signJws(
          { iss: did, sub: 'student', iat: now },
          localSigner((await generateKeyPair(alg)).privateJwk, { kid }),
          { typ: 'JWT' },
        )
        await expect(verifyJWT(forged, { resolver })).rejects.toThrow()
      })
    }
  }

  it('EBSI jwk_jcs-pub did:key (ES256) documents work with verifyJWT too', async () => {
    const keys = await generateKeyPair('ES256')
    const did = didKeyFromJwk(keys.publicJwk, { format: 'jwk_jcs-pub' })
    const kid = `${did}#${did.slice('did:key:'.length)}`
    const jwt = await signJws(
      { iss: did, iat: Math.floor(Date.now() / 1000) },
      localSigner(keys.privateJwk, { kid }),
      { typ: 'JWT' },
    )
    expect((await verifyJWT(jwt, { resolver })).signer.id).toBe(kid)
  })
})

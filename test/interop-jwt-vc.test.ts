/**
 * jwt_vc_json interoperability with did-jwt-vc (what EBSI tooling uses): credentials and
 * presentations we issue verify with `verifyCredential` / `verifyPresentation`, theirs
 * (`createVerifiableCredentialJwt` / `createVerifiablePresentationJwt`) verify with us,
 * for ES256, ES256K and EdDSA keys behind did:jwk / did:key, resolved by our resolver.
 */
import {
  base64urlDecode,
  createResolver,
  didJwkFromJwk,
  didKeyFromJwk,
  generateKeyPair,
  issueJwtVc,
  issueJwtVp,
  type Jwk,
  localSigner,
  type SignatureAlgorithm,
  type Signer,
  VCDM_1_1_CONTEXT,
  verifyJwtVc,
  verifyJwtVp,
} from '@civitas/core'
import { EdDSASigner, ES256KSigner, ES256Signer } from 'did-jwt'
import {
  createVerifiableCredentialJwt,
  createVerifiablePresentationJwt,
  type Issuer,
  verifyCredential,
  verifyPresentation,
} from 'did-jwt-vc'
import { describe, expect, it } from 'vitest'

const resolver = createResolver({ web: false, cache: false })

interface Party {
  did: string
  kid: string
  signer: Signer
  theirs: Issuer
}

async function party(alg: SignatureAlgorithm): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair(alg)
  // did:jwk for the NIST curve, did:key for the others: both paths of our resolver.
  const did = alg === 'ES256' ? didJwkFromJwk(publicJwk) : didKeyFromJwk(publicJwk)
  const kid = alg === 'ES256' ? `${did}#0` : `${did}#${did.slice('did:key:'.length)}`
  return {
    did,
    kid,
    signer: localSigner(privateJwk, { kid }),
    theirs: { did, alg, signer: theirSigner(alg, privateJwk) },
  }
}

function theirSigner(alg: SignatureAlgorithm, jwk: Jwk) {
  const d = base64urlDecode(jwk.d!)
  if (alg === 'ES256') return ES256Signer(d)
  if (alg === 'ES256K') return ES256KSigner(d)
  return EdDSASigner(new Uint8Array([...d, ...base64urlDecode(jwk.x!)]))
}

function credential(issuer: Party, subject: Party) {
  return {
    '@context': [VCDM_1_1_CONTEXT],
    id: 'urn:uuid:2f2d1f0e-7a58-4bd4-8c3d-1d2b9f7b0a11',
    type: ['VerifiableCredential', 'VerifiableAttestation', 'VerifiableDiploma'],
    issuer: issuer.did,
    issuanceDate: '2026-01-15T09:00:00Z',
    expirationDate: '2036-01-15T09:00:00Z',
    credentialSubject: { id: subject.did, degree: { type: 'MasterDegree', name: 'MSc Informatics' } },
  }
}

describe('interop: jwt_vc_json with did-jwt-vc', () => {
  for (const alg of ['ES256', 'ES256K', 'EdDSA'] as const) {
    it(`${alg}: our credential and presentation verify with did-jwt-vc`, async () => {
      const [university, student] = [await party(alg), await party(alg)]
      const vc = await issueJwtVc(credential(university, student), {
        format: 'jwt_vc_json',
        signer: university.signer,
      })
      const verified = await verifyCredential(vc, resolver as never)
      expect(verified.issuer).toBe(university.did)
      expect(verified.verifiableCredential.credentialSubject).toMatchObject({ id: student.did })
      expect(verified.verifiableCredential.id).toBe('urn:uuid:2f2d1f0e-7a58-4bd4-8c3d-1d2b9f7b0a11')

      const vp = await issueJwtVp(
        {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiablePresentation'],
          holder: student.did,
          verifiableCredential: [vc],
        },
        {
          format: 'jwt_vc_json',
          signer: student.signer,
          nonce: 'c-8Hx2',
          audience: 'https://border.example',
        },
      )
      const presentation = await verifyPresentation(vp, resolver as never, {
        challenge: 'c-8Hx2',
        domain: 'https://border.example',
      })
      expect(presentation.verifiablePresentation.holder).toBe(student.did)
      await expect(
        verifyPresentation(vp, resolver as never, { challenge: 'other', domain: 'https://border.example' }),
      ).rejects.toThrow()
    })

    it(`${alg}: did-jwt-vc's credential and presentation verify with ours`, async () => {
      const [university, student] = [await party(alg), await party(alg)]
      const now = Math.floor(Date.now() / 1000)
      const vc = await createVerifiableCredentialJwt(
        {
          sub: student.did,
          nbf: now - 60,
          exp: now + 3600,
          jti: 'urn:uuid:7c1b',
          vc: {
            '@context': [VCDM_1_1_CONTEXT],
            type: ['VerifiableCredential', 'VerifiableDiploma'],
            credentialSubject: { degree: { type: 'MasterDegree', name: 'MSc Informatics' } },
          },
        },
        university.theirs,
      )
      const result = await verifyJwtVc(vc, { resolver })
      expect(result.errors).toEqual([])
      expect(result.credential).toMatchObject({
        issuer: university.did,
        id: 'urn:uuid:7c1b',
        credentialSubject: { id: student.did },
      })

      const vp = await createVerifiablePresentationJwt(
        {
          vp: {
            '@context': [VCDM_1_1_CONTEXT],
            type: ['VerifiablePresentation'],
            verifiableCredential: [vc],
          },
        },
        student.theirs,
        { challenge: 'c-77', domain: 'https://border.example' },
      )
      const ours = await verifyJwtVp(vp, { resolver, nonce: 'c-77', audience: 'https://border.example' })
      expect(ours.errors).toEqual([])
      expect(ours.holder).toBe(student.did)
      expect(ours.credentials[0]?.verified).toBe(true)
      const wrong = await verifyJwtVp(vp, { resolver, nonce: 'c-78', audience: 'https://border.example' })
      expect(wrong.errors.map((e) => e.code)).toEqual(['NONCE_MISMATCH'])
    })
  }
})

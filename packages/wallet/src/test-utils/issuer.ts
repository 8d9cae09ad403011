/** A test issuer on core: did:jwk, so credentials verify with an offline resolver. */
import {
  createResolver,
  didJwkFromJwk,
  generateKeyPair,
  issueJwtVc,
  issueSdJwtVc,
  issueVcSdJwt,
  type Jwk,
  localSigner,
} from '@civitas/core'

export const FAST_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const

export const resolver = createResolver({ web: false })

export interface TestIssuer {
  did: string
  publicJwk: Jwk
  diploma(
    subjectDid: string,
    claims?: Record<string, unknown>,
    options?: { expired?: boolean },
  ): Promise<string>
  diploma2(subjectDid: string, claims?: Record<string, unknown>): Promise<string>
  pid(holderJwk: Jwk, claims?: Record<string, unknown>): Promise<string>
  /** A VCDM 2.0 diploma secured with SD-JWT (vc+sd-jwt), bound by `cnf.jwk` when given. */
  vcSdJwt(subjectDid: string, options?: { holderJwk?: Jwk; validUntil?: string }): Promise<string>
}

export const PID_CLAIMS = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1964-08-12',
  age_over_18: true,
  address: { street_address: 'Heidestraße 17', locality: 'Köln', country: 'DE' },
  nationalities: ['DE', 'FR'],
}

/** True when the JSON Pointer names a member of `claims` (the issuer refuses frames naming none). */
function exists(claims: unknown, pointer: string): boolean {
  let node = claims
  for (const segment of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return false
    node = (node as Record<string, unknown>)[segment]
  }
  return true
}

export async function testIssuer(): Promise<TestIssuer> {
  const keys = await generateKeyPair('ES256')
  const did = didJwkFromJwk(keys.publicJwk)
  const signer = localSigner(keys.privateJwk, { kid: `${did}#0` })
  return {
    did,
    publicJwk: keys.publicJwk,
    async diploma(subjectDid, claims = { name: 'Ada Lovelace', degree: 'MSc Mathematics' }, options = {}) {
      const now = Date.now()
      return issueJwtVc(
        {
          '@context': ['https://www.w3.org/2018/credentials/v1'],
          type: ['VerifiableCredential', 'VerifiableDiploma'],
          issuer: did,
          issuanceDate: new Date(now - 86_400_000 * 2).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          expirationDate: new Date(now + (options.expired ? -86_400_000 : 86_400_000 * 365))
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
          credentialSubject: { id: subjectDid, ...claims },
        },
        // iat = issuanceDate (EBSI's rule), so an already expired test credential is well ordered.
        { format: 'jwt_vc_json', signer, iat: Math.floor((now - 86_400_000 * 2) / 1000) },
      )
    },
    async diploma2(subjectDid, claims = { name: 'Ada Lovelace', degree: 'MSc Mathematics' }) {
      return issueJwtVc(
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiableCredential', 'VerifiableDiploma'],
          issuer: did,
          validFrom: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          credentialSubject: { id: subjectDid, ...claims },
        },
        { format: 'vc+jwt', signer },
      )
    },
    async vcSdJwt(subjectDid, options = {}) {
      return issueVcSdJwt(
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiableCredential', 'VerifiableDiploma'],
          issuer: did,
          validFrom: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ...(options.validUntil ? { validUntil: options.validUntil } : {}),
          credentialSubject: {
            id: subjectDid,
            name: 'Ada Lovelace',
            degree: 'MSc Mathematics',
            awarded: '2024-07-01',
          },
        },
        {
          signer,
          disclosable: ['/credentialSubject/name', '/credentialSubject/degree', '/credentialSubject/awarded'],
          ...(options.holderJwk ? { holderJwk: options.holderJwk } : {}),
        },
      )
    },
    async pid(holderJwk, claims = PID_CLAIMS) {
      const now = Math.floor(Date.now() / 1000)
      return issueSdJwtVc(
        {
          vct: 'urn:eudi:pid:1',
          iss: did,
          iat: now,
          exp: now + 3600 * 24 * 365,
          cnf: { jwk: holderJwk },
          claims,
          disclosable: [
            '/given_name',
            '/family_name',
            '/birthdate',
            '/age_over_18',
            '/address',
            '/address/street_address',
            '/address/locality',
            '/address/country',
            '/nationalities/0',
            '/nationalities/1',
          ].filter((pointer) => exists(claims, pointer)),
        },
        { signer },
      )
    },
  }
}

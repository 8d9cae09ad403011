// The EBSI profile and the VCDM 1.1 claim mapping on the issue side. Conformance with EBSI's
// own libraries (both directions, every algorithm) is test/ebsi-conformance.test.ts; these are
// the rules one at a time, without the network.
import { base58 } from '@scure/base'
import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { didKeyFromJwk } from '../did/key.js'
import { decodeJwt } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { VCDM_1_1_CONTEXT, validateCredential } from './data-model.js'
import { isEbsiLegalEntityDid, isEbsiNaturalPersonDid } from './ebsi-did.js'
import { issueJwtVc, verifyJwtVc } from './jwt-vc.js'
import { issueJwtVp, verifyJwtVp } from './jwt-vp.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const seconds = (iso: string) => Date.parse(iso) / 1000

function ebsiDid(version = 0x01, length = 16): string {
  const bytes = new Uint8Array(1 + length).fill(7)
  bytes[0] = version
  return `did:ebsi:z${base58.encode(bytes)}`
}

interface Party {
  did: string
  kid: string
  jwk: Jwk
  signer: Signer
}

async function legalEntity(): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair('ES256')
  const did = ebsiDid()
  const kid = `${did}#key-1`
  return { did, kid, jwk: publicJwk, signer: localSigner(privateJwk, { kid }) }
}

async function naturalPerson(): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair('ES256')
  const did = didKeyFromJwk(publicJwk, { format: 'jwk_jcs-pub' })
  const kid = `${did}#${did.slice('did:key:'.length)}`
  return { did, kid, jwk: publicJwk, signer: localSigner(privateJwk, { kid }) }
}

let university: Party
let student: Party
let other: Party

beforeAll(async () => {
  university = await legalEntity()
  student = await naturalPerson()
  other = await naturalPerson()
})

function attestation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': [VCDM_1_1_CONTEXT],
    id: 'urn:uuid:8b6e4c9a-3f0e-4c54-9d5e-2a1f7c3b9e01',
    type: ['VerifiableCredential', 'VerifiableAttestation', 'VerifiableDiploma'],
    issuer: university.did,
    issuanceDate: '2026-01-15T09:00:00Z',
    issued: '2026-01-15T08:59:30Z',
    validFrom: '2026-01-15T09:00:00Z',
    expirationDate: '2031-01-15T09:00:00Z',
    credentialSubject: { id: student.did, degree: { type: 'MasterDegree', name: 'MSc Informatics' } },
    credentialSchema: {
      id: 'https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/zDpWGUBenmqXzurskry9Nsk6vq2R8thh9VSeoRqguoyMD',
      type: 'FullJsonSchemaValidator2021',
    },
    ...overrides,
  }
}

const issueEbsi = (credential: Record<string, unknown>) =>
  issueJwtVc(credential, { format: 'jwt_vc_json', signer: university.signer, profile: 'ebsi' })

function messages(result: { errors: readonly { message: string }[] }): string {
  return result.errors.map((e) => e.message).join('\n')
}

describe('VCDM 1.1 JWT claims (issue side)', () => {
  it('iat is the credential\'s issued date, not the signing time (EBSI: "iat" MUST match issued)', async () => {
    const jwt = await issueJwtVc(attestation({ issued: '2020-06-22T14:11:44Z' }), {
      format: 'jwt_vc_json',
      signer: university.signer,
    })
    expect(decodeJwt(jwt).payload.iat).toBe(seconds('2020-06-22T14:11:44Z'))
  })

  it('iat falls back to options.iat, and one that contradicts issued is INVALID_ARGUMENT', async () => {
    const { issued: _, ...withoutIssued } = attestation()
    const jwt = await issueJwtVc(withoutIssued, {
      format: 'jwt_vc_json',
      signer: university.signer,
      iat: NOW,
    })
    expect(decodeJwt(jwt).payload.iat).toBe(NOW)
    await expect(
      issueJwtVc(attestation(), { format: 'jwt_vc_json', signer: university.signer, iat: NOW }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    const same = await issueJwtVc(attestation(), {
      format: 'jwt_vc_json',
      signer: university.signer,
      iat: seconds('2026-01-15T08:59:30Z'),
    })
    expect(decodeJwt(same).payload.iat).toBe(seconds('2026-01-15T08:59:30Z'))
  })

  it('exp is the earliest end: expirationDate 2021 with validUntil 2099 expires in 2021 (VCDM 1.1 §6.3.1)', async () => {
    const early = await issueJwtVc(
      attestation({
        issuanceDate: '2020-01-01T00:00:00Z',
        validFrom: '2020-01-01T00:00:00Z',
        issued: '2020-01-01T00:00:00Z',
        expirationDate: '2021-01-01T00:00:00Z',
        validUntil: '2099-01-01T00:00:00Z',
      }),
      { format: 'jwt_vc_json', signer: university.signer },
    )
    expect(decodeJwt(early).payload.exp).toBe(seconds('2021-01-01T00:00:00Z'))
    const late = await issueJwtVc(
      attestation({ expirationDate: '2099-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }),
      { format: 'jwt_vc_json', signer: university.signer },
    )
    expect(decodeJwt(late).payload.exp).toBe(seconds('2030-01-01T00:00:00Z'))
  })

  it('nbf is the latest start of issuanceDate and validFrom', async () => {
    const jwt = await issueJwtVc(attestation({ validFrom: '2026-02-01T00:00:00Z' }), {
      format: 'jwt_vc_json',
      signer: university.signer,
    })
    expect(decodeJwt(jwt).payload.nbf).toBe(seconds('2026-02-01T00:00:00Z'))
  })

  it('a date no NumericDate can hold is CREDENTIAL_INVALID, never a credential without exp', async () => {
    await expect(
      issueJwtVc(attestation({ expirationDate: '-271821-04-19T00:00:00Z' }), {
        format: 'jwt_vc_json',
        signer: university.signer,
      }),
    ).rejects.toMatchObject({ code: 'CREDENTIAL_INVALID' })
  })

  it('a presentation names its holder in sub as well as iss (EBSI: "sub" MUST match the holder)', async () => {
    const vp = await issueJwtVp(
      {
        '@context': [VCDM_1_1_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: student.did,
        verifiableCredential: [],
      },
      {
        format: 'jwt_vc_json',
        signer: student.signer,
        nonce: 'n',
        audience: 'https://verifier.example',
        iat: NOW,
      },
    )
    expect(decodeJwt(vp).payload).toMatchObject({ iss: student.did, sub: student.did })
  })
})

describe("profile: 'ebsi' (VCDM 1.1)", () => {
  it('issues a credential whose claims EBSI reads back, and verifies it', async () => {
    const jwt = await issueEbsi(attestation())
    const { header, payload } = decodeJwt(jwt)
    expect(header).toMatchObject({ typ: 'JWT', kid: university.kid })
    expect(payload).toMatchObject({
      iss: university.did,
      sub: student.did,
      jti: 'urn:uuid:8b6e4c9a-3f0e-4c54-9d5e-2a1f7c3b9e01',
      iat: seconds('2026-01-15T08:59:30Z'),
      nbf: seconds('2026-01-15T09:00:00Z'),
      exp: seconds('2031-01-15T09:00:00Z'),
    })
    const result = await verifyJwtVc(jwt, { publicJwk: university.jwk, now: NOW, profile: 'ebsi' })
    expect(result.errors).toEqual([])
  })

  it('names every data-model rule a credential breaks', () => {
    const bad = attestation({
      id: undefined,
      type: ['VerifiableAttestation', 'VerifiableCredential'],
      issuer: didJwkFromJwk(university.jwk),
      issued: undefined,
      validFrom: '2026-01-15T09:00:01Z',
      expirationDate: '2031-01-15T09:00:00',
      credentialSubject: [{ id: 'did:web:student.example' }, { id: student.did }],
      credentialSchema: { id: 'https://schemas.example/1', type: 'ShaclValidator2017' },
      credentialStatus: {
        id: 'https://status.example/1#3',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '3',
        statusListCredential: 'https://status.example/1',
      },
    })
    const errors = validateCredential(JSON.parse(JSON.stringify(bad)), { version: '1.1', profile: 'ebsi' })
    expect(errors.map((e) => e.message)).toEqual([
      'EBSI: type must be an array whose first entry is "VerifiableCredential"',
      'EBSI: id is required',
      'EBSI: issued is required',
      'EBSI: expirationDate must be an RFC 3339 date-time with a four-digit year and a time zone',
      'EBSI: validFrom must equal issuanceDate',
      expect.stringMatching(/^EBSI: issuer: "did:jwk:.*" is neither did:ebsi nor a jwk_jcs-pub did:key$/),
      'EBSI: credentialSubject[0].id: "did:web:student.example" is neither did:ebsi nor a jwk_jcs-pub did:key',
      'EBSI: credentialSchema.type must be FullJsonSchemaValidator2021 or JsonSchema',
      'EBSI: credentialStatus.type must be StatusList2021Entry or EbsiAccreditationEntry',
    ])
    expect(errors.every((e) => e.code === 'CREDENTIAL_INVALID')).toBe(true)
  })

  it('validFrom is required, and expirationDate may not precede it (EBSI_VC_003/004)', () => {
    const codes = (credential: Record<string, unknown>) =>
      validateCredential(credential, { version: '1.1', profile: 'ebsi' }).map(
        (e) => `${e.code}: ${e.message}`,
      )
    const { validFrom: _, ...noValidFrom } = attestation()
    expect(codes(noValidFrom)).toEqual(['CREDENTIAL_INVALID: EBSI: validFrom is required'])
    expect(codes(attestation({ expirationDate: '2025-01-01T00:00:00Z' }))).toEqual([
      'TIME_ORDER_INVALID: expirationDate is before validFrom',
    ])
  })

  it("a status list credential's subject is the list, not a DID", () => {
    const list = attestation({
      type: ['VerifiableCredential', 'VerifiableAttestation', 'StatusList2021Credential'],
      credentialSubject: {
        id: 'https://status.example/1#list',
        type: 'StatusList2021',
        statusPurpose: 'revocation',
        encodedList: 'H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA',
      },
    })
    expect(validateCredential(list, { version: '1.1', profile: 'ebsi' })).toEqual([])
  })

  it('does not sign a credential EBSI would refuse: validUntil before expirationDate makes exp differ', async () => {
    await expect(issueEbsi(attestation({ validUntil: '2027-01-01T00:00:00Z' }))).rejects.toMatchObject({
      code: 'CLAIM_INVALID',
      message: expect.stringContaining('"exp" claim must be the credential\'s expirationDate'),
    })
  })

  it('does not sign with a kid of another DID or an algorithm EBSI does not use', async () => {
    await expect(
      issueJwtVc(attestation(), {
        format: 'jwt_vc_json',
        signer: university.signer,
        kid: student.kid,
        profile: 'ebsi',
      }),
    ).rejects.toMatchObject({ code: 'CLAIM_INVALID' })
    const { privateJwk } = await generateKeyPair('ES384')
    await expect(
      issueJwtVc(attestation(), {
        format: 'jwt_vc_json',
        signer: localSigner(privateJwk, { kid: university.kid }),
        profile: 'ebsi',
      }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ALG' })
  })

  it('verifying: a JWT whose iat is the signing time, not issued, is refused', async () => {
    const credential = attestation()
    const jwt = await signJws(
      {
        iss: university.did,
        sub: student.did,
        jti: credential.id,
        iat: NOW,
        nbf: seconds('2026-01-15T09:00:00Z'),
        exp: seconds('2031-01-15T09:00:00Z'),
        vc: credential,
      },
      university.signer,
      { typ: 'JWT' },
    )
    expect((await verifyJwtVc(jwt, { publicJwk: university.jwk, now: NOW })).verified).toBe(true)
    const result = await verifyJwtVc(jwt, { publicJwk: university.jwk, now: NOW, profile: 'ebsi' })
    expect(result.verified).toBe(false)
    expect(messages(result)).toContain('EBSI: the JWT "iat" claim must be the credential\'s issued')
  })

  describe('presentations', () => {
    const nonce = 'n-0S6_WzA2Mj'
    const audience = 'https://border.example'
    const present = (holder: Party, vcs: string[], extra: Record<string, unknown> = {}) =>
      issueJwtVp(
        {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiablePresentation'],
          holder: holder.did,
          verifiableCredential: vcs,
        },
        {
          format: 'jwt_vc_json',
          signer: holder.signer,
          nonce,
          audience,
          iat: NOW,
          profile: 'ebsi',
          ...extra,
        },
      )

    it("the holder's own credential: issued and verified under the profile", async () => {
      const vp = await present(student, [await issueEbsi(attestation())])
      const result = await verifyJwtVp(vp, {
        publicJwk: student.jwk,
        credentials: { publicJwk: university.jwk },
        nonce,
        audience,
        now: NOW,
        profile: 'ebsi',
      })
      expect(result.errors).toEqual([])
    })

    it("someone else's credential: not signed, and refused when signed anyway (EBSI_VP_005)", async () => {
      const vc = await issueEbsi(attestation())
      await expect(present(other, [vc])).rejects.toMatchObject({ code: 'CLAIM_INVALID' })
      const vp = await issueJwtVp(
        {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiablePresentation'],
          holder: other.did,
          verifiableCredential: [vc],
        },
        { format: 'jwt_vc_json', signer: other.signer, nonce, audience, iat: NOW },
      )
      const options = {
        publicJwk: other.jwk,
        credentials: { publicJwk: university.jwk },
        nonce,
        audience,
        now: NOW,
      }
      expect((await verifyJwtVp(vp, options)).verified).toBe(true)
      const result = await verifyJwtVp(vp, { ...options, profile: 'ebsi' })
      expect(result.verified).toBe(false)
      expect(messages(result)).toContain('EBSI: verifiableCredential[0]: its subject (sub) is not the holder')
    })

    it('a holder that is not an EBSI DID, or no holder at all, is not signed', async () => {
      const { privateJwk, publicJwk } = await generateKeyPair('ES256')
      const did = didJwkFromJwk(publicJwk)
      const jwkHolder = {
        did,
        kid: `${did}#0`,
        jwk: publicJwk,
        signer: localSigner(privateJwk, { kid: `${did}#0` }),
      }
      await expect(present(jwkHolder, [])).rejects.toMatchObject({ code: 'PRESENTATION_INVALID' })
      await expect(
        issueJwtVp(
          { '@context': [VCDM_1_1_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [] },
          { format: 'jwt_vc_json', signer: student.signer, nonce, audience, profile: 'ebsi' },
        ),
      ).rejects.toMatchObject({ code: 'PRESENTATION_INVALID' })
    })
  })
})

describe('EBSI DIDs', () => {
  it('did:ebsi: legal entities only (version 0x01, 16 bytes), as EBSI validates them', () => {
    expect(isEbsiLegalEntityDid(ebsiDid())).toBe(true)
    expect(isEbsiLegalEntityDid('did:ebsi:zvHWX359A3CvfJnCYaAiAde')).toBe(true)
    expect(isEbsiLegalEntityDid(ebsiDid(0x02))).toBe(false)
    expect(isEbsiLegalEntityDid(ebsiDid(0x01, 15))).toBe(false)
    expect(isEbsiLegalEntityDid(ebsiDid(0x01, 32))).toBe(false)
    expect(isEbsiLegalEntityDid('did:ebsi:z0OIl')).toBe(false) // not base58
    expect(isEbsiLegalEntityDid('did:ebsi:vHWX359A3CvfJnCYaAiAde')).toBe(false) // no multibase prefix
    expect(isEbsiLegalEntityDid({ toString: null })).toBe(false)
  })

  it('did:key: the jwk_jcs-pub form only', () => {
    expect(isEbsiNaturalPersonDid(student.did)).toBe(true)
    expect(isEbsiNaturalPersonDid(didKeyFromJwk(student.jwk))).toBe(false)
    expect(isEbsiNaturalPersonDid('did:key:z')).toBe(false)
    expect(isEbsiNaturalPersonDid(null)).toBe(false)
  })
})

import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { decodeJwt } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { issueSdJwt } from '../sd-jwt/issue.js'
import { verifySdJwt } from '../sd-jwt/verify.js'
import { VCDM_1_1_CONTEXT, VCDM_2_0_CONTEXT, validateCredential, xsdDateTimeToSeconds } from './data-model.js'
import { issueJwtVc, verifyJwtVc } from './jwt-vc.js'
import { issueJwtVp, verifyJwtVp } from './jwt-vp.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const resolver = createResolver({ web: false, cache: false })

interface Party {
  did: string
  kid: string
  jwk: Jwk
  signer: Signer
}

async function party(): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair('ES256')
  const did = didJwkFromJwk(publicJwk)
  return { did, kid: `${did}#0`, jwk: publicJwk, signer: localSigner(privateJwk, { kid: `${did}#0` }) }
}

let university: Party
let student: Party

beforeAll(async () => {
  university = await party()
  student = await party()
})

function diploma11(): Record<string, unknown> {
  return {
    '@context': [VCDM_1_1_CONTEXT],
    id: 'urn:uuid:5b1c2f1e-8f43-4b7e-9d0c-3f7d2a4c9e10',
    type: ['VerifiableCredential', 'VerifiableAttestation', 'VerifiableDiploma'],
    issuer: university.did,
    issuanceDate: '2026-01-15T09:00:00Z',
    expirationDate: '2031-01-15T09:00:00Z',
    credentialSubject: { id: student.did, degree: { type: 'MasterDegree', name: 'MSc Informatics' } },
    credentialSchema: {
      id: 'https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/0x1234',
      type: 'FullJsonSchemaValidator2021',
    },
    credentialStatus: {
      id: 'https://university.example/status/3#94567',
      type: 'StatusList2021Entry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://university.example/status/3',
    },
    termsOfUse: { type: 'IssuerPolicy', id: 'https://university.example/policy' },
    evidence: [{ type: ['DocumentVerification'], verifier: 'https://university.example' }],
  }
}

function diploma20(): Record<string, unknown> {
  return {
    '@context': [VCDM_2_0_CONTEXT],
    id: 'urn:uuid:0d6b7a8e-8c1e-4c55-9b5b-7b9c0f3a1e22',
    type: ['VerifiableCredential', 'VerifiableDiploma'],
    issuer: { id: university.did, name: 'Universitas Exemplaris' },
    validFrom: '2026-01-15T09:00:00Z',
    validUntil: '2031-01-15T09:00:00Z',
    credentialSubject: { id: student.did, degree: 'MSc Informatics' },
    credentialStatus: {
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://university.example/status/3',
    },
  }
}

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

describe('jwt_vc_json (VCDM 1.1 JWT)', () => {
  it('maps the credential to iss/sub/jti/nbf/exp and keeps it in the vc claim', async () => {
    const jwt = await issueJwtVc(diploma11(), { format: 'jwt_vc_json', signer: university.signer, iat: NOW })
    const { header, payload } = decodeJwt(jwt)
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: university.kid })
    expect(payload).toMatchObject({
      iss: university.did,
      sub: student.did,
      jti: 'urn:uuid:5b1c2f1e-8f43-4b7e-9d0c-3f7d2a4c9e10',
      nbf: Date.parse('2026-01-15T09:00:00Z') / 1000,
      exp: Date.parse('2031-01-15T09:00:00Z') / 1000,
      iat: NOW,
    })
    expect(payload.vc).toEqual(diploma11())
  })

  // The EBSI profile (did:ebsi / jwk_jcs-pub DIDs only) has its own suite: ebsi.test.ts.
  it('verifies through the DID resolver and with an explicit key', async () => {
    const jwt = await issueJwtVc(diploma11(), { format: 'jwt_vc_json', signer: university.signer, iat: NOW })
    for (const keySource of [{ resolver }, { publicJwk: university.jwk }]) {
      const result = await verifyJwtVc(jwt, { ...keySource, now: NOW })
      expect(codes(result)).toEqual([])
      expect(result.verified).toBe(true)
      expect(result.format).toBe('jwt_vc_json')
      expect(result.credential).toMatchObject({
        issuer: university.did,
        credentialSubject: { id: student.did },
      })
    }
  })

  it('rebuilds the credential from the registered claims when vc omits them (did-jwt-vc style)', async () => {
    const { issuer: _i, id: _id, issuanceDate: _d, expirationDate: _e, ...rest } = diploma11()
    const vc = { ...rest, credentialSubject: { degree: 'MSc' } }
    const jwt = await signJws(
      { iss: university.did, sub: student.did, jti: 'urn:uuid:1', nbf: NOW - 10, exp: NOW + 10, vc },
      university.signer,
      { typ: 'JWT' },
    )
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(codes(result)).toEqual([])
    expect(result.credential).toMatchObject({
      issuer: university.did,
      id: 'urn:uuid:1',
      credentialSubject: { id: student.did, degree: 'MSc' },
      issuanceDate: new Date((NOW - 10) * 1000).toISOString().replace('.000Z', 'Z'),
    })
  })

  it('rejects exp before nbf (TIME_ORDER_INVALID) and iat as a string (CLAIM_INVALID)', async () => {
    const vc = diploma11()
    const reversed = await signJws({ iss: university.did, nbf: NOW, exp: NOW - 100, vc }, university.signer)
    expect(codes(await verifyJwtVc(reversed, { resolver, now: NOW }))).toContain('TIME_ORDER_INVALID')
    const stringIat = await signJws({ iss: university.did, iat: String(NOW), vc }, university.signer)
    expect(codes(await verifyJwtVc(stringIat, { resolver, now: NOW }))).toEqual(['CLAIM_INVALID'])
  })

  it('reports expiry and not-yet-valid, once each', async () => {
    const jwt = await issueJwtVc(diploma11(), { format: 'jwt_vc_json', signer: university.signer })
    expect(
      codes(await verifyJwtVc(jwt, { resolver, now: Date.parse('2032-01-01T00:00:00Z') / 1000 })),
    ).toEqual(['CREDENTIAL_EXPIRED'])
    expect(codes(await verifyJwtVc(jwt, { resolver, now: new Date('2025-01-01T00:00:00Z') }))).toEqual([
      'CREDENTIAL_NOT_YET_VALID',
    ])
  })

  it('rejects a vc whose issuer differs from iss (CLAIM_INVALID) and a signature by another key', async () => {
    const other = await party()
    const forged = await signJws({ iss: university.did, vc: diploma11() }, other.signer)
    expect(codes(await verifyJwtVc(forged, { resolver, now: NOW }))).toEqual(['KEY_NOT_FOUND'])
    const mismatched = await signJws({ iss: other.did, vc: diploma11() }, other.signer)
    expect(codes(await verifyJwtVc(mismatched, { resolver, now: NOW }))).toEqual(['CLAIM_INVALID'])
  })
})

describe('vc+jwt (VCDM 2.0, vc-jose-cose)', () => {
  it('signs the credential itself with typ vc+jwt and verifies it', async () => {
    const jwt = await issueJwtVc(diploma20(), { format: 'vc+jwt', signer: university.signer })
    const { header, payload } = decodeJwt(jwt)
    expect(header.typ).toBe('vc+jwt')
    expect(payload).toEqual(diploma20())
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(codes(result)).toEqual([])
    expect(result.format).toBe('vc+jwt')
    expect(result.credential).toEqual(diploma20())
  })

  it('rejects a vc+jwt carrying a vc claim with FORMAT_MISMATCH', async () => {
    const jwt = await signJws({ ...diploma20(), vc: diploma11() }, university.signer, { typ: 'vc+jwt' })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['FORMAT_MISMATCH'])
    await expect(
      issueJwtVc({ ...diploma20(), vc: {} }, { format: 'vc+jwt', signer: university.signer }),
    ).rejects.toMatchObject({ code: 'FORMAT_MISMATCH' })
  })

  it('reads the typ of earlier vc-jose-cose drafts (vc+ld+json+jwt) as vc+jwt', async () => {
    const jwt = await signJws(diploma20(), university.signer, { typ: 'vc+ld+json+jwt' })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(codes(result)).toEqual([])
    expect(result.format).toBe('vc+jwt')
  })

  it('rejects an iss claim naming another issuer (CLAIM_INVALID)', async () => {
    const jwt = await signJws({ ...diploma20(), iss: student.did }, university.signer, { typ: 'vc+jwt' })
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CLAIM_INVALID'])
  })

  it('enforces validFrom / validUntil and their order', async () => {
    const jwt = await issueJwtVc(diploma20(), { format: 'vc+jwt', signer: university.signer })
    expect(
      codes(await verifyJwtVc(jwt, { resolver, now: Date.parse('2032-01-01T00:00:00Z') / 1000 })),
    ).toEqual(['CREDENTIAL_EXPIRED'])
    const reversed = await signJws(
      { ...diploma20(), validUntil: '2025-01-01T00:00:00Z' },
      university.signer,
      {
        typ: 'vc+jwt',
      },
    )
    expect(codes(await verifyJwtVc(reversed, { resolver, now: NOW }))).toContain('TIME_ORDER_INVALID')
  })
})

describe('data model', () => {
  it('names each violation', () => {
    const bad = {
      '@context': ['https://example.com/ctx'],
      type: ['Diploma'],
      issuer: 'not a url',
      issuanceDate: '2026-02-30T10:00:00Z',
      credentialSubject: [],
      credentialStatus: { type: 'BitstringStatusListEntry', statusListIndex: 'x' },
      credentialSchema: { type: 'JsonSchema' },
      termsOfUse: {},
      evidence: [{}],
    }
    const messages = validateCredential(bad, { version: '1.1', profile: 'ebsi' }).map((e) => e.message)
    for (const fragment of [
      '@context must begin',
      'type must include "VerifiableCredential"',
      'issuer must be a URL',
      'issuanceDate',
      'credentialSubject must not be empty',
      'credentialStatus.id',
      'statusListIndex',
      'statusListCredential',
      'credentialSchema.id',
      'termsOfUse.type',
      'evidence[0].type',
      'EBSI: type must include "VerifiableAttestation"',
    ]) {
      expect(
        messages.some((m) => m.includes(fragment)),
        fragment,
      ).toBe(true)
    }
  })

  it('requires a time zone on VCDM 2.0 dates and credentialSchema under EBSI', () => {
    const errors = validateCredential(
      { ...diploma20(), validFrom: '2026-01-15T09:00:00' },
      { version: '2.0', profile: 'ebsi' },
    )
    expect(errors.map((e) => e.message)).toEqual([
      'validFrom must be an XML Schema dateTimeStamp (with a time zone)',
      'EBSI: type must include "VerifiableAttestation"',
      'EBSI: credentialSchema is required',
    ])
  })

  it('refuses to sign an invalid credential (CREDENTIAL_INVALID)', async () => {
    const { credentialSubject: _s, ...noSubject } = diploma11()
    await expect(
      issueJwtVc(noSubject, { format: 'jwt_vc_json', signer: university.signer }),
    ).rejects.toMatchObject({
      code: 'CREDENTIAL_INVALID',
    })
  })
})

describe('presentations (jwt_vc_json vp claim, vp+jwt with enveloped credentials)', () => {
  for (const format of ['jwt_vc_json', 'vc+jwt'] as const) {
    it(`${format}: binds nonce and audience and verifies the enclosed credentials`, async () => {
      const vc = await issueJwtVc(format === 'jwt_vc_json' ? diploma11() : diploma20(), {
        format,
        signer: university.signer,
        iat: NOW,
      })
      const vp = await issueJwtVp(
        {
          '@context': [format === 'jwt_vc_json' ? VCDM_1_1_CONTEXT : VCDM_2_0_CONTEXT],
          type: ['VerifiablePresentation'],
          holder: student.did,
          verifiableCredential: [vc],
        },
        { format, signer: student.signer, nonce: 'c-42', audience: 'https://border.example', iat: NOW },
      )
      const { header, payload } = decodeJwt(vp)
      if (format === 'vc+jwt') {
        expect(header.typ).toBe('vp+jwt')
        expect(payload.verifiableCredential).toEqual([
          {
            '@context': VCDM_2_0_CONTEXT,
            id: `data:application/vc+jwt,${vc}`,
            type: 'EnvelopedVerifiableCredential',
          },
        ])
      } else {
        expect(payload).toMatchObject({ iss: student.did, aud: 'https://border.example', nonce: 'c-42' })
      }
      const ok = await verifyJwtVp(vp, {
        resolver,
        nonce: 'c-42',
        audience: 'https://border.example',
        now: NOW,
      })
      expect(codes(ok)).toEqual([])
      expect(ok.holder).toBe(student.did)
      expect(ok.credentials).toHaveLength(1)
      expect(ok.credentials[0]?.verified).toBe(true)

      const wrongNonce = await verifyJwtVp(vp, {
        resolver,
        nonce: 'c-43',
        audience: 'https://border.example',
        now: NOW,
      })
      expect(codes(wrongNonce)).toEqual(['NONCE_MISMATCH'])
      const wrongAud = await verifyJwtVp(vp, {
        resolver,
        nonce: 'c-42',
        audience: 'https://other.example',
        now: NOW,
      })
      expect(codes(wrongAud)).toEqual(['AUDIENCE_MISMATCH'])
      const stale = await verifyJwtVp(vp, {
        resolver,
        nonce: 'c-42',
        audience: 'https://border.example',
        now: NOW + 3600,
      })
      expect(codes(stale)).toEqual(['PRESENTATION_EXPIRED'])
    })
  }

  it('never throws for garbage, throws for misuse', async () => {
    for (const token of ['', 'x.y.z', 'eyJhbGciOiJub25lIn0.e30.', 7 as unknown as string]) {
      const result = await verifyJwtVp(token, { resolver, nonce: 'n', audience: 'a' })
      expect(result.verified).toBe(false)
      const vcResult = await verifyJwtVc(token, { resolver })
      expect(vcResult.verified).toBe(false)
    }
    await expect(verifyJwtVc('x', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

describe('the signer is the DID the token names', () => {
  it('a credential whose issuer is no DID string fails closed instead of trusting the kid', async () => {
    const jwt = await signJws({ ...diploma20(), issuer: { name: 'no id' } }, university.signer, {
      typ: 'vc+jwt',
    })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(result.verified).toBe(false)
    expect(codes(result)).toContain('CLAIM_INVALID')
  })

  it('a vp+jwt without holder reports the DID that signed it as the holder', async () => {
    const vp = await issueJwtVp(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'] },
      {
        format: 'vc+jwt',
        signer: student.signer,
        nonce: 'c-1',
        audience: 'https://border.example',
        iat: NOW,
      },
    )
    const result = await verifyJwtVp(vp, {
      resolver,
      nonce: 'c-1',
      audience: 'https://border.example',
      now: NOW,
    })
    expect(codes(result)).toEqual([])
    expect(result.holder).toBe(student.did)
  })

  it('a jwt_vc_json presentation whose iss is not a string fails closed', async () => {
    const vp = await signJws(
      {
        iss: 42,
        aud: 'https://border.example',
        nonce: 'c-1',
        vp: { '@context': [VCDM_1_1_CONTEXT], type: ['VerifiablePresentation'] },
      },
      student.signer,
      { typ: 'JWT' },
    )
    const result = await verifyJwtVp(vp, {
      resolver,
      nonce: 'c-1',
      audience: 'https://border.example',
      now: NOW,
    })
    expect(result.verified).toBe(false)
    expect(result.holder).toBeUndefined()
    expect(codes(result)).toEqual(['CLAIM_INVALID'])
  })

  it('with only the holder key, enclosed credentials fail with INVALID_ARGUMENT (caller misuse) instead of a throw', async () => {
    const vc = await issueJwtVc(diploma20(), { format: 'vc+jwt', signer: university.signer })
    const vp = await issueJwtVp(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [vc] },
      {
        format: 'vc+jwt',
        signer: student.signer,
        nonce: 'c-1',
        audience: 'https://border.example',
        iat: NOW,
      },
    )
    const options = { publicJwk: student.jwk, nonce: 'c-1', audience: 'https://border.example', now: NOW }
    const result = await verifyJwtVp(vp, options)
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['INVALID_ARGUMENT'])
    await expect(verifyJwtVp(vp, { ...options, nonce: '' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})

describe('validity dates', () => {
  it('reads XML Schema dateTimes of any year and offset', () => {
    expect(xsdDateTimeToSeconds('2026-01-01T01:00:00+01:00')).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000)
    expect(xsdDateTimeToSeconds('2026-01-01T00:00:00')).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000)
    expect(xsdDateTimeToSeconds('10000-01-01T00:00:00Z')).toBe(Date.UTC(10000, 0, 1) / 1000)
    expect(xsdDateTimeToSeconds('-0001-01-01T00:00:00Z')).toBeLessThan(0)
    expect(xsdDateTimeToSeconds('999999999-01-01T00:00:00Z')).toBeUndefined()
    expect(xsdDateTimeToSeconds('2026-02-30T00:00:00Z')).toBeUndefined()
  })

  it('a validFrom Date.parse cannot read still keeps the credential not yet valid', async () => {
    const jwt = await issueJwtVc(
      { ...diploma20(), validFrom: '10000-01-01T00:00:00Z', validUntil: undefined },
      { format: 'vc+jwt', signer: university.signer },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_NOT_YET_VALID'])
  })

  it('a 1.1 issuanceDate in the future is not yet valid even without nbf', async () => {
    const jwt = await signJws(
      { iss: university.did, vc: { ...diploma11(), issuanceDate: '2027-01-01T00:00:00Z' } },
      university.signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_NOT_YET_VALID'])
  })
})

describe('time claims no Date can hold', () => {
  it('fail verification instead of throwing (jwt_vc_json before its signature is checked, SD-JWT after)', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256')
    const signer = localSigner(privateJwk)
    const vc = { ...diploma11(), issuanceDate: undefined, expirationDate: undefined }
    for (const [claims, code] of [
      [{ nbf: 1e20 }, 'CREDENTIAL_NOT_YET_VALID'],
      [{ iat: 1e20 }, 'CREDENTIAL_NOT_YET_VALID'],
      [{ nbf: NOW, exp: -1e20 }, 'CREDENTIAL_EXPIRED'],
    ] as const) {
      const jwt = await signJws({ iss: university.did, ...claims, vc }, signer, { typ: 'JWT' })
      const result = await verifyJwtVc(jwt, { publicJwk, now: NOW })
      expect(result.verified).toBe(false)
      expect(codes(result)).toContain(code)
    }
    const sdJwt = await issueSdJwt({ iss: 'https://i.example', exp: -1e20 }, [], { signer })
    const sd = await verifySdJwt(sdJwt, { publicJwk: publicJwk, profile: 'sd-jwt', now: NOW })
    expect(codes(sd)).toEqual(['CREDENTIAL_EXPIRED'])
  })
})

describe('vp+jwt iss', () => {
  it('an iss naming another holder than the presentation is CLAIM_INVALID', async () => {
    const vp = await signJws(
      {
        '@context': [VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: university.did,
        iss: student.did,
        nonce: 'c-1',
        aud: 'https://border.example',
      },
      student.signer,
      { typ: 'vp+jwt' },
    )
    const options = { resolver, nonce: 'c-1', audience: 'https://border.example', now: NOW }
    expect(codes(await verifyJwtVp(vp, options))).toEqual(['CLAIM_INVALID'])
  })

  it('a jwt_vc_json presentation without holder carries the signing DID as iss', async () => {
    const vp = await issueJwtVp(
      { '@context': [VCDM_1_1_CONTEXT], type: ['VerifiablePresentation'] },
      {
        format: 'jwt_vc_json',
        signer: student.signer,
        nonce: 'c-1',
        audience: 'https://border.example',
        iat: NOW,
      },
    )
    expect(decodeJwt(vp).payload.iss).toBe(student.did)
  })

  it('more enclosed credentials than maxCredentials: INPUT_TOO_LARGE, none resolved', async () => {
    const vc = await issueJwtVc(diploma20(), { format: 'vc+jwt', signer: university.signer })
    const vp = await issueJwtVp(
      {
        '@context': [VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        verifiableCredential: [vc, vc, vc],
      },
      {
        format: 'vc+jwt',
        signer: student.signer,
        nonce: 'c-1',
        audience: 'https://border.example',
        iat: NOW,
      },
    )
    let lookups = 0
    const counting = {
      resolve: (did: string) => {
        lookups++
        return resolver.resolve(did)
      },
    }
    const options = { resolver: counting, nonce: 'c-1', audience: 'https://border.example', now: NOW }
    const result = await verifyJwtVp(vp, { ...options, maxCredentials: 2 })
    expect(codes(result)).toEqual(['INPUT_TOO_LARGE'])
    expect(result.credentials).toEqual([])
    expect(lookups).toBe(1)
    expect(codes(await verifyJwtVp(vp, { ...options, maxCredentials: 3 }))).toEqual([])
  })
})

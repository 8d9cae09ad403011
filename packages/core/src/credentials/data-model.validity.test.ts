/**
 * Validity of credentials and presentations (issue 7, "Accepted when it must not be"):
 * dates no `Date` can hold are invalid wherever dates are read; when several properties
 * bound validity (exp / expirationDate / validUntil, nbf / validFrom / issuanceDate) the
 * strictest holds, as a did-jwt-vc verifier reads VCDM 1.1; presentations have their own
 * expiry codes.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { signJws } from '../jose/sign.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import {
  isXsdDateTime,
  VCDM_1_1_CONTEXT,
  VCDM_2_0_CONTEXT,
  validateCredential,
  xsdDateTimeToSeconds,
} from './data-model.js'
import { issueJwtVc, verifyJwtVc } from './jwt-vc.js'
import { issueJwtVp, verifyJwtVp } from './jwt-vp.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const resolver = createResolver({ web: false, cache: false })

let did: string
let signer: Signer

beforeAll(async () => {
  const pair = await generateKeyPair('ES256')
  did = didJwkFromJwk(pair.publicJwk)
  signer = localSigner(pair.privateJwk, { kid: `${did}#0` })
})

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

function credential11(extra: Record<string, unknown> = {}) {
  return {
    '@context': [VCDM_1_1_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: did,
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:subject', degree: 'MSc' },
    ...extra,
  }
}

function credential20(extra: Record<string, unknown> = {}) {
  return {
    '@context': [VCDM_2_0_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: did,
    credentialSubject: { id: 'did:example:subject', degree: 'MSc' },
    ...extra,
  }
}

describe('XML Schema dateTime: a date no Date can hold is no date', () => {
  it.each([
    ['the day before ECMAScript time begins', '-271821-04-19T00:00:00Z'],
    ['an offset that moves the first instant out of range', '-271821-04-20T00:00:00+01:00'],
    ['the day after ECMAScript time ends', '+275760-09-14T00:00:00Z'],
    ['a year past it', '275761-01-01T00:00:00Z'],
    ['a 9-digit year', '999999999-01-01T00:00:00Z'],
  ])('%s (%s) is refused', (_what, value) => {
    expect(isXsdDateTime(value)).toBe(false)
    expect(xsdDateTimeToSeconds(value)).toBeUndefined()
  })

  it('the first and last instants ECMAScript can hold are dates', () => {
    expect(xsdDateTimeToSeconds('-271821-04-20T00:00:00Z')).toBe(-8.64e12)
    expect(xsdDateTimeToSeconds('275760-09-13T00:00:00Z')).toBe(8.64e12)
  })

  it('day of month: the month length, with proleptic Gregorian leap years incl. year 0 and negative years', () => {
    for (const ok of [
      '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '0000-02-29T00:00:00Z',
      '0004-02-29T00:00:00Z',
      '-0004-02-29T00:00:00Z',
      '-0400-02-29T00:00:00Z',
      '10000-02-29T00:00:00Z',
      '2026-04-30T00:00:00Z',
      '2026-12-31T23:59:59Z',
    ]) {
      expect(isXsdDateTime(ok), ok).toBe(true)
    }
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '0100-02-29T00:00:00Z',
      '-0001-02-29T00:00:00Z',
      '-0100-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-02-30T00:00:00Z',
    ]) {
      expect(isXsdDateTime(bad), bad).toBe(false)
    }
    expect(xsdDateTimeToSeconds('0000-02-29T00:00:00Z')).toBe(Date.parse('0000-02-29T00:00:00Z') / 1000)
  })

  it('lexical rules: no leading zero on 5-digit years, offsets within ±14:00', () => {
    expect(isXsdDateTime('02026-01-01T00:00:00Z')).toBe(false)
    expect(isXsdDateTime('2026-01-01T00:00:00+14:00')).toBe(true)
    expect(isXsdDateTime('2026-01-01T00:00:00+14:30')).toBe(false)
    expect(isXsdDateTime('2026-01-01T00:00:00-13:59')).toBe(true)
  })

  it('the data model refuses such dates in every validity member, 1.1 and 2.0', () => {
    const outOfRange = '-271821-04-19T00:00:00Z'
    for (const member of ['issuanceDate', 'expirationDate', 'validFrom', 'validUntil']) {
      const errors11 = validateCredential(credential11({ [member]: outOfRange }), { version: '1.1' })
      expect(
        errors11.some((e) => e.message.startsWith(member)),
        `1.1 ${member}`,
      ).toBe(true)
      const errors20 = validateCredential(credential20({ [member]: outOfRange }), { version: '2.0' })
      expect(
        errors20.some((e) => e.message.startsWith(member)),
        `2.0 ${member}`,
      ).toBe(true)
    }
  })
})

describe('an expirationDate / validUntil no Date can hold never keeps a credential valid', () => {
  it('issueJwtVc refuses it instead of emitting no exp', async () => {
    for (const member of ['expirationDate', 'validUntil']) {
      await expect(
        issueJwtVc(credential11({ [member]: '-271821-04-19T00:00:00Z' }), { format: 'jwt_vc_json', signer }),
      ).rejects.toMatchObject({ code: 'CREDENTIAL_INVALID' })
    }
  })

  it('a token carrying one does not verify (jwt_vc_json and vc+jwt)', async () => {
    const jwt11 = await signJws(
      { iss: did, vc: credential11({ expirationDate: '-271821-04-19T00:00:00Z' }) },
      signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt11, { resolver, now: NOW }))).toEqual(['CREDENTIAL_INVALID'])
    const jwt20 = await signJws(
      credential20({ validFrom: '2026-01-01T00:00:00Z', validUntil: '-271821-04-19T00:00:00Z' }),
      signer,
      { typ: 'vc+jwt' },
    )
    expect(codes(await verifyJwtVc(jwt20, { resolver, now: NOW }))).toEqual(['CREDENTIAL_INVALID'])
  })

  it('issueJwtVc and issueJwtVp refuse a NaN iat instead of writing "iat": null', async () => {
    await expect(
      issueJwtVc(credential11(), { format: 'jwt_vc_json', signer, iat: Number.NaN }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    const presentation = { '@context': [VCDM_1_1_CONTEXT], type: ['VerifiablePresentation'] }
    for (const bad of [{ iat: Number.NaN }, { expiresInSeconds: Number.NaN }, { expiresInSeconds: -5 }]) {
      await expect(
        issueJwtVp(presentation, { format: 'jwt_vc_json', signer, nonce: 'n', audience: 'a', ...bad }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
  })
})

describe('the strictest validity bound holds', () => {
  it('expirationDate 2021 with validUntil 2099 is expired (VCDM 1.1, as did-jwt-vc reads it)', async () => {
    const jwt = await signJws(
      {
        iss: did,
        vc: credential11({
          issuanceDate: '2020-01-01T00:00:00Z',
          expirationDate: '2021-01-01T00:00:00Z',
          validUntil: '2099-01-01T00:00:00Z',
        }),
      },
      signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_EXPIRED'])
  })

  it('validUntil 2021 with expirationDate 2099 is expired too', async () => {
    const jwt = await signJws(
      {
        iss: did,
        vc: credential11({
          issuanceDate: '2020-01-01T00:00:00Z',
          expirationDate: '2099-01-01T00:00:00Z',
          validUntil: '2021-01-01T00:00:00Z',
        }),
      },
      signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_EXPIRED'])
  })

  it('an exp claim earlier than every date in the credential expires it', async () => {
    const jwt = await signJws(
      { iss: did, exp: NOW - 3600, vc: credential11({ expirationDate: '2099-01-01T00:00:00Z' }) },
      signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_EXPIRED'])
  })

  it('expirationDate in a VCDM 2.0 credential still bounds it', async () => {
    const jwt = await signJws(
      credential20({ validUntil: '2099-01-01T00:00:00Z', expirationDate: '2021-01-01T00:00:00Z' }),
      signer,
      { typ: 'vc+jwt' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_EXPIRED'])
  })

  it('the latest start holds: validFrom after issuanceDate keeps it not yet valid', async () => {
    const jwt = await signJws(
      {
        iss: did,
        vc: credential11({ issuanceDate: '2020-01-01T00:00:00Z', validFrom: '2027-01-01T00:00:00Z' }),
      },
      signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual(['CREDENTIAL_NOT_YET_VALID'])
  })

  it('an end before any start is TIME_ORDER_INVALID, reported once', async () => {
    const jwt = await signJws(
      {
        iss: did,
        vc: credential11({ issuanceDate: '2026-02-01T00:00:00Z', expirationDate: '2026-01-01T00:00:00Z' }),
      },
      signer,
      { typ: 'JWT' },
    )
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual([
      'TIME_ORDER_INVALID',
      'CREDENTIAL_EXPIRED',
    ])
    expect(
      validateCredential(
        credential11({ issuanceDate: '2026-02-01T00:00:00Z', expirationDate: '2026-01-01T00:00:00Z' }),
        { version: '1.1' },
      ).map((e) => e.code),
    ).toEqual(['TIME_ORDER_INVALID'])
  })
})

describe('presentations expire with their own codes', () => {
  async function presentation(iat: number) {
    return issueJwtVp(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'] },
      { format: 'vc+jwt', signer, nonce: 'n', audience: 'https://verifier.example', iat },
    )
  }
  const options = { resolver, nonce: 'n', audience: 'https://verifier.example' }

  it('expired: PRESENTATION_EXPIRED, not CREDENTIAL_EXPIRED', async () => {
    const vp = await presentation(NOW - 3600)
    expect(codes(await verifyJwtVp(vp, { ...options, now: NOW }))).toEqual(['PRESENTATION_EXPIRED'])
  })

  it('issued in the future: PRESENTATION_NOT_YET_VALID', async () => {
    const vp = await presentation(NOW + 3600)
    expect(codes(await verifyJwtVp(vp, { ...options, now: NOW }))).toEqual(['PRESENTATION_NOT_YET_VALID'])
  })
})

import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { isCivitasError } from '../errors/index.js'
import { decodeJwt } from '../jose/decode.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { VCDM_1_1_CONTEXT } from './data-model.js'
import { issueJwtVc, jwtVcPayload, prepareJwtVc, signJwtVc } from './jwt-vc.js'

// jwtVcPayload: what issueJwtVc signs, checked as issueJwtVc checks it, with no signer, so an
// issuer refuses a credential core would refuse before it spends anything on it.

const credential = {
  '@context': [VCDM_1_1_CONTEXT],
  id: 'urn:uuid:5f2b1c9e-0d7a-4c7e-9a54-1b6f0c2d3e4f',
  type: ['VerifiableCredential', 'Diploma'],
  issuer: 'did:example:university',
  issuanceDate: '2026-03-01T12:00:00Z',
  credentialSubject: { id: 'did:example:student', degree: 'MSc' },
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    return isCivitasError(error) ? error.code : 'not a CivitasError'
  }
}

describe('jwtVcPayload', () => {
  it('is the payload issueJwtVc signs (jwt_vc_json: the VCDM 1.1 claims)', async () => {
    const { privateJwk } = await generateKeyPair('ES256')
    const iat = 1_772_366_400
    const token = await issueJwtVc(credential, {
      format: 'jwt_vc_json',
      signer: localSigner(privateJwk),
      iat,
    })
    expect(jwtVcPayload(credential, { format: 'jwt_vc_json', iat })).toEqual(decodeJwt(token).payload)
  })

  it('throws the codes issueJwtVc throws: data model, validity order, format, JSON', () => {
    expect(
      codeOf(() => jwtVcPayload({ ...credential, credentialSubject: {} }, { format: 'jwt_vc_json' })),
    ).toBe('CREDENTIAL_INVALID')
    expect(
      codeOf(() =>
        jwtVcPayload({ ...credential, expirationDate: '2020-01-01T00:00:00Z' }, { format: 'jwt_vc_json' }),
      ),
    ).toBe('TIME_ORDER_INVALID')
    expect(codeOf(() => jwtVcPayload(credential, { format: 'vc+jwt' }))).toBe('CREDENTIAL_INVALID')
    expect(
      codeOf(() =>
        jwtVcPayload(
          { ...credential, credentialSubject: { id: 'did:example:student', credits: 120n } },
          { format: 'jwt_vc_json' },
        ),
      ),
    ).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => jwtVcPayload(credential, { format: 'ldp_vc' as never }))).toBe('INVALID_ARGUMENT')
  })
})

// prepareJwtVc / signJwtVc: checked once (an issuer does so with stand-in status entries before
// it draws an index), signed later with the real entries in place, nothing else re-checked.
describe('prepareJwtVc + signJwtVc', () => {
  const entry = (index: number, list = 'https://uni.example/status/1') => ({
    id: `${list}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: list,
  })
  const withStatus = { ...credential, credentialStatus: entry(0) }

  it.each(['jwt_vc_json', 'vc+jwt'] as const)(
    '%s: signs what issueJwtVc signs for the credential with the replacement status',
    async (format) => {
      const { privateJwk } = await generateKeyPair('ES256')
      const signer = localSigner(privateJwk, { kid: 'did:example:university#1' })
      const input =
        format === 'vc+jwt'
          ? {
              ...withStatus,
              '@context': ['https://www.w3.org/ns/credentials/v2'],
              validFrom: '2026-03-01T12:00:00Z',
            }
          : withStatus
      if (format === 'vc+jwt') delete (input as Record<string, unknown>).issuanceDate
      const iat = 1_772_366_400
      const prepared = prepareJwtVc(input, { format, ...(format === 'jwt_vc_json' ? { iat } : {}) })
      const token = await signJwtVc(prepared, { signer, credentialStatus: entry(4242) })
      const expected = await issueJwtVc(
        { ...input, credentialStatus: entry(4242) },
        { format, signer, ...(format === 'jwt_vc_json' ? { iat } : {}) },
      )
      expect(decodeJwt(token).payload).toEqual(decodeJwt(expected).payload)
      expect(decodeJwt(token).header).toEqual(decodeJwt(expected).header)
      // The prepared credential is unchanged: a second signature with its own entries.
      const plain = await signJwtVc(prepared, { signer })
      expect(JSON.stringify(decodeJwt(plain).payload)).toContain('"statusListIndex":"0"')
    },
  )

  it('refuses a replacement status the data model refuses, and anything prepareJwtVc did not make', async () => {
    const { privateJwk } = await generateKeyPair('ES256')
    const signer = localSigner(privateJwk)
    const prepared = prepareJwtVc(withStatus, { format: 'jwt_vc_json' })
    const refused = async (credentialStatus: unknown) =>
      signJwtVc(prepared, { signer, credentialStatus }).then(
        () => undefined,
        (e: unknown) => (isCivitasError(e) ? e.code : 'not a CivitasError'),
      )
    expect(await refused({ ...entry(1), statusListIndex: '-1' })).toBe('CREDENTIAL_INVALID')
    expect(await refused({ ...entry(1), id: 'not a url' })).toBe('CREDENTIAL_INVALID')
    expect(await refused({ type: 'BitstringStatusListEntry' })).toBe('CREDENTIAL_INVALID')
    expect(await refused([])).toBe('CREDENTIAL_INVALID')
    expect(await refused({ ...entry(1), extra: 1n })).toBe('INVALID_ARGUMENT')
    const forged = Object.freeze({ format: 'jwt_vc_json' as const, payload: { iss: 'did:example:x' } })
    expect(
      await signJwtVc(forged, { signer }).then(
        () => undefined,
        (e: unknown) => (isCivitasError(e) ? e.code : 'not a CivitasError'),
      ),
    ).toBe('INVALID_ARGUMENT')
  })

  it('signs what was checked: changing the credential (or a nested claim) after prepareJwtVc changes nothing', async () => {
    const { privateJwk } = await generateKeyPair('ES256')
    const signer = localSigner(privateJwk)
    const mutable = structuredClone(withStatus) as Record<string, unknown>
    const prepared = prepareJwtVc(mutable, { format: 'jwt_vc_json', iat: 1_772_366_400 })
    mutable.issuer = 42
    mutable.expirationDate = '2020-01-01T00:00:00Z'
    ;(mutable.credentialSubject as Record<string, unknown>).degree = 'PhD'
    expect(Object.keys(prepared)).toEqual(['format'])
    const status = entry(7)
    const signing = signJwtVc(prepared, { signer, credentialStatus: status })
    status.statusListIndex = '8'
    const payload = decodeJwt(await signing).payload as {
      iss: string
      exp?: number
      vc: Record<string, unknown>
    }
    expect(payload.iss).toBe('did:example:university')
    expect(payload.exp).toBeUndefined()
    expect(payload.vc.credentialSubject).toEqual({ id: 'did:example:student', degree: 'MSc' })
    expect((payload.vc.credentialStatus as { statusListIndex: string }).statusListIndex).toBe('7')
  })

  it('a replacement status may nest as deep in vc+jwt as issueJwtVc allows (one level below the root)', async () => {
    const { privateJwk } = await generateKeyPair('ES256')
    const signer = localSigner(privateJwk)
    const v2 = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: credential.id,
      type: credential.type,
      issuer: credential.issuer,
      validFrom: '2026-03-01T12:00:00Z',
      credentialSubject: credential.credentialSubject,
    }
    const deepStatus = (levels: number) => {
      let deep: unknown = 'x'
      for (let i = 0; i < levels; i++) deep = { d: deep }
      return { ...entry(1), extra: deep }
    }
    const outcome = (run: () => Promise<unknown>) =>
      run().then(
        () => 'ok',
        (e: unknown) => (isCivitasError(e) ? e.code : 'not a CivitasError'),
      )
    for (const levels of [
      DEFAULT_MAX_JSON_DEPTH - 3,
      DEFAULT_MAX_JSON_DEPTH - 2,
      DEFAULT_MAX_JSON_DEPTH - 1,
    ]) {
      const status = deepStatus(levels)
      const direct = await outcome(() =>
        issueJwtVc({ ...v2, credentialStatus: status }, { format: 'vc+jwt', signer }),
      )
      const twoStep = await outcome(() =>
        signJwtVc(prepareJwtVc(v2, { format: 'vc+jwt' }), { signer, credentialStatus: status }),
      )
      expect(twoStep).toBe(direct)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { decodeJwt } from '../jose/decode.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { VCDM_1_1_CONTEXT } from './data-model.js'
import { issueJwtVc, jwtVcPayload } from './jwt-vc.js'

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

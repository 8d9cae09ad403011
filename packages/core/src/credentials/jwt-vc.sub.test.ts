/**
 * The JWT `sub` claim names the credential subject (VCDM 1.1 §6.3.1). With several subjects
 * (`credentialSubject` an array) it names every one of them: each subject's id must equal
 * `sub` (under jwt_vc_json a subject without an id receives it, as a single subject does),
 * otherwise the two readings of the token disagree and it is CLAIM_INVALID (issue 7).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { signJws } from '../jose/sign.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { VCDM_1_1_CONTEXT, VCDM_2_0_CONTEXT } from './data-model.js'
import { verifyJwtVc } from './jwt-vc.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const resolver = createResolver({ web: false, cache: false })
const ALICE = 'did:example:alice'
const MALLORY = 'did:example:mallory'

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

async function jwtVcJson(credentialSubject: unknown) {
  const vc = {
    '@context': [VCDM_1_1_CONTEXT],
    type: ['VerifiableCredential'],
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject,
  }
  return signJws({ iss: did, sub: ALICE, vc }, signer, { typ: 'JWT' })
}

async function vcJwt(credentialSubject: unknown) {
  const credential = {
    '@context': [VCDM_2_0_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: did,
    credentialSubject,
    sub: ALICE,
  }
  return signJws(credential, signer, { typ: 'vc+jwt' })
}

describe('sub against an array of subjects', () => {
  it('jwt_vc_json: a subject whose id is not sub is CLAIM_INVALID, wherever it sits in the array', async () => {
    for (const subjects of [
      [{ id: MALLORY, degree: 'MSc' }],
      [
        { id: ALICE, degree: 'MSc' },
        { id: MALLORY, degree: 'PhD' },
      ],
      [
        { id: MALLORY, degree: 'PhD' },
        { id: ALICE, degree: 'MSc' },
      ],
    ]) {
      expect(codes(await verifyJwtVc(await jwtVcJson(subjects), { resolver, now: NOW }))).toEqual([
        'CLAIM_INVALID',
      ])
    }
  })

  it('jwt_vc_json: subjects that all carry sub, or no id, verify; those without an id receive sub', async () => {
    const result = await verifyJwtVc(await jwtVcJson([{ id: ALICE, degree: 'MSc' }, { degree: 'PhD' }]), {
      resolver,
      now: NOW,
    })
    expect(codes(result)).toEqual([])
    expect(result.credential?.credentialSubject).toEqual([
      { id: ALICE, degree: 'MSc' },
      { id: ALICE, degree: 'PhD' },
    ])
  })

  it('jwt_vc_json: the single-object rule is unchanged', async () => {
    expect(codes(await verifyJwtVc(await jwtVcJson({ id: MALLORY, a: 1 }), { resolver, now: NOW }))).toEqual([
      'CLAIM_INVALID',
    ])
    expect(codes(await verifyJwtVc(await jwtVcJson({ id: ALICE, a: 1 }), { resolver, now: NOW }))).toEqual([])
  })

  it('vc+jwt: a sub claim must be the id of every subject', async () => {
    expect(
      codes(
        await verifyJwtVc(
          await vcJwt([
            { id: ALICE, a: 1 },
            { id: MALLORY, a: 2 },
          ]),
          { resolver, now: NOW },
        ),
      ),
    ).toEqual(['CLAIM_INVALID'])
    expect(codes(await verifyJwtVc(await vcJwt({ id: MALLORY, a: 1 }), { resolver, now: NOW }))).toEqual([
      'CLAIM_INVALID',
    ])
    expect(codes(await verifyJwtVc(await vcJwt([{ id: ALICE, a: 1 }]), { resolver, now: NOW }))).toEqual([])
  })
})

/**
 * readCredential (issue 8): one reading of every credential format core knows, without
 * verification, for wallets and verifiers; and the one normalised status-entry shape for
 * W3C BitstringStatusListEntry / StatusList2021Entry and IETF status.status_list, including
 * the on-chain location of a Civitas status list.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { VCDM_1_1_CONTEXT, VCDM_2_0_CONTEXT, validateCredential } from '../credentials/data-model.js'
import { issueJwtVc, verifyJwtVc } from '../credentials/jwt-vc.js'
import { issueVcSdJwt, verifyVcSdJwt } from '../credentials/vc-sd-jwt.js'
import { didJwkFromJwk } from '../did/jwk.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { issueSdJwt, issueSdJwtVc } from '../sd-jwt/issue.js'
import { sdJwtToJson } from '../sd-jwt/json-serialization.js'
import { verifySdJwt } from '../sd-jwt/verify.js'
import { readCredential } from './read-credential.js'
import { jwtStatusEntries, w3cStatusEntries } from './status-entry.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const CHAIN = {
  chainId: 1337,
  registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  listId: '1',
}

let did: string
let signer: Signer
let jwk: Jwk
let holderJwk: Jwk

beforeAll(async () => {
  const pair = await generateKeyPair('ES256')
  did = didJwkFromJwk(pair.publicJwk)
  jwk = pair.publicJwk
  signer = localSigner(pair.privateJwk, { kid: `${did}#0` })
  holderJwk = (await generateKeyPair('ES256')).publicJwk
})

function diploma11() {
  return {
    '@context': [VCDM_1_1_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: did,
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:student', degree: 'MSc' },
    credentialSchema: { id: 'https://schemas.example/diploma.json', type: 'JsonSchema' },
    credentialStatus: [
      {
        id: 'https://university.example/status/1#40312',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '40312',
        statusListCredential: 'https://university.example/status/1',
        statusChain: CHAIN,
      },
      {
        id: 'https://university.example/legacy/3#7',
        type: 'StatusList2021Entry',
        statusPurpose: 'suspension',
        statusListIndex: '7',
        statusListCredential: 'https://university.example/legacy/3',
      },
      { id: 'https://university.example/other', type: 'CredentialStatusList2017' },
    ],
  }
}

describe('readCredential', () => {
  it('jwt_vc_json: the credential with the JWT claims mapped back, subject, schemas, status entries', async () => {
    const jwt = await issueJwtVc(diploma11(), { format: 'jwt_vc_json', signer, iat: NOW })
    const read = readCredential(jwt)
    expect(read).toMatchObject({
      format: 'jwt_vc_json',
      header: { alg: 'ES256', typ: 'JWT' },
      issuer: did,
      subject: 'did:example:student',
      subjects: [{ id: 'did:example:student', degree: 'MSc' }],
      schemas: [{ id: 'https://schemas.example/diploma.json', type: 'JsonSchema' }],
    })
    expect(read.payload.iat).toBe(NOW)
    expect(read.statusEntries).toEqual([
      {
        kind: 'bitstring-status-list',
        purpose: 'revocation',
        listUrl: 'https://university.example/status/1',
        index: 40312,
        statusSize: 1,
        chain: CHAIN,
        id: 'https://university.example/status/1#40312',
      },
      {
        kind: 'status-list-2021',
        purpose: 'suspension',
        listUrl: 'https://university.example/legacy/3',
        index: 7,
        statusSize: 1,
        id: 'https://university.example/legacy/3#7',
      },
      { kind: 'unsupported', type: ['CredentialStatusList2017'] },
    ])
  })

  it('vc+jwt: several subjects have no one subject id; cnf is read', async () => {
    const credential = {
      '@context': [VCDM_2_0_CONTEXT],
      type: ['VerifiableCredential'],
      issuer: { id: did, name: 'Uni' },
      credentialSubject: [
        { id: 'did:example:a', role: 'spouse' },
        { id: 'did:example:b', role: 'spouse' },
      ],
      cnf: { jwk: holderJwk },
    }
    const read = readCredential(await signJws(credential, signer, { typ: 'vc+jwt' }))
    expect(read.format).toBe('vc+jwt')
    expect(read.issuer).toBe(did)
    expect(read.subject).toBeUndefined()
    expect(read.subjects).toHaveLength(2)
    expect(read.cnf).toEqual({ jwk: holderJwk })
    expect(read.statusEntries).toEqual([])
  })

  it('dc+sd-jwt, compact and JSON-serialized: claims with Disclosures applied, vct as schema, status_list', async () => {
    const sdJwt = await issueSdJwtVc(
      {
        vct: 'urn:eudi:pid:1',
        iss: 'https://pid.example',
        sub: 'user-42',
        cnf: { jwk: holderJwk },
        status: { status_list: { idx: 412, uri: 'https://pid.example/status/1' } },
        claims: { given_name: 'Erika' },
        disclosable: ['/given_name'],
      },
      { signer },
    )
    for (const token of [
      sdJwt,
      sdJwtToJson(sdJwt, 'general'),
      JSON.stringify(sdJwtToJson(sdJwt, 'flattened')),
    ]) {
      const read = readCredential(token)
      expect(read).toMatchObject({
        format: 'dc+sd-jwt',
        issuer: 'https://pid.example',
        subject: 'user-42',
        cnf: { jwk: holderJwk },
        schemas: [{ id: 'urn:eudi:pid:1', type: 'vct' }],
        statusEntries: [{ kind: 'token-status-list', listUrl: 'https://pid.example/status/1', index: 412 }],
      })
      expect(read.credential.given_name).toBe('Erika')
      expect(read.disclosures?.map((d) => d.path)).toEqual(['/given_name'])
    }
  })

  it('vc+sd-jwt (vc-jose-cose §3.2): a VCDM 2.0 credential, issuer from `issuer`, subjects, schemas and status as W3C', async () => {
    const credential = {
      '@context': [VCDM_2_0_CONTEXT],
      type: ['VerifiableCredential', 'VerifiableDiploma'],
      issuer: { id: did, name: 'Uni' },
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:student', degree: 'MSc', familyName: 'Rossi' },
      credentialSchema: { id: 'https://schemas.example/diploma.json', type: 'JsonSchema' },
      credentialStatus: diploma11().credentialStatus.slice(0, 1),
    }
    const token = await issueVcSdJwt(credential, {
      signer,
      disclosable: ['/credentialSubject/familyName'],
      holderJwk,
    })
    for (const form of [token, sdJwtToJson(token, 'general')]) {
      const read = readCredential(form)
      expect(read).toMatchObject({
        format: 'vc+sd-jwt',
        header: { typ: 'vc+sd-jwt', cty: 'vc' },
        issuer: did,
        subject: 'did:example:student',
        subjects: [{ id: 'did:example:student', degree: 'MSc', familyName: 'Rossi' }],
        cnf: { jwk: holderJwk },
        schemas: [{ id: 'https://schemas.example/diploma.json', type: 'JsonSchema' }],
        statusEntries: [{ kind: 'bitstring-status-list', index: 40312, chain: CHAIN }],
      })
      expect(read.disclosures?.map((d) => d.path)).toEqual(['/credentialSubject/familyName'])
      // The same credential verifyVcSdJwt returns: digests applied, the holder key left out.
      const verified = await verifyVcSdJwt(token, { publicJwk: jwk, now: NOW })
      expect(verified.errors).toEqual([])
      expect(read.credential).toEqual(verified.credential)
      expect(read.credential.cnf).toBeUndefined()
    }
  })

  it('vc+sd-jwt with vct is the SD-JWT VC of drafts before -06: read as dc+sd-jwt', async () => {
    const token = await issueSdJwt(
      { iss: 'https://pid.example', vct: 'urn:eudi:pid:1', given_name: 'Erika' },
      ['/given_name'],
      { signer, typ: 'vc+sd-jwt' },
    )
    const read = readCredential(token)
    expect(read).toMatchObject({
      format: 'dc+sd-jwt',
      issuer: 'https://pid.example',
      schemas: [{ id: 'urn:eudi:pid:1', type: 'vct' }],
    })
    expect(read.credential.given_name).toBe('Erika')
  })

  it('an SD-JWT of another typ is FORMAT_MISMATCH', async () => {
    const token = await issueSdJwt({ iss: 'https://x.example' }, [], { signer, typ: 'example+sd-jwt' })
    expect(() => readCredential(token)).toThrow(expect.objectContaining({ code: 'FORMAT_MISMATCH' }))
  })

  it('what cannot be read throws a CivitasError', () => {
    for (const [token, code] of [
      ['a.b.c', 'INVALID_ENCODING'],
      ['no-jwt-at-all', 'INVALID_JWS'],
      ['x~y~', 'SD_JWT_INVALID'],
      ['{"payload":', 'SD_JWT_INVALID'],
      [42, 'INVALID_ARGUMENT'],
    ] as const) {
      expect(() => readCredential(token as string), String(token)).toThrow(expect.objectContaining({ code }))
    }
  })
})

describe('status entries: one shape, validated once for issuing, reading and verifying', () => {
  it('the verify result carries the same entries', async () => {
    const jwt = await issueJwtVc(diploma11(), { format: 'jwt_vc_json', signer, iat: NOW })
    const result = await verifyJwtVc(jwt, { publicJwk: jwk, now: NOW })
    expect(result.errors).toEqual([])
    expect(result.statusEntries).toEqual(readCredential(jwt).statusEntries)
    const sdJwt = await issueSdJwtVc(
      {
        vct: 'urn:x',
        iss: 'https://pid.example',
        iat: NOW,
        status: { status_list: { idx: 3, uri: 'https://pid.example/s' } },
        claims: {},
      },
      { signer },
    )
    const sd = await verifySdJwt(sdJwt, { publicJwk: jwk, now: NOW })
    expect(sd.statusEntries).toEqual([
      { kind: 'token-status-list', listUrl: 'https://pid.example/s', index: 3 },
    ])
  })

  it.each([
    ['an index beyond 2^53', { statusListIndex: '99999999999999999999' }, 'statusListIndex'],
    ['a signed index', { statusListIndex: '-1' }, 'statusListIndex'],
    ['a statusSize the codec cannot read', { statusSize: 33 }, 'statusSize'],
    ['a chain location without registry', { statusChain: { ...CHAIN, registry: undefined } }, 'registry'],
    ['a chain id of 0', { statusChain: { ...CHAIN, chainId: 0 } }, 'chainId'],
    ['a list id that is a number', { statusChain: { ...CHAIN, listId: 1 } }, 'listId'],
    ['a list id beyond uint256', { statusChain: { ...CHAIN, listId: '9'.repeat(79) } }, 'listId'],
    ['an issuer that is no address', { statusChain: { ...CHAIN, owner: '0xnope' } }, 'owner'],
  ])('%s is CREDENTIAL_INVALID (status-entry) and left out', (_what, change, member) => {
    const [entry] = diploma11().credentialStatus
    const credential = { ...diploma11(), credentialStatus: { ...entry, ...change } }
    const { entries, errors } = w3cStatusEntries(credential)
    expect(entries).toEqual([])
    expect(errors).toEqual([expect.objectContaining({ code: 'CREDENTIAL_INVALID', check: 'status-entry' })])
    expect(errors[0]?.message).toContain(member)
    expect(validateCredential(credential, { version: '1.1' }).map((e) => e.check)).toEqual(['status-entry'])
  })

  it('IETF: a status_list carrying the issuer’s statusChain normalises it too', () => {
    const { entries, errors } = jwtStatusEntries({
      status: { status_list: { idx: 7, uri: 'https://pid.example/status/1/token', statusChain: CHAIN } },
    })
    expect(errors).toEqual([])
    expect(entries).toEqual([
      { kind: 'token-status-list', listUrl: 'https://pid.example/status/1/token', index: 7, chain: CHAIN },
    ])
    const bad = jwtStatusEntries({
      status: { status_list: { idx: 7, uri: 'https://pid.example/s', statusChain: { ...CHAIN, owner: 1 } } },
    })
    expect(bad.entries).toEqual([])
    expect(bad.errors.map((e) => e.check)).toEqual(['status-entry'])
  })

  it('IETF: status_list is { idx, uri }; other mechanisms are unsupported, not dropped', () => {
    expect(
      jwtStatusEntries({ status: { status_list: { idx: 1.5, uri: 'https://x.example' } } }).errors,
    ).toEqual([expect.objectContaining({ code: 'CLAIM_INVALID', check: 'status-entry' })])
    expect(jwtStatusEntries({ status: { attestation: {} } }).entries).toEqual([
      { kind: 'unsupported', type: ['attestation'] },
    ])
  })
})

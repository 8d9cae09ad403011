/**
 * The verification pipeline (issue 8): every verify function runs read → key → signature →
 * times → data model → format checks, every error names its check, results say what
 * verified each signature, keys come from `publicJwk`, a jose-style `getKey` or the DID
 * resolver, and the DID key source takes the time the key must be valid at from the caller.
 */
import type { DIDResolutionResult, Resolvable } from 'did-resolver'
import { beforeAll, describe, expect, it } from 'vitest'
import { VCDM_1_1_CONTEXT, VCDM_2_0_CONTEXT } from '../credentials/data-model.js'
import { issueJwtVc, verifyJwtVc } from '../credentials/jwt-vc.js'
import { issueJwtVp, verifyJwtVp } from '../credentials/jwt-vp.js'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { issueSdJwtVc } from '../sd-jwt/issue.js'
import { presentSdJwt } from '../sd-jwt/present.js'
import { verifySdJwt } from '../sd-jwt/verify.js'
import { issueStatusListToken, verifyStatusListToken } from '../status-list/status-list-token.js'
import type { KeyRequest } from './key.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const resolver = createResolver({ web: false, cache: false })

interface Party {
  did: string
  jwk: Jwk
  signer: Signer
}

async function party(): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair('ES256')
  const did = didJwkFromJwk(publicJwk)
  return { did, jwk: publicJwk, signer: localSigner(privateJwk, { kid: `${did}#0` }) }
}

let issuer: Party
let holder: Party

beforeAll(async () => {
  issuer = await party()
  holder = await party()
})

function diploma(extra: Record<string, unknown> = {}) {
  return {
    '@context': [VCDM_2_0_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: issuer.did,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: holder.did, degree: 'MSc' },
    ...extra,
  }
}

describe('every error names the check it came from', () => {
  it('format, key, signature, time, dataModel, status-entry', async () => {
    const other = await party()
    const cases: [token: string, check: string][] = [
      ['not.a.jwt', 'format'],
      [await signJws(diploma(), issuer.signer, { typ: 'vc+ld+jwt+x' }), 'format'],
      [
        await signJws(diploma({ issuer: `${issuer.did}?versionId=1` }), issuer.signer, { typ: 'vc+jwt' }),
        'key',
      ],
      [
        await signJws(diploma({ issuer: 'did:example:unknown-method' }), issuer.signer, { typ: 'vc+jwt' }),
        'key',
      ],
      [await signJws(diploma(), other.signer, { typ: 'vc+jwt' }), 'key'],
      [
        await signJws(diploma({ validUntil: '2026-02-01T00:00:00Z' }), issuer.signer, { typ: 'vc+jwt' }),
        'time',
      ],
      [await signJws(diploma({ type: ['Diploma'] }), issuer.signer, { typ: 'vc+jwt' }), 'dataModel'],
      [
        await signJws(
          diploma({
            credentialStatus: {
              type: 'BitstringStatusListEntry',
              statusPurpose: 'revocation',
              statusListIndex: '99999999999999999999',
              statusListCredential: 'https://issuer.example/status/1',
            },
          }),
          issuer.signer,
          { typ: 'vc+jwt' },
        ),
        'status-entry',
      ],
      [
        await signJws(diploma({ sub: 'did:example:someone-else' }), issuer.signer, { typ: 'vc+jwt' }),
        'format',
      ],
    ]
    for (const [token, check] of cases) {
      const result = await verifyJwtVc(token, { resolver, now: NOW })
      expect(result.verified, check).toBe(false)
      expect(
        result.errors.map((e) => e.check),
        `${check}: ${result.errors.map((e) => e.message)}`,
      ).toEqual([check])
    }
    // The signature itself: the right key's DID, a forged signature.
    const genuine = await signJws(diploma(), issuer.signer, { typ: 'vc+jwt' })
    const forged = `${genuine.slice(0, genuine.lastIndexOf('.'))}.${'A'.repeat(86)}`
    const result = await verifyJwtVc(forged, { resolver, now: NOW })
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'SIGNATURE_INVALID', check: 'signature' }),
    ])
  })

  it('presentation: binding for nonce and audience, the enclosed credential’s own checks with its index', async () => {
    const expired = await issueJwtVc(diploma({ validUntil: '2026-02-01T00:00:00Z' }), {
      format: 'vc+jwt',
      signer: issuer.signer,
    })
    const vp = await issueJwtVp(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [expired] },
      { format: 'vc+jwt', signer: holder.signer, nonce: 'n-1', audience: 'https://v.example', iat: NOW },
    )
    const result = await verifyJwtVp(vp, { resolver, nonce: 'n-2', audience: 'https://v.example', now: NOW })
    expect(result.errors.map(({ code, check, credential }) => ({ code, check, credential }))).toEqual([
      { code: 'NONCE_MISMATCH', check: 'binding', credential: undefined },
      { code: 'CREDENTIAL_EXPIRED', check: 'time', credential: 0 },
    ])
  })

  it('SD-JWT: disclosures, binding (KB-JWT)', async () => {
    const sdJwt = await issueSdJwtVc(
      {
        vct: 'urn:example:pid',
        iss: issuer.did,
        iat: NOW - 60,
        cnf: { jwk: holder.jwk },
        claims: { name: 'Erika' },
        disclosable: ['/name'],
      },
      { signer: issuer.signer },
    )
    const presented = await presentSdJwt(sdJwt, {
      disclose: { name: true },
      keyBinding: { signer: holder.signer, nonce: 'n-1', audience: 'https://v.example', iat: NOW },
    })
    const wrongNonce = await verifySdJwt(presented, {
      resolver,
      nonce: 'n-2',
      audience: 'https://v.example',
      now: NOW,
    })
    expect(wrongNonce.errors.map((e) => [e.code, e.check])).toEqual([['NONCE_MISMATCH', 'binding']])
    const [jwt] = sdJwt.split('~')
    const forgedDisclosure = `${jwt}~WyJzYWx0IiwibmFtZSIsIk1hbGxvcnkiXQ~`
    const forged = await verifySdJwt(forgedDisclosure, { resolver, now: NOW })
    expect(forged.errors.map((e) => [e.code, e.check])).toEqual([
      ['SD_DISCLOSURE_UNREFERENCED', 'disclosures'],
    ])
  })

  it('resources: a presentation with more credentials than allowed', async () => {
    const vc = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const vp = await issueJwtVp(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [vc, vc] },
      { format: 'vc+jwt', signer: holder.signer, nonce: 'n', audience: 'a', iat: NOW },
    )
    const result = await verifyJwtVp(vp, { resolver, nonce: 'n', audience: 'a', now: NOW, maxCredentials: 1 })
    expect(result.errors.map((e) => [e.code, e.check])).toEqual([['INPUT_TOO_LARGE', 'resources']])
  })
})

describe('results return what verified each signature', () => {
  it('through a DID: the verification method (id included) and the DID document', async () => {
    const jwt = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(result.verified).toBe(true)
    expect(result.signatures).toEqual([
      expect.objectContaining({
        role: 'issuer',
        alg: 'ES256',
        verificationMethod: expect.objectContaining({ id: `${issuer.did}#0` }),
        didDocument: expect.objectContaining({ id: issuer.did }),
      }),
    ])
  })

  it('with a given key: that JWK; a presentation lists the holder’s, each credential its issuer’s', async () => {
    const vc = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const vp = await issueJwtVp(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [vc] },
      { format: 'vc+jwt', signer: holder.signer, nonce: 'n', audience: 'a', iat: NOW },
    )
    const result = await verifyJwtVp(vp, {
      publicJwk: holder.jwk,
      credentials: { publicJwk: issuer.jwk },
      nonce: 'n',
      audience: 'a',
      now: NOW,
    })
    expect(result.errors).toEqual([])
    expect(result.signatures).toEqual([{ role: 'holder', alg: 'ES256', publicJwk: holder.jwk }])
    expect(result.credentials[0]?.signatures).toEqual([
      { role: 'issuer', alg: 'ES256', publicJwk: issuer.jwk },
    ])
  })

  it('SD-JWT: the issuer’s and the KB-JWT’s (the holder’s cnf.jwk)', async () => {
    const sdJwt = await issueSdJwtVc(
      {
        vct: 'urn:example:pid',
        iss: issuer.did,
        iat: NOW - 60,
        cnf: { jwk: holder.jwk },
        claims: { name: 'Erika' },
      },
      { signer: issuer.signer },
    )
    const presented = await presentSdJwt(sdJwt, {
      disclose: {},
      keyBinding: { signer: holder.signer, nonce: 'n', audience: 'a', iat: NOW },
    })
    const result = await verifySdJwt(presented, { resolver, nonce: 'n', audience: 'a', now: NOW })
    expect(result.errors).toEqual([])
    expect(result.signatures.map((s) => s.role)).toEqual(['issuer', 'keyBinding'])
    expect(result.signatures[0]?.verificationMethod?.id).toBe(`${issuer.did}#0`)
    expect(result.signatures[1]).toEqual({ role: 'keyBinding', alg: 'ES256', publicJwk: holder.jwk })
  })
})

describe('getKey: a jose-style key callback', () => {
  it('is asked with the header, payload, named issuer, purpose and key time, and its key verifies', async () => {
    const jwt = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const requests: KeyRequest[] = []
    const result = await verifyJwtVc(jwt, {
      now: NOW,
      getKey: (request) => {
        requests.push(request)
        return { publicJwk: issuer.jwk }
      },
    })
    expect(result.errors).toEqual([])
    expect(result.signatures).toEqual([{ role: 'issuer', alg: 'ES256', publicJwk: issuer.jwk }])
    expect(requests).toEqual([
      {
        header: expect.objectContaining({ alg: 'ES256', kid: `${issuer.did}#0` }),
        payload: expect.objectContaining({ issuer: issuer.did }),
        issuer: issuer.did,
        purpose: 'assertionMethod',
        at: NOW,
      },
    ])
  })

  it('keyTime: issuance asks for the key at the token’s issuance time, a Date at that instant', async () => {
    const iat = NOW - 86_400
    const jwt = await issueJwtVc(
      {
        ...diploma(),
        '@context': [VCDM_1_1_CONTEXT],
        validFrom: undefined,
        issuanceDate: '2026-01-01T00:00:00Z',
      },
      { format: 'jwt_vc_json', signer: issuer.signer, iat },
    )
    const at: number[] = []
    const getKey = (request: KeyRequest) => {
      at.push(request.at)
      return { publicJwk: issuer.jwk }
    }
    await verifyJwtVc(jwt, { now: NOW, getKey, keyTime: 'issuance' })
    await verifyJwtVc(jwt, { now: NOW, getKey, keyTime: new Date('2026-02-01T00:00:00Z') })
    expect(at).toEqual([iat, Date.parse('2026-02-01T00:00:00Z') / 1000])
  })

  it('a presentation asks for the holder’s authentication key, then each issuer’s assertion key', async () => {
    const vc = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const vp = await issueJwtVp(
      {
        '@context': [VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: holder.did,
        verifiableCredential: [vc],
      },
      { format: 'vc+jwt', signer: holder.signer, nonce: 'n', audience: 'a', iat: NOW },
    )
    const asked: [string | undefined, string][] = []
    const result = await verifyJwtVp(vp, {
      nonce: 'n',
      audience: 'a',
      now: NOW,
      getKey: ({ issuer: signer, purpose }) => {
        asked.push([signer, purpose])
        return { publicJwk: signer === holder.did ? holder.jwk : issuer.jwk }
      },
    })
    expect(result.errors).toEqual([])
    expect(asked).toEqual([
      [holder.did, 'authentication'],
      [issuer.did, 'assertionMethod'],
    ])
  })

  it('a callback that throws or answers without a key fails the key check, never the call', async () => {
    const jwt = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const answers = [
      () => {
        throw new TypeError('trust list unreachable')
      },
      () => ({}) as never,
      () => null as never,
      async () => ({ publicJwk: 'not a jwk' }) as never,
    ]
    for (const getKey of answers) {
      const result = await verifyJwtVc(jwt, { now: NOW, getKey })
      expect(result.verified).toBe(false)
      expect(result.errors.map((e) => [e.code, e.check])).toEqual([['KEY_NOT_FOUND', 'key']])
    }
  })

  it('a callback slower than the deadline: VERIFICATION_TIMEOUT (resources)', async () => {
    const jwt = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const result = await verifyJwtVc(jwt, {
      now: NOW,
      timeoutMs: 50,
      getKey: () => new Promise(() => {}),
    })
    expect(result.errors.map((e) => [e.code, e.check])).toEqual([['VERIFICATION_TIMEOUT', 'resources']])
  })
})

describe('the DID key source takes the key time from the caller, never from the token', () => {
  // A did:ethr document served by a recording resolver (the boundary): what matters is the DID
  // URL asked for.
  function recording(did: string, jwk: Jwk): { resolver: Resolvable; asked: string[] } {
    const asked: string[] = []
    return {
      asked,
      resolver: {
        resolve: async (didUrl: string): Promise<DIDResolutionResult> => {
          asked.push(didUrl)
          return {
            didResolutionMetadata: {},
            didDocumentMetadata: {},
            didDocument: {
              id: did,
              verificationMethod: [
                { id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk as never },
              ],
              assertionMethod: [`${did}#key-1`],
            },
          }
        },
      },
    }
  }

  it('keyTime: issuance resolves did:ethr ?versionTime= at the token’s iat; the default resolves the latest', async () => {
    const did = 'did:ethr:0x539:0x1111111111111111111111111111111111111111'
    const keys = await generateKeyPair('ES256')
    const signer = localSigner(keys.privateJwk, { kid: `${did}#key-1` })
    const iat = Date.parse('2025-06-01T00:00:00Z') / 1000
    const vc = {
      ...diploma({ issuer: did, validFrom: undefined }),
      '@context': [VCDM_1_1_CONTEXT],
      issuanceDate: '2025-06-01T00:00:00Z',
    }
    const jwt = await signJws({ iss: did, iat, vc }, signer, { typ: 'JWT' })
    const latest = recording(did, keys.publicJwk)
    expect((await verifyJwtVc(jwt, { resolver: latest.resolver, now: NOW })).errors).toEqual([])
    expect(latest.asked).toEqual([did])
    const atIssuance = recording(did, keys.publicJwk)
    const result = await verifyJwtVc(jwt, { resolver: atIssuance.resolver, now: NOW, keyTime: 'issuance' })
    expect(result.errors).toEqual([])
    expect(atIssuance.asked).toEqual([`${did}?versionTime=2025-06-01T00:00:00Z`])
  })

  it('keyTime: issuance without any issuance time in the token fails the key check (CLAIM_INVALID)', async () => {
    const jwt = await signJws({ ...diploma(), validFrom: undefined }, issuer.signer, { typ: 'vc+jwt' })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW, keyTime: 'issuance' })
    expect(result.errors.map((e) => [e.code, e.check])).toEqual([['CLAIM_INVALID', 'key']])
  })
})

describe('one option name for the signer key', () => {
  it('publicJwk verifies every format; neither key nor callback nor resolver is INVALID_ARGUMENT', async () => {
    const vc = await issueJwtVc(diploma(), { format: 'vc+jwt', signer: issuer.signer })
    const sdJwt = await issueSdJwtVc(
      { vct: 'urn:x', iss: issuer.did, iat: NOW - 60, claims: { a: 1 } },
      { signer: issuer.signer },
    )
    const list = await issueStatusListToken(
      { iss: issuer.did, sub: 'https://i.example/1', statuses: [0], bits: 1, iat: NOW },
      { signer: issuer.signer },
    )
    const publicJwk = issuer.jwk
    expect((await verifyJwtVc(vc, { publicJwk, now: NOW })).verified).toBe(true)
    expect((await verifySdJwt(sdJwt, { publicJwk, now: NOW })).verified).toBe(true)
    expect(
      (await verifyStatusListToken(list, { publicJwk, uri: 'https://i.example/1', now: NOW })).verified,
    ).toBe(true)
    await expect(verifyJwtVc(vc, { now: NOW })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(verifySdJwt(sdJwt, { now: NOW })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(verifyJwtVc(vc, { getKey: 'x' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(verifyJwtVc(vc, { resolver, keyTime: 'yesterday' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})

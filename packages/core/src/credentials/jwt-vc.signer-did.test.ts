/**
 * A DID a token names as its signer (`iss`, `issuer`, `holder`) is a DID, never a DID URL:
 * with a query (`?versionId=`, `?versionTime=`), a path, a fragment or DID parameters the
 * token would choose the DID document its key is looked up in, so a rotated-out key could
 * pick the version in which it was still valid (issue 7). Only the verifier may ask for a
 * version. The chain-backed variant (a real rotated did:ethr key) is in
 * test/rotated-did-ethr-key.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { issueSdJwtVc } from '../sd-jwt/issue.js'
import { verifySdJwt } from '../sd-jwt/verify.js'
import { issueStatusListToken, verifyStatusListToken } from '../status-list/status-list-token.js'
import { VCDM_1_1_CONTEXT, VCDM_2_0_CONTEXT } from './data-model.js'
import { verifyJwtVc } from './jwt-vc.js'
import { verifyJwtVp } from './jwt-vp.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const resolver = createResolver({ web: false, cache: false })

let did: string
let signer: Signer
let jwk: Jwk

beforeAll(async () => {
  const pair = await generateKeyPair('ES256')
  did = didJwkFromJwk(pair.publicJwk)
  jwk = pair.publicJwk
  signer = localSigner(pair.privateJwk, { kid: `${did}#0` })
})

const suffixes = ['?versionId=5', '?versionTime=2020-01-01T00:00:00Z', '/path', '#0', ';service=x']

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

function credential11(issuer: string) {
  return {
    '@context': [VCDM_1_1_CONTEXT],
    type: ['VerifiableCredential'],
    issuer,
    issuanceDate: '2026-01-01T00:00:00Z',
    credentialSubject: { degree: 'MSc' },
  }
}

describe('a signer DID taken from a token must be a plain DID (CLAIM_INVALID)', () => {
  it.each(suffixes)('jwt_vc_json whose iss ends in %s', async (suffix) => {
    const issuer = `${did}${suffix}`
    const jwt = await signJws({ iss: issuer, vc: credential11(issuer) }, signer, { typ: 'JWT' })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['CLAIM_INVALID'])
  })

  it.each(suffixes)('vc+jwt whose issuer ends in %s', async (suffix) => {
    const jwt = await signJws(
      {
        '@context': [VCDM_2_0_CONTEXT],
        type: ['VerifiableCredential'],
        issuer: { id: `${did}${suffix}` },
        credentialSubject: { degree: 'MSc' },
      },
      signer,
      { typ: 'vc+jwt' },
    )
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(codes(result)).toEqual(['CLAIM_INVALID'])
  })

  it.each(suffixes)('a presentation whose holder ends in %s', async (suffix) => {
    const vp = await signJws(
      {
        '@context': [VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: `${did}${suffix}`,
        nonce: 'n',
        aud: 'https://verifier.example',
        iat: NOW,
      },
      signer,
      { typ: 'vp+jwt' },
    )
    const result = await verifyJwtVp(vp, {
      resolver,
      nonce: 'n',
      audience: 'https://verifier.example',
      now: NOW,
    })
    expect(codes(result)).toEqual(['CLAIM_INVALID'])
  })

  it.each(suffixes)('a dc+sd-jwt whose iss ends in %s', async (suffix) => {
    const sdJwt = await issueSdJwtVc(
      { vct: 'urn:example:1', iss: `${did}${suffix}`, claims: { a: 1 } },
      { signer },
    )
    const result = await verifySdJwt(sdJwt, { resolver, now: NOW })
    expect(codes(result)).toEqual(['CLAIM_INVALID'])
  })

  it.each(suffixes)('a Status List Token whose iss ends in %s', async (suffix) => {
    const uri = 'https://issuer.example/status/1'
    const token = await issueStatusListToken(
      { iss: `${did}${suffix}`, sub: uri, statuses: [0], bits: 1, iat: NOW },
      { signer },
    )
    expect(codes(await verifyStatusListToken(token, { resolver, uri, now: NOW }))).toEqual(['CLAIM_INVALID'])
  })

  it('with an explicit key as well: the token cannot name a DID URL as its issuer', async () => {
    const issuer = `${did}?versionId=1`
    const jwt = await signJws({ iss: issuer, vc: credential11(issuer) }, signer, { typ: 'JWT' })
    expect(codes(await verifyJwtVc(jwt, { publicJwk: jwk, now: NOW }))).toEqual(['CLAIM_INVALID'])
  })

  it('the plain DID still verifies', async () => {
    const jwt = await signJws({ iss: did, vc: credential11(did) }, signer, { typ: 'JWT' })
    expect(codes(await verifyJwtVc(jwt, { resolver, now: NOW }))).toEqual([])
  })
})

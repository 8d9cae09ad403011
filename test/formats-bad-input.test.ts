/**
 * The issue's list of bad input, in one place, through the public API: each is rejected
 * (never thrown at the caller for a bad token) with its own code.
 */
import {
  BITSTRING_STATUS_LIST_MIN_ENTRIES,
  base64urlEncode,
  createDisclosure,
  createResolver,
  decodeBitstringStatusList,
  decodeTokenStatusList,
  didJwkFromJwk,
  encodeBitstringStatusList,
  encodeTokenStatusList,
  generateKeyPair,
  isCivitasError,
  issueSdJwtVc,
  joinSdJwt,
  localSigner,
  presentSdJwt,
  sdDigest,
  signJws,
  splitSdJwt,
  verifyJwtVc,
  verifySdJwt,
} from '@civitas/core'
import { beforeAll, describe, expect, it } from 'vitest'

const NOW = 1_760_000_000
const NONCE = 'n-1'
const AUD = 'https://verifier.example.eu'
const resolver = createResolver({ web: false, cache: false })

let issuer: Awaited<ReturnType<typeof generateKeyPair>>
let holder: Awaited<ReturnType<typeof generateKeyPair>>
let issuerDid: string
let issued: string

beforeAll(async () => {
  issuer = await generateKeyPair('ES256')
  holder = await generateKeyPair('ES256')
  issuerDid = didJwkFromJwk(issuer.publicJwk)
  issued = await issueSdJwtVc(
    {
      vct: 'urn:eudi:pid:1',
      iss: issuerDid,
      iat: NOW,
      cnf: { jwk: holder.publicJwk },
      claims: { given_name: 'Erika', family_name: 'Mustermann' },
      disclosable: ['/given_name', '/family_name'],
    },
    { signer: localSigner(issuer.privateJwk, { kid: `${issuerDid}#0` }) },
  )
})

async function sdCodes(token: string, options: { nonce?: string; audience?: string } = {}) {
  const result = await verifySdJwt(token, { resolver, now: NOW, ...options })
  expect(result.verified).toBe(false)
  return result.errors.map((e) => e.code)
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : 'NOT_CIVITAS'
  }
  return undefined
}

const present = (iat = NOW, disclose: Record<string, boolean> = { given_name: true, family_name: true }) =>
  presentSdJwt(issued, {
    disclose,
    keyBinding: { signer: localSigner(holder.privateJwk), nonce: NONCE, audience: AUD, iat },
  })

async function signedSdJwt(payload: Record<string, unknown>, disclosures: string[]) {
  const jwt = await signJws(
    { iss: issuerDid, vct: 'urn:x', _sd_alg: 'sha-256', ...payload },
    localSigner(issuer.privateJwk),
    {
      typ: 'dc+sd-jwt',
      kid: `${issuerDid}#0`,
    },
  )
  return joinSdJwt(jwt, disclosures)
}

describe('bad input, each rejected with its own code', () => {
  it('an SD-JWT issued by a DID verifies through the resolver (the baseline)', async () => {
    const result = await verifySdJwt(await present(), { resolver, now: NOW, nonce: NONCE, audience: AUD })
    expect(result.errors).toEqual([])
  })

  it('a Disclosure whose digest is not referenced → SD_DISCLOSURE_UNREFERENCED', async () => {
    const { jwt, disclosures } = splitSdJwt(issued)
    const forged = createDisclosure('sha-256', true, 'is_admin').encoded
    expect(await sdCodes(joinSdJwt(jwt, [...disclosures, forged]))).toEqual(['SD_DISCLOSURE_UNREFERENCED'])
  })

  it('duplicate digests → SD_DIGEST_DUPLICATE', async () => {
    const d = createDisclosure('sha-256', 'Erika', 'given_name')
    expect(await sdCodes(await signedSdJwt({ _sd: [d.digest, d.digest] }, [d.encoded]))).toEqual([
      'SD_DIGEST_DUPLICATE',
    ])
  })

  it('"_sd" or "..." as a claim name → SD_CLAIM_NAME_RESERVED', async () => {
    for (const name of ['_sd', '...']) {
      const encoded = base64urlEncode(JSON.stringify(['bm90LWEtcmFuZG9tLXNhbHQ', name, 1]))
      expect(await sdCodes(await signedSdJwt({ _sd: [sdDigest('sha-256', encoded)] }, [encoded]))).toEqual([
        'SD_CLAIM_NAME_RESERVED',
      ])
    }
  })

  it('re-ordered Disclosures under a KB-JWT → KB_SD_HASH_MISMATCH', async () => {
    const { jwt, disclosures, kbJwt } = splitSdJwt(await present())
    expect(
      await sdCodes(joinSdJwt(jwt, [...disclosures].reverse(), kbJwt), { nonce: NONCE, audience: AUD }),
    ).toEqual(['KB_SD_HASH_MISMATCH'])
  })

  it('KB-JWT with the wrong nonce → NONCE_MISMATCH, wrong audience → AUDIENCE_MISMATCH, stale iat → KB_IAT_INVALID', async () => {
    expect(await sdCodes(await present(), { nonce: 'n-2', audience: AUD })).toEqual(['NONCE_MISMATCH'])
    expect(await sdCodes(await present(), { nonce: NONCE, audience: 'https://other.example' })).toEqual([
      'AUDIENCE_MISMATCH',
    ])
    expect(await sdCodes(await present(NOW - 86_400), { nonce: NONCE, audience: AUD })).toEqual([
      'KB_IAT_INVALID',
    ])
  })

  it('10,000 Disclosures → SD_TOO_MANY_DISCLOSURES', async () => {
    const { jwt } = splitSdJwt(issued)
    const disclosure = createDisclosure('sha-256', 1, 'n').encoded
    expect(await sdCodes(joinSdJwt(jwt, Array(10_000).fill(disclosure)))).toEqual(['SD_TOO_MANY_DISCLOSURES'])
  })

  const vc20 = () => ({
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: issuerDid,
    credentialSubject: { id: 'did:example:holder', name: 'Erika' },
  })
  const signer = () => localSigner(issuer.privateJwk, { kid: `${issuerDid}#0` })

  it('a vc+jwt carrying a vc claim → FORMAT_MISMATCH', async () => {
    const jwt = await signJws({ ...vc20(), vc: vc20() }, signer(), { typ: 'vc+jwt' })
    const result = await verifyJwtVc(jwt, { resolver, now: NOW })
    expect(result.errors.map((e) => e.code)).toEqual(['FORMAT_MISMATCH'])
  })

  it('exp before nbf → TIME_ORDER_INVALID; iat as a string → CLAIM_INVALID', async () => {
    const vc = {
      ...vc20(),
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      issuanceDate: '2025-01-01T00:00:00Z',
    }
    const reversed = await verifyJwtVc(
      await signJws({ iss: issuerDid, nbf: NOW - 10, exp: NOW - 20, vc }, signer()),
      {
        resolver,
        now: NOW - 15,
      },
    )
    expect(reversed.errors.map((e) => e.code)).toEqual(['TIME_ORDER_INVALID'])
    const stringIat = await verifyJwtVc(await signJws({ iss: issuerDid, iat: `${NOW}`, vc }, signer()), {
      resolver,
      now: NOW,
    })
    expect(stringIat.errors.map((e) => e.code)).toEqual(['CLAIM_INVALID'])
  })

  it('a status list shorter than the minimum → STATUS_LIST_TOO_SHORT; an index out of range → STATUS_INDEX_OUT_OF_RANGE', () => {
    expect(
      thrownCode(() => encodeBitstringStatusList(new Uint8Array(BITSTRING_STATUS_LIST_MIN_ENTRIES - 8))),
    ).toBe('STATUS_LIST_TOO_SHORT')
    const list = decodeBitstringStatusList(
      encodeBitstringStatusList(new Uint8Array(BITSTRING_STATUS_LIST_MIN_ENTRIES)),
    )
    expect(thrownCode(() => list.get(BITSTRING_STATUS_LIST_MIN_ENTRIES))).toBe('STATUS_INDEX_OUT_OF_RANGE')
    const token = decodeTokenStatusList(encodeTokenStatusList([0, 1, 2, 3], { bits: 2 }))
    expect(thrownCode(() => token.get(4))).toBe('STATUS_INDEX_OUT_OF_RANGE')
  })
})

// W3C vc-jose-cose §3.2: VCDM 2.0 credentials and presentations secured with SD-JWT
// (vc+sd-jwt / vp+sd-jwt), issued and verified by core, and hand-built tokens (Disclosures,
// digests and signature assembled here, not by core's SD-JWT issuer) verified by core.
import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { base64urlEncode } from '../encoding/base64url.js'
import { decodeJwt } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { sdDigest } from '../sd-jwt/hash.js'
import { presentSdJwt } from '../sd-jwt/present.js'
import { joinSdJwt, splitSdJwt } from '../sd-jwt/serialization.js'
import type { KeyRequest } from '../verification/key.js'
import { VCDM_2_0_CONTEXT } from './data-model.js'
import { issueVcSdJwt, issueVpSdJwt, verifyVcSdJwt, verifyVpSdJwt } from './vc-sd-jwt.js'

const NOW = Date.parse('2026-03-01T12:00:00Z') / 1000
const resolver = createResolver({ web: false, cache: false })
const NONCE = 'n-0S6_WzA2Mj'
const AUDIENCE = 'https://verifier.example'

interface Party {
  did: string
  kid: string
  jwk: Jwk
  signer: Signer
}

async function party(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair(alg)
  const did = didJwkFromJwk(publicJwk)
  return { did, kid: `${did}#0`, jwk: publicJwk, signer: localSigner(privateJwk, { kid: `${did}#0` }) }
}

let university: Party
let student: Party

beforeAll(async () => {
  university = await party()
  student = await party('EdDSA')
})

function degree(): Record<string, unknown> {
  return {
    '@context': [VCDM_2_0_CONTEXT, 'https://www.w3.org/ns/credentials/examples/v2'],
    id: 'http://university.example/credentials/3732',
    type: ['VerifiableCredential', 'ExampleDegreeCredential'],
    issuer: university.did,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2031-01-01T00:00:00Z',
    credentialSubject: {
      id: student.did,
      degree: { type: 'ExampleBachelorDegree', name: 'Bachelor of Science and Arts' },
      alumniOf: { name: 'Example University' },
    },
    credentialSchema: [{ id: 'https://example.org/examples/degree.json', type: 'JsonSchema' }],
    credentialStatus: {
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://university.example/status/3',
    },
  }
}

const disclosable = ['/id', '/credentialSubject/degree', '/credentialSubject/alumniOf']

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

/** An SD-JWT assembled by hand: Disclosures with fixed salts, digests, then one signature. */
async function handBuilt(
  claims: Record<string, unknown>,
  disclosed: Record<string, unknown>,
  { typ = 'vc+sd-jwt', at = (c: Record<string, unknown>) => c } = {},
): Promise<string> {
  const encoded = Object.entries(disclosed).map(([name, value], i) =>
    base64urlEncode(JSON.stringify([`salt-${i}-${name}`, name, value])),
  )
  const digests = encoded.map((d) => sdDigest('sha-256', d)).sort()
  const payload = structuredClone(claims)
  at(payload)._sd = digests
  const jwt = await signJws({ ...payload, _sd_alg: 'sha-256' }, university.signer, { typ, cty: 'vc' })
  return joinSdJwt(jwt, encoded)
}

describe('vc+sd-jwt (VCDM 2.0 secured with SD-JWT, vc-jose-cose §3.2.1)', () => {
  it('issues the credential as the SD-JWT payload: typ vc+sd-jwt, cty vc, chosen members disclosable', async () => {
    const token = await issueVcSdJwt(degree(), { signer: university.signer, disclosable })
    const { header, payload } = decodeJwt(splitSdJwt(token).jwt)
    expect(header).toMatchObject({ typ: 'vc+sd-jwt', cty: 'vc', kid: university.kid })
    expect(payload).toMatchObject({
      '@context': degree()['@context'],
      type: degree().type,
      issuer: university.did,
      validFrom: '2026-01-01T00:00:00Z',
      credentialStatus: degree().credentialStatus,
      _sd_alg: 'sha-256',
    })
    expect(payload.id).toBeUndefined()
    expect(payload.credentialSubject).toMatchObject({ id: student.did, _sd: expect.any(Array) })
    const result = await verifyVcSdJwt(token, { resolver, now: NOW })
    expect(codes(result)).toEqual([])
    expect(result.credential).toEqual(degree())
  })

  it('a holder withholds what it chooses; the KB-JWT binds the presentation to the verifier', async () => {
    const token = await issueVcSdJwt(degree(), {
      signer: university.signer,
      disclosable,
      holderJwk: student.jwk,
    })
    const presented = await presentSdJwt(token, {
      disclose: ['/credentialSubject/degree'],
      keyBinding: { signer: student.signer, nonce: NONCE, audience: AUDIENCE, iat: NOW },
    })
    const result = await verifyVcSdJwt(presented, { resolver, now: NOW, nonce: NONCE, audience: AUDIENCE })
    expect(codes(result)).toEqual([])
    expect(result.credential?.credentialSubject).toEqual({
      id: student.did,
      degree: { type: 'ExampleBachelorDegree', name: 'Bachelor of Science and Arts' },
    })
    expect(result.credential).not.toHaveProperty('cnf')
    expect(result.keyBinding?.payload).toMatchObject({ nonce: NONCE, aud: AUDIENCE })
    const replayed = await verifyVcSdJwt(presented, {
      resolver,
      now: NOW,
      nonce: 'other',
      audience: AUDIENCE,
    })
    expect(codes(replayed)).toContain('NONCE_MISMATCH')
    const unbound = await verifyVcSdJwt(token, { resolver, now: NOW, nonce: NONCE, audience: AUDIENCE })
    expect(codes(unbound)).toContain('KB_JWT_MISSING')
  })

  it('verifies a hand-built token (Disclosures and digests assembled outside core)', async () => {
    const { id, ...rest } = degree()
    const token = await handBuilt(rest, { id })
    const result = await verifyVcSdJwt(token, { publicJwk: university.jwk, now: NOW })
    expect(codes(result)).toEqual([])
    expect(result.credential).toEqual(degree())
    expect(result.disclosures).toEqual([expect.objectContaining({ name: 'id', path: '/id', value: id })])
  })

  it('accepts the media types of earlier drafts, with or without application/', async () => {
    for (const typ of ['application/vc+sd-jwt', 'vc+ld+json+sd-jwt', 'application/vc-ld+sd-jwt']) {
      const token = await handBuilt(degree(), {}, { typ })
      expect(codes(await verifyVcSdJwt(token, { resolver, now: NOW })), typ).toEqual([])
    }
  })

  it('refuses another typ, an IETF SD-JWT VC payload, and a forged Disclosure', async () => {
    const other = await handBuilt(degree(), {}, { typ: 'dc+sd-jwt' })
    expect(codes(await verifyVcSdJwt(other, { resolver, now: NOW }))).toEqual(['FORMAT_MISMATCH'])
    const vct = await handBuilt({ ...degree(), vct: 'urn:example:degree' }, {})
    expect(codes(await verifyVcSdJwt(vct, { resolver, now: NOW }))).toContain('FORMAT_MISMATCH')
    const forged = `${await handBuilt(degree(), {})}${base64urlEncode(JSON.stringify(['s', 'name', 'Mallory']))}~`
    expect(codes(await verifyVcSdJwt(forged, { resolver, now: NOW }))).toEqual(['SD_DISCLOSURE_UNREFERENCED'])
  })

  it('never makes a member a verifier needs disclosable (SD_DISCLOSURE_INVALID)', async () => {
    for (const pointer of [
      '/credentialStatus',
      '/validUntil',
      '/credentialSchema/0',
      '/credentialStatus/statusListIndex',
      '/type',
    ]) {
      await expect(
        issueVcSdJwt(degree(), { signer: university.signer, disclosable: [pointer] }),
        pointer,
      ).rejects.toMatchObject({ code: 'SD_DISCLOSURE_INVALID' })
    }
  })

  it('refuses a credential whose status or validity bound a holder could withhold', async () => {
    const { validUntil, credentialStatus, ...rest } = degree()
    // validUntil as a Disclosure: the same token shown without it would never expire.
    const bound = await handBuilt({ ...rest, credentialStatus }, { validUntil })
    const boundResult = await verifyVcSdJwt(bound, { resolver, now: NOW })
    expect(boundResult.verified).toBe(false)
    expect(boundResult.errors.map((e) => e.message)).toContain(
      'validUntil must not be selectively disclosable (a holder could withhold it)',
    )
    // A disclosable part inside credentialStatus, withheld: the status cannot be checked.
    const { statusListIndex: _, ...entry } = credentialStatus as Record<string, unknown>
    const hidden = await handBuilt(
      { ...rest, validUntil, credentialStatus: entry },
      { statusListIndex: '94567' },
      {
        at: (c) => c.credentialStatus as Record<string, unknown>,
      },
    )
    const [jwt] = hidden.split('~')
    const withheld = await verifyVcSdJwt(`${jwt}~`, { resolver, now: NOW })
    expect(codes(withheld)).toContain('SD_DISCLOSURE_INVALID')
  })

  it('checks the validity window and the data model of the disclosed credential', async () => {
    const token = await issueVcSdJwt(degree(), { signer: university.signer, disclosable })
    expect(
      codes(await verifyVcSdJwt(token, { resolver, now: Date.parse('2032-01-01T00:00:00Z') / 1000 })),
    ).toEqual(['CREDENTIAL_EXPIRED'])
    expect(
      codes(await verifyVcSdJwt(token, { resolver, now: Date.parse('2025-01-01T00:00:00Z') / 1000 })),
    ).toEqual(['CREDENTIAL_NOT_YET_VALID'])
    await expect(
      issueVcSdJwt(
        { ...degree(), '@context': ['https://www.w3.org/2018/credentials/v1'] },
        { signer: university.signer },
      ),
    ).rejects.toMatchObject({ code: 'CREDENTIAL_INVALID' })
    const { issuer: _, ...noIssuer } = degree()
    const anonymous = await handBuilt(noIssuer, { issuer: university.did })
    expect(codes(await verifyVcSdJwt(anonymous, { resolver, now: NOW }))).toEqual(['CLAIM_INVALID'])
    expect(codes(await verifyVcSdJwt(anonymous, { publicJwk: university.jwk, now: NOW }))).toContain(
      'SD_DISCLOSURE_INVALID',
    )
  })

  it('keyTime "issuance" asks for the key at validFrom (issueVcSdJwt sets no iat), or at iat when there is one', async () => {
    const at: number[] = []
    const getKey = (request: KeyRequest) => {
      at.push(request.at)
      return { publicJwk: university.jwk }
    }
    const token = await issueVcSdJwt(degree(), { signer: university.signer, disclosable })
    const result = await verifyVcSdJwt(token, { now: NOW, getKey, keyTime: 'issuance' })
    expect(result.errors).toEqual([])
    const iat = NOW - 3_600
    const withIat = await handBuilt({ ...degree(), iat }, {})
    expect((await verifyVcSdJwt(withIat, { now: NOW, getKey, keyTime: 'issuance' })).errors).toEqual([])
    expect(at).toEqual([Date.parse('2026-01-01T00:00:00Z') / 1000, iat])
  })

  it("is signed by the issuer's assertionMethod key: another key is SIGNATURE_INVALID", async () => {
    const other = await party()
    const token = await issueVcSdJwt(degree(), { signer: other.signer, kid: university.kid })
    expect(codes(await verifyVcSdJwt(token, { resolver, now: NOW }))).toEqual(['SIGNATURE_INVALID'])
  })
})

describe('vp+sd-jwt (vc-jose-cose §3.2.2)', () => {
  async function presentation(nonce = NONCE) {
    const token = await issueVcSdJwt(degree(), {
      signer: university.signer,
      disclosable,
      holderJwk: student.jwk,
    })
    const presented = await presentSdJwt(token, {
      disclose: ['/credentialSubject/degree'],
      keyBinding: { signer: student.signer, nonce, audience: AUDIENCE, iat: NOW },
    })
    return issueVpSdJwt(
      {
        '@context': [VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: student.did,
        verifiableCredential: [presented],
      },
      { signer: student.signer, nonce: NONCE, audience: AUDIENCE, iat: NOW },
    )
  }

  it('envelopes each credential and signs the presentation as an SD-JWT (typ vp+sd-jwt, cty vp)', async () => {
    const vp = await presentation()
    expect(vp.endsWith('~')).toBe(true)
    const { header, payload } = decodeJwt(splitSdJwt(vp).jwt)
    expect(header).toMatchObject({ typ: 'vp+sd-jwt', cty: 'vp', kid: student.kid })
    expect(payload).toMatchObject({ aud: AUDIENCE, nonce: NONCE, iat: NOW, exp: NOW + 300 })
    expect((payload.verifiableCredential as { id: string }[])[0]!.id).toMatch(
      /^data:application\/vc\+sd-jwt,ey/,
    )
    const result = await verifyVpSdJwt(vp, { resolver, nonce: NONCE, audience: AUDIENCE, now: NOW })
    expect(codes(result)).toEqual([])
    expect(result.holder).toBe(student.did)
    expect(result.credentials[0]?.credential?.credentialSubject).toMatchObject({
      degree: { type: 'ExampleBachelorDegree' },
    })
  })

  it('another nonce or audience, an enclosed KB-JWT for another nonce, an expired presentation: refused', async () => {
    const vp = await presentation()
    expect(
      codes(await verifyVpSdJwt(vp, { resolver, nonce: 'other', audience: AUDIENCE, now: NOW })),
    ).toContain('NONCE_MISMATCH')
    expect(
      codes(await verifyVpSdJwt(vp, { resolver, nonce: NONCE, audience: 'https://other.example', now: NOW })),
    ).toContain('AUDIENCE_MISMATCH')
    const mixed = await presentation('stale-nonce')
    expect(
      codes(await verifyVpSdJwt(mixed, { resolver, nonce: NONCE, audience: AUDIENCE, now: NOW })),
    ).toEqual(['NONCE_MISMATCH'])
    expect(
      codes(await verifyVpSdJwt(vp, { resolver, nonce: NONCE, audience: AUDIENCE, now: NOW + 3_600 })),
    ).toContain('PRESENTATION_EXPIRED')
  })

  it('a presentation naming another holder than its signer is refused', async () => {
    const mallory = await party()
    const vp = await issueVpSdJwt(
      { '@context': [VCDM_2_0_CONTEXT], type: ['VerifiablePresentation'], holder: student.did },
      { signer: mallory.signer, nonce: NONCE, audience: AUDIENCE, iat: NOW },
    )
    const result = await verifyVpSdJwt(vp, { resolver, nonce: NONCE, audience: AUDIENCE, now: NOW })
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['KEY_NOT_FOUND'])
  })
})

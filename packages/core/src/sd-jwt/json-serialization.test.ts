import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { issueSdJwtVc } from './issue.js'
import {
  addSdJwtSignatures,
  DEFAULT_MAX_SD_JWT_SIGNATURES,
  type SdJwtFlattenedJson,
  type SdJwtGeneralJson,
  sdJwtFromJson,
  sdJwtToJson,
} from './json-serialization.js'
import { presentSdJwt } from './present.js'
import { verifySdJwt } from './verify.js'

const NOW = 1_750_000_000

async function fixture() {
  const issuer = await generateKeyPair('ES256')
  const rollover = await generateKeyPair('ES256')
  const holder = await generateKeyPair('ES256')
  const compact = await issueSdJwtVc(
    {
      vct: 'urn:eudi:pid:1',
      iss: 'https://pid-provider.example.eu',
      iat: NOW,
      cnf: { jwk: holder.publicJwk },
      claims: { given_name: 'Erika', family_name: 'Mustermann' },
      disclosable: ['/given_name', '/family_name'],
    },
    { signer: localSigner(issuer.privateJwk) },
  )
  return { issuer, rollover, holder, compact }
}

describe('SD-JWT in JWS JSON Serialization (RFC 9901 §8)', () => {
  it('flattened: disclosures and kb_jwt travel in the unprotected header; the result stays JSON', async () => {
    const { issuer, holder, compact } = await fixture()
    const json = sdJwtToJson(compact, 'flattened') as SdJwtFlattenedJson
    expect(json.header.disclosures).toHaveLength(2)
    expect(sdJwtFromJson(json).compact).toBe(compact)
    const presented = (await presentSdJwt(json, {
      disclose: { given_name: true },
      keyBinding: { signer: localSigner(holder.privateJwk), nonce: 'n', audience: 'a', iat: NOW },
    })) as SdJwtFlattenedJson
    expect(presented.header.disclosures).toHaveLength(1)
    expect(typeof presented.header.kb_jwt).toBe('string')
    const result = await verifySdJwt(presented, {
      publicJwk: issuer.publicJwk,
      now: NOW,
      nonce: 'n',
      audience: 'a',
    })
    expect(result.errors).toEqual([])
    expect(result.claims).toMatchObject({ given_name: 'Erika' })
  })

  it('general: any one of several issuer signatures verifies; a foreign key does not', async () => {
    const { issuer, rollover, compact } = await fixture()
    const json = await addSdJwtSignatures(compact, [{ signer: localSigner(rollover.privateJwk) }])
    expect(json.signatures).toHaveLength(2)
    for (const key of [issuer.publicJwk, rollover.publicJwk]) {
      expect((await verifySdJwt(json, { publicJwk: key, now: NOW })).errors).toEqual([])
    }
    const stranger = await generateKeyPair('ES256')
    const result = await verifySdJwt(json, { publicJwk: stranger.publicJwk, now: NOW })
    expect(result.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID'])
  })

  it('rejects a JSON SD-JWT without the disclosures header', async () => {
    const { issuer, compact } = await fixture()
    const { header: _h, ...bare } = sdJwtToJson(compact, 'flattened') as SdJwtFlattenedJson
    const result = await verifySdJwt(bare as unknown as SdJwtFlattenedJson, {
      publicJwk: issuer.publicJwk,
      now: NOW,
    })
    expect(result.errors.map((e) => e.code)).toEqual(['SD_JWT_INVALID'])
  })
})

describe('General JSON Serialization: only a verified signature speaks', () => {
  it("the typ checked is the verifying signature's, not an unverified first signature's", async () => {
    const issuer = await generateKeyPair('ES256')
    const attacker = await generateKeyPair('ES256')
    // The issuer signed this payload as some other type; a forged first signature claims dc+sd-jwt.
    const forgedFirst = await issueSdJwtVc(
      { vct: 'urn:x', iss: 'https://issuer.example', iat: NOW, claims: { a: 1 }, disclosable: ['/a'] },
      { signer: localSigner(attacker.privateJwk) },
    )
    const general = await addSdJwtSignatures(forgedFirst, [
      { signer: localSigner(issuer.privateJwk), header: { typ: 'example+jwt' } },
    ])
    const result = await verifySdJwt(general, { publicJwk: issuer.publicJwk, now: NOW })
    expect(result.verified).toBe(false)
    expect(result.errors.map((e) => e.code)).toEqual(['FORMAT_MISMATCH'])
    expect(result.header?.typ).toBe('example+jwt')
  })
})

describe('JSON Serialization bounds: signatures, size and work are capped however the input arrives', () => {
  async function general(signatureCount: number) {
    const { issuer, compact } = await fixture()
    const json = sdJwtToJson(compact, 'general') as SdJwtGeneralJson
    const [first] = json.signatures
    // Copies of the genuine signature stand in for further signers: the count is what matters.
    const signatures = Array.from({ length: signatureCount }, (_, i) =>
      i === 0 ? first! : { protected: first!.protected, signature: first!.signature },
    )
    return { issuer, json: { ...json, signatures } }
  }

  it(`more than ${DEFAULT_MAX_SD_JWT_SIGNATURES} signatures is INPUT_TOO_LARGE before any decoding`, async () => {
    const { json } = await general(DEFAULT_MAX_SD_JWT_SIGNATURES + 1)
    expect(() => sdJwtFromJson(json)).toThrowError(expect.objectContaining({ code: 'INPUT_TOO_LARGE' }))
    expect(sdJwtFromJson(json, { maxSignatures: 16 }).otherSignatures).toHaveLength(
      DEFAULT_MAX_SD_JWT_SIGNATURES,
    )
  })

  it('verifySdJwt given 6,001 signatures answers verified: false with INPUT_TOO_LARGE, as text and as an object', async () => {
    const { issuer, json } = await general(6001)
    for (const token of [json, JSON.stringify(json)]) {
      const result = await verifySdJwt(token as never, { publicJwk: issuer.publicJwk, now: NOW })
      expect(result.verified).toBe(false)
      expect(result.errors.map((e) => e.code)).toEqual(['INPUT_TOO_LARGE'])
    }
  })

  it('the payload is decoded once: every further signature shares the same payload bytes', async () => {
    const { issuer, json } = await general(3)
    const { otherSignatures } = sdJwtFromJson(json)
    expect(otherSignatures).toHaveLength(2)
    expect(otherSignatures[0]!.payload).toBe(otherSignatures[1]!.payload)
    expect(otherSignatures[0]!.header.alg).toBe('ES256')
    const result = await verifySdJwt(json, { publicJwk: issuer.publicJwk, now: NOW })
    expect(result.errors).toEqual([])
  })

  it('an object input is bounded like a string: a 3 MiB Disclosure is INPUT_TOO_LARGE', async () => {
    const { compact } = await fixture()
    const json = sdJwtToJson(compact, 'flattened') as SdJwtFlattenedJson
    const big = { ...json, header: { ...json.header, disclosures: ['A'.repeat(3 * 1024 * 1024)] } }
    expect(() => sdJwtFromJson(big)).toThrowError(expect.objectContaining({ code: 'INPUT_TOO_LARGE' }))
    expect(() => sdJwtFromJson(json, { maxLength: 100 })).toThrowError(
      expect.objectContaining({ code: 'INPUT_TOO_LARGE' }),
    )
  })

  it('a malformed further signature is SD_JWT_INVALID; a bad option is INVALID_ARGUMENT', async () => {
    const { json } = await general(2)
    const broken = { ...json, signatures: [json.signatures[0]!, { protected: 'e30', signature: 'AA' }] }
    expect(() => sdJwtFromJson(broken)).toThrowError(expect.objectContaining({ code: 'SD_JWT_INVALID' }))
    expect(() => sdJwtFromJson(json, { maxSignatures: Number.NaN })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

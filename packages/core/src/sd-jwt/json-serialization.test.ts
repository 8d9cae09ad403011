import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { issueSdJwtVc } from './issue.js'
import {
  addSdJwtSignatures,
  type SdJwtFlattenedJson,
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
      issuerJwk: issuer.publicJwk,
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
      expect((await verifySdJwt(json, { issuerJwk: key, now: NOW })).errors).toEqual([])
    }
    const stranger = await generateKeyPair('ES256')
    const result = await verifySdJwt(json, { issuerJwk: stranger.publicJwk, now: NOW })
    expect(result.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID'])
  })

  it('rejects a JSON SD-JWT without the disclosures header', async () => {
    const { issuer, compact } = await fixture()
    const { header: _h, ...bare } = sdJwtToJson(compact, 'flattened') as SdJwtFlattenedJson
    const result = await verifySdJwt(bare as unknown as SdJwtFlattenedJson, {
      issuerJwk: issuer.publicJwk,
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
    const result = await verifySdJwt(general, { issuerJwk: issuer.publicJwk, now: NOW })
    expect(result.verified).toBe(false)
    expect(result.errors.map((e) => e.code)).toEqual(['FORMAT_MISMATCH'])
    expect(result.header?.typ).toBe('example+jwt')
  })
})

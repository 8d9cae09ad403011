import { beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { base64urlEncode } from '../encoding/base64url.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { createDisclosure } from './disclosure.js'
import { sdDigest } from './hash.js'
import { issueSdJwt, issueSdJwtVc } from './issue.js'
import { createKeyBindingJwt } from './key-binding.js'
import { presentSdJwt } from './present.js'
import { joinSdJwt, splitSdJwt } from './serialization.js'
import { verifySdJwt } from './verify.js'

const NOW = 1_750_000_000
const NONCE = 'n-0S6_WzA2Mj'
const AUD = 'https://verifier.example.eu'

let issuer: { signer: Signer; jwk: Jwk }
let holder: { signer: Signer; jwk: Jwk }
let issued: string

async function keys() {
  const pair = await generateKeyPair('ES256')
  return { signer: localSigner(pair.privateJwk), jwk: pair.publicJwk }
}

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

beforeAll(async () => {
  issuer = await keys()
  holder = await keys()
  issued = await issueSdJwtVc(
    {
      vct: 'urn:eudi:pid:1',
      iss: 'https://pid-provider.example.eu',
      iat: NOW - 3600,
      exp: NOW + 86_400,
      cnf: { jwk: holder.jwk },
      status: { status_list: { idx: 412, uri: 'https://pid-provider.example.eu/status/1' } },
      claims: {
        given_name: 'Erika',
        family_name: 'Mustermann',
        birthdate: '1964-08-12',
        address: { locality: 'Berlin', country: 'DE', street_address: 'Heidestraße 17' },
        nationalities: ['DE', 'FR'],
        age_equal_or_over: { '18': true, '65': false },
      },
      disclosable: {
        _sd: ['given_name', 'family_name', 'birthdate', 'address'],
        _sd_decoy: 3,
        address: { _sd: ['street_address', 'locality'] },
        nationalities: { _sd: [0, 1], _sd_decoy: 1 },
        age_equal_or_over: { _sd: ['18', '65'] },
      },
    },
    { signer: issuer.signer },
  )
})

async function presentation(disclose: Parameters<typeof presentSdJwt>[1]['disclose'], iat = NOW) {
  return presentSdJwt(issued, {
    disclose,
    keyBinding: { signer: holder.signer, nonce: NONCE, audience: AUD, iat },
  })
}

describe('SD-JWT VC issuance, presentation and verification', () => {
  it('discloses only what the holder chooses, nested and array elements included', async () => {
    const token = await presentation({
      given_name: true,
      address: { locality: true },
      nationalities: [false, true],
    })
    const result = await verifySdJwt(token, { publicJwk: issuer.jwk, now: NOW, nonce: NONCE, audience: AUD })
    expect(codes(result)).toEqual([])
    expect(result.verified).toBe(true)
    expect(result.format).toBe('dc+sd-jwt')
    expect(result.header?.typ).toBe('dc+sd-jwt')
    expect(result.claims).toMatchObject({
      vct: 'urn:eudi:pid:1',
      given_name: 'Erika',
      address: { locality: 'Berlin', country: 'DE' },
      nationalities: ['FR'],
      age_equal_or_over: {},
    })
    expect(result.claims).not.toHaveProperty('family_name')
    expect(result.claims?.address).not.toHaveProperty('street_address')
    expect(result.disclosures?.map((d) => d.path).sort()).toEqual([
      '/address',
      '/address/locality',
      '/given_name',
      '/nationalities/0',
    ])
  })

  it('accepts JSON Pointers for disclosure', async () => {
    const token = await presentation(['/age_equal_or_over/18', '/birthdate'])
    const result = await verifySdJwt(token, { publicJwk: issuer.jwk, now: NOW, nonce: NONCE, audience: AUD })
    expect(result.claims).toMatchObject({ birthdate: '1964-08-12', age_equal_or_over: { '18': true } })
  })

  it('adds decoy digests so the number of hidden claims does not show', () => {
    const payload = JSON.parse(Buffer.from(splitSdJwt(issued).jwt.split('.')[1]!, 'base64url').toString())
    expect(payload._sd).toHaveLength(4 + 3)
    expect(payload.nationalities).toHaveLength(3)
    expect([...payload._sd].sort()).toEqual(payload._sd)
  })

  it('keeps iss, vct, cnf, status and exp in the clear', async () => {
    await expect(
      issueSdJwtVc(
        { vct: 'urn:x', iss: 'https://i.example', claims: {}, disclosable: ['/vct'] },
        { signer: issuer.signer },
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('refuses "_sd" and "..." as claim names when issuing', async () => {
    for (const name of ['_sd', '...']) {
      await expect(issueSdJwt({ [name]: 1 }, {}, { signer: issuer.signer })).rejects.toMatchObject({
        code: 'SD_CLAIM_NAME_RESERVED',
      })
    }
  })
})

describe('SD-JWT rejects bad input, each with its own code', () => {
  it('a Disclosure whose digest is not referenced: SD_DISCLOSURE_UNREFERENCED', async () => {
    const forged = createDisclosure('sha-256', 'Admin', 'role').encoded
    const { jwt, disclosures } = splitSdJwt(await presentSdJwt(issued, { disclose: { given_name: true } }))
    const result = await verifySdJwt(joinSdJwt(jwt, [...disclosures, forged]), {
      publicJwk: issuer.jwk,
      now: NOW,
    })
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['SD_DISCLOSURE_UNREFERENCED'])
  })

  it('a digest referenced twice: SD_DIGEST_DUPLICATE', async () => {
    const d = createDisclosure('sha-256', 'Erika', 'given_name')
    const jwt = await signJws(
      {
        iss: 'https://i.example',
        vct: 'urn:x',
        _sd: [d.digest],
        nested: { _sd: [d.digest] },
        _sd_alg: 'sha-256',
      },
      issuer.signer,
      { typ: 'dc+sd-jwt' },
    )
    const result = await verifySdJwt(joinSdJwt(jwt, [d.encoded]), { publicJwk: issuer.jwk, now: NOW })
    expect(codes(result)).toEqual(['SD_DIGEST_DUPLICATE'])
  })

  it('a digest repeated across an array element, a recursive Disclosure or as an undisclosed decoy: SD_DIGEST_DUPLICATE', async () => {
    const element = createDisclosure('sha-256', 'DE')
    const inner = createDisclosure('sha-256', 'Berlin', 'locality')
    // The parent Disclosure's value references the digest the payload also references.
    const parent = createDisclosure('sha-256', { _sd: [inner.digest] }, 'address')
    const decoy = sdDigest('sha-256', 'decoy')
    for (const [payload, disclosures] of [
      [{ _sd: [element.digest], nationalities: [{ '...': element.digest }] }, [element.encoded]],
      [{ _sd: [parent.digest], other: { _sd: [inner.digest] } }, [parent.encoded, inner.encoded]],
      [{ nationalities: [{ '...': decoy }, { '...': decoy }] }, []],
    ] as const) {
      const jwt = await signJws(
        { iss: 'https://i.example', vct: 'urn:x', ...payload, _sd_alg: 'sha-256' },
        issuer.signer,
        { typ: 'dc+sd-jwt' },
      )
      const result = await verifySdJwt(joinSdJwt(jwt, [...disclosures]), { publicJwk: issuer.jwk, now: NOW })
      expect(codes(result)).toEqual(['SD_DIGEST_DUPLICATE'])
    }
  })

  it('the same Disclosure presented twice: SD_DIGEST_DUPLICATE', async () => {
    const { jwt, disclosures } = splitSdJwt(await presentSdJwt(issued, { disclose: { given_name: true } }))
    const result = await verifySdJwt(joinSdJwt(jwt, [disclosures[0]!, disclosures[0]!]), {
      publicJwk: issuer.jwk,
      now: NOW,
    })
    expect(codes(result)).toEqual(['SD_DIGEST_DUPLICATE'])
  })

  it('"_sd" or "..." as a disclosed claim name: SD_CLAIM_NAME_RESERVED', async () => {
    for (const name of ['_sd', '...']) {
      const encoded = base64urlEncode(JSON.stringify(['c2FsdHNhbHRzYWx0', name, 'x']))
      const jwt = await signJws(
        { iss: 'https://i.example', vct: 'urn:x', _sd: [sdDigest('sha-256', encoded)], _sd_alg: 'sha-256' },
        issuer.signer,
        { typ: 'dc+sd-jwt' },
      )
      const result = await verifySdJwt(joinSdJwt(jwt, [encoded]), { publicJwk: issuer.jwk, now: NOW })
      expect(codes(result)).toEqual(['SD_CLAIM_NAME_RESERVED'])
    }
  })

  it('re-ordered Disclosures under a KB-JWT: KB_SD_HASH_MISMATCH', async () => {
    const token = await presentation({ given_name: true, family_name: true })
    const { jwt, disclosures, kbJwt } = splitSdJwt(token)
    expect(disclosures).toHaveLength(2)
    const reordered = joinSdJwt(jwt, [...disclosures].reverse(), kbJwt)
    const result = await verifySdJwt(reordered, {
      publicJwk: issuer.jwk,
      now: NOW,
      nonce: NONCE,
      audience: AUD,
    })
    expect(codes(result)).toEqual(['KB_SD_HASH_MISMATCH'])
  })

  it('a KB-JWT with the wrong nonce: NONCE_MISMATCH; wrong audience: AUDIENCE_MISMATCH', async () => {
    const token = await presentation({ given_name: true })
    const wrongNonce = await verifySdJwt(token, {
      publicJwk: issuer.jwk,
      now: NOW,
      nonce: 'other',
      audience: AUD,
    })
    expect(codes(wrongNonce)).toEqual(['NONCE_MISMATCH'])
    const wrongAud = await verifySdJwt(token, {
      publicJwk: issuer.jwk,
      now: NOW,
      nonce: NONCE,
      audience: 'https://evil.example',
    })
    expect(codes(wrongAud)).toEqual(['AUDIENCE_MISMATCH'])
  })

  it('a stale or future KB-JWT iat: KB_IAT_INVALID', async () => {
    for (const iat of [NOW - 3600, NOW + 3600]) {
      const result = await verifySdJwt(await presentation({ given_name: true }, iat), {
        publicJwk: issuer.jwk,
        now: NOW,
        nonce: NONCE,
        audience: AUD,
      })
      expect(codes(result)).toEqual(['KB_IAT_INVALID'])
    }
  })

  it('a KB-JWT signed by another key: KB_JWT_INVALID; none when one is required: KB_JWT_MISSING', async () => {
    const { jwt, disclosures, sdJwt } = splitSdJwt(await presentSdJwt(issued, { disclose: {} }))
    const stranger = await keys()
    const kb = await createKeyBindingJwt(sdJwt, 'sha-256', {
      signer: stranger.signer,
      nonce: NONCE,
      audience: AUD,
      iat: NOW,
    })
    const wrongKey = await verifySdJwt(joinSdJwt(jwt, disclosures, kb), {
      publicJwk: issuer.jwk,
      now: NOW,
      nonce: NONCE,
      audience: AUD,
    })
    expect(codes(wrongKey)).toEqual(['KB_JWT_INVALID'])
    const missing = await verifySdJwt(sdJwt, { publicJwk: issuer.jwk, now: NOW, nonce: NONCE, audience: AUD })
    expect(codes(missing)).toEqual(['KB_JWT_MISSING'])
  })

  it('10,000 Disclosures: SD_TOO_MANY_DISCLOSURES before any hashing', async () => {
    const { jwt } = splitSdJwt(issued)
    const flood = joinSdJwt(
      jwt,
      Array.from({ length: 10_000 }, () => 'WyJzYWx0IiwgIm4iLCAxXQ'),
    )
    const result = await verifySdJwt(flood, { publicJwk: issuer.jwk, now: NOW })
    expect(codes(result)).toEqual(['SD_TOO_MANY_DISCLOSURES'])
  })

  it('a tampered issuer signature: SIGNATURE_INVALID', async () => {
    const { jwt, disclosures } = splitSdJwt(issued)
    const [h, p, s] = jwt.split('.')
    const tampered = `${h}.${p}.${s![0] === 'A' ? 'B' : 'A'}${s!.slice(1)}`
    const result = await verifySdJwt(joinSdJwt(tampered, disclosures), { publicJwk: issuer.jwk, now: NOW })
    expect(codes(result)).toEqual(['SIGNATURE_INVALID'])
  })

  it('time claims: iat as a string is CLAIM_INVALID, exp before nbf is TIME_ORDER_INVALID, expiry is reported', async () => {
    const stringIat = await issueSdJwt(
      { iss: 'https://i.example', vct: 'urn:x', iat: '1750000000' },
      {},
      {
        signer: issuer.signer,
        typ: 'dc+sd-jwt',
      },
    )
    expect(codes(await verifySdJwt(stringIat, { publicJwk: issuer.jwk, now: NOW }))).toEqual([
      'CLAIM_INVALID',
    ])
    const reversed = await issueSdJwt(
      { iss: 'https://i.example', vct: 'urn:x', nbf: NOW, exp: NOW - 10 },
      {},
      {
        signer: issuer.signer,
        typ: 'dc+sd-jwt',
      },
    )
    expect(codes(await verifySdJwt(reversed, { publicJwk: issuer.jwk, now: NOW }))).toContain(
      'TIME_ORDER_INVALID',
    )
    const expired = await verifySdJwt(issued, { publicJwk: issuer.jwk, now: NOW + 10 * 86_400 })
    expect(codes(expired)).toEqual(['CREDENTIAL_EXPIRED'])
  })

  it('SD-JWT VC rules: typ dc+sd-jwt (FORMAT_MISMATCH), vct (CLAIM_INVALID), clear-text iss (SD_DISCLOSURE_INVALID)', async () => {
    const plain = await issueSdJwt(
      { iss: 'https://i.example', vct: 'urn:x' },
      {},
      { signer: issuer.signer, typ: 'JWT' },
    )
    expect(codes(await verifySdJwt(plain, { publicJwk: issuer.jwk, now: NOW }))).toEqual(['FORMAT_MISMATCH'])
    const noVct = await issueSdJwt(
      { iss: 'https://i.example' },
      {},
      { signer: issuer.signer, typ: 'dc+sd-jwt' },
    )
    expect(codes(await verifySdJwt(noVct, { publicJwk: issuer.jwk, now: NOW }))).toEqual(['CLAIM_INVALID'])
    const hiddenIss = await issueSdJwt({ iss: 'https://i.example', vct: 'urn:x' }, ['/iss'], {
      signer: issuer.signer,
      typ: 'dc+sd-jwt',
    })
    const result = await verifySdJwt(hiddenIss, { publicJwk: issuer.jwk, now: NOW })
    expect(codes(result)).toContain('SD_DISCLOSURE_INVALID')
  })

  it('a claim named __proto__ stays a claim and never becomes a prototype', async () => {
    const d = createDisclosure('sha-256', { isAdmin: true }, '__proto__')
    const jwt = await signJws(
      { iss: 'https://i.example', vct: 'urn:x', _sd: [d.digest], _sd_alg: 'sha-256' },
      issuer.signer,
      { typ: 'dc+sd-jwt' },
    )
    const result = await verifySdJwt(joinSdJwt(jwt, [d.encoded]), { publicJwk: issuer.jwk, now: NOW })
    expect(result.errors).toEqual([])
    expect(Object.getPrototypeOf(result.claims)).toBe(Object.prototype)
    expect(Object.hasOwn(result.claims!, '__proto__')).toBe(true)
    expect((result.claims as { isAdmin?: boolean }).isAdmin).toBeUndefined()
  })

  it('an SD-JWT without iss does not verify through whatever DID its kid names: CLAIM_INVALID', async () => {
    const pair = await generateKeyPair('ES256')
    const did = didJwkFromJwk(pair.publicJwk)
    const token = await issueSdJwt({ given_name: 'Erika' }, ['/given_name'], {
      signer: localSigner(pair.privateJwk, { kid: `${did}#0` }),
    })
    const resolver = createResolver({ web: false, cache: false })
    const result = await verifySdJwt(token, { resolver, profile: 'sd-jwt', now: NOW })
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['CLAIM_INVALID'])
  })

  it('a selectively disclosed exp still expires the SD-JWT (profile sd-jwt)', async () => {
    const token = await issueSdJwt({ iss: 'https://i.example', exp: NOW - 3600 }, ['/exp'], {
      signer: issuer.signer,
    })
    const result = await verifySdJwt(token, { publicJwk: issuer.jwk, profile: 'sd-jwt', now: NOW })
    expect(codes(result)).toEqual(['CREDENTIAL_EXPIRED'])
  })

  it('a typ no String() can print ({"toString": null}) is FORMAT_MISMATCH, not a raw TypeError', async () => {
    const header = base64urlEncode(
      new TextEncoder().encode(JSON.stringify({ alg: 'ES256', typ: { toString: null } })),
    )
    const payload = base64urlEncode(
      new TextEncoder().encode(
        JSON.stringify({ iss: 'https://i.example', vct: 'urn:x', _sd_alg: 'sha-256' }),
      ),
    )
    const signature = await issuer.signer.sign(new TextEncoder().encode(`${header}.${payload}`))
    const token = `${header}.${payload}.${base64urlEncode(signature)}~`
    const result = await verifySdJwt(token, { publicJwk: issuer.jwk, now: NOW })
    expect(result.verified).toBe(false)
    expect(codes(result)).toEqual(['FORMAT_MISMATCH'])
    expect(result.errors[0]?.message).toContain('an object')
  })

  it('malformed tokens never throw', async () => {
    for (const token of [
      '',
      'abc',
      'a.b.c',
      '~',
      `${splitSdJwt(issued).jwt}~%%%~`,
      42 as unknown as string,
    ]) {
      const result = await verifySdJwt(token, { publicJwk: issuer.jwk, now: NOW })
      expect(result.verified).toBe(false)
      expect(result.errors.length).toBeGreaterThan(0)
    }
  })

  it('API misuse throws INVALID_ARGUMENT', async () => {
    await expect(verifySdJwt(issued, {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(
      verifySdJwt(issued, { publicJwk: issuer.jwk, nonce: NONCE, requireKeyBinding: false }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    for (const limit of ['maxDisclosures', 'maxLength', 'keyBindingMaxAgeSeconds']) {
      await expect(verifySdJwt(issued, { publicJwk: issuer.jwk, [limit]: Number.NaN })).rejects.toMatchObject(
        {
          code: 'INVALID_ARGUMENT',
        },
      )
    }
  })
})

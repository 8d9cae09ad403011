import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { type CivitasErrorCode, isCivitasError } from '../errors/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { decodeJws, decodeJwt } from './decode.js'
import vectors from './fixtures/rfc-jws.json' with { type: 'json' }
import { signJws } from './sign.js'
import { verifyJws } from './verify.js'

async function rejects(promise: Promise<unknown> | (() => unknown), code: CivitasErrorCode): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    if (!isCivitasError(error)) throw new Error(`expected CivitasError ${code}, got ${String(error)}`)
    expect(error.code).toBe(code)
    return
  }
  throw new Error(`expected CivitasError ${code}, but nothing was thrown`)
}

/** A validly signed JWS with any header: what another producer could send us. */
async function signWithRawHeader(header: Record<string, unknown>, privateJwk: Jwk): Promise<string> {
  const input = `${base64urlEncode(JSON.stringify(header))}.${base64urlEncode('{}')}`
  const signature = await localSigner(privateJwk).sign(new TextEncoder().encode(input))
  return `${input}.${base64urlEncode(signature)}`
}

describe('strict base64url: one spelling per value (RFC 4648 §3.5)', () => {
  const v = vectors.rfc7515_a3_es256
  const [h, p, s] = v.jws.split('.') as [string, string, string]
  // 64 signature bytes are 86 characters: the last one carries 2 data bits and 4 unused bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const respelled = alphabet[alphabet.indexOf(s.at(-1)!) | 1]!

  it('a signature re-spelled with non-zero unused bits is INVALID_ENCODING, not the same signature', async () => {
    const other = `${s.slice(0, -1)}${respelled}`
    // A lax decoder (Node's Buffer) reads both spellings as the same 64 bytes.
    expect(other).not.toBe(s)
    expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(s, 'base64url'))
    await rejects(verifyJws(`${h}.${p}.${s.slice(0, -1)}${respelled}`, v.publicJwk), 'INVALID_ENCODING')
  })
  it('non-canonical tails of both lengths are refused; canonical ones decode', () => {
    expect(base64urlDecode('AA')).toEqual(new Uint8Array([0]))
    expect(base64urlDecode('AAA')).toEqual(new Uint8Array([0, 0]))
    expect(() => base64urlDecode('AB')).toThrowError(expect.objectContaining({ code: 'INVALID_ENCODING' }))
    expect(() => base64urlDecode('AAB')).toThrowError(expect.objectContaining({ code: 'INVALID_ENCODING' }))
    expect(() => base64urlDecode('A')).toThrowError(expect.objectContaining({ code: 'INVALID_ENCODING' }))
  })
})

describe('input guards on options and headers', () => {
  it('a maxLength that is not a positive integer is INVALID_ARGUMENT (NaN would disable the limit)', () => {
    for (const maxLength of [Number.NaN, -1, 0, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => decodeJws('a.b.c', { maxLength })).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })
  it('a header that sets "alg" to undefined cannot strip the algorithm from the token', async () => {
    const keys = await generateKeyPair('ES256')
    await rejects(signJws({}, localSigner(keys.privateJwk), { alg: undefined }), 'ALG_KEY_MISMATCH')
  })
  it('"b64": false marked critical (RFC 7797) is not understood: INVALID_JWS', async () => {
    const keys = await generateKeyPair('ES256')
    const jws = await signWithRawHeader({ alg: 'ES256', b64: false, crit: ['b64'] }, keys.privateJwk)
    await rejects(verifyJws(jws, keys.publicJwk), 'INVALID_JWS')
  })
})

describe('headers and payloads built by an attacker: never a raw TypeError, never a deep structure', () => {
  const p = base64urlEncode('{}')
  const s = base64urlEncode(new Uint8Array(64))
  const withHeader = (header: string) => `${base64urlEncode(header)}.${p}.${s}`

  it.each([
    ['a crit entry with toString: null', '{"alg":"ES256","crit":[{"toString":null}]}'],
    ['a crit entry that is an array', '{"alg":"ES256","crit":[["exp"]]}'],
    ['crit naming an inherited property', '{"alg":"ES256","crit":["constructor"]}'],
    ['crit naming __proto__', '{"alg":"ES256","crit":["__proto__"],"__proto__":1}'],
  ])('%s: INVALID_JWS from decodeJws and verifyJws', async (_name, header) => {
    await rejects(() => decodeJws(withHeader(header)), 'INVALID_JWS')
    await rejects(verifyJws(withHeader(header), vectors.rfc7515_a3_es256.publicJwk), 'INVALID_JWS')
  })

  it('an alg with toString: null is INVALID_JWS; a kid that is an object is INVALID_JWS', async () => {
    await rejects(() => decodeJws(withHeader('{"alg":{"toString":null}}')), 'INVALID_JWS')
    await rejects(() => decodeJws(withHeader('{"alg":"ES256","kid":{"toString":null}}')), 'INVALID_JWS')
  })

  it('a header or JWT payload nested 5,000 levels deep is INVALID_JWS, not a stack overflow later', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`
    expect(() => decodeJws(withHeader(`{"alg":"ES256","x":${deep}}`))).toThrowError(
      expect.objectContaining({ code: 'INVALID_JWS' }),
    )
    const jwt = `${base64urlEncode('{"alg":"ES256"}')}.${base64urlEncode(`{"vc":${deep}}`)}.${s}`
    expect(() => decodeJwt(jwt)).toThrowError(expect.objectContaining({ code: 'INVALID_JWS' }))
    expect(
      decodeJwt(`${base64urlEncode('{"alg":"ES256"}')}.${base64urlEncode('{"a":[[[1]]]}')}.${s}`).payload,
    ).toEqual({
      a: [[[1]]],
    })
  })

  it('options that are not an object fall back to the defaults; a hostile maxLength is INVALID_ARGUMENT', () => {
    const jws = withHeader('{"alg":"ES256"}')
    expect(decodeJws(jws, null as never).header.alg).toBe('ES256')
    expect(() => decodeJws(jws, { maxLength: { toString: null } as never })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import { isCivitasError } from '../errors/index.js'
import { algorithmForJwk, type Jwk } from './algorithms.js'
import { generateKeyPair } from './generate.js'
import { importJwk, jwkThumbprint, jwkThumbprintInput } from './jwk.js'

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `not a CivitasError: ${String(error)}`
  }
  return undefined
}

describe('importJwk guards every member', () => {
  it('accepts a public key and keeps its kid', async () => {
    const { publicJwk } = await generateKeyPair('ES256')
    expect(importJwk({ ...publicJwk, kid: 'k1', use: 'sig' })).toEqual({ alg: 'ES256', kid: 'k1', publicJwk })
  })

  it('rejects a private key whose d does not belong to its x/y', async () => {
    const a = await generateKeyPair('ES256')
    const b = await generateKeyPair('ES256')
    expect(code(() => importJwk({ ...a.publicJwk, d: b.privateJwk.d }))).toBe('KEY_INVALID')
    const e1 = await generateKeyPair('EdDSA')
    const e2 = await generateKeyPair('EdDSA')
    expect(code(() => importJwk({ ...e1.publicJwk, d: e2.privateJwk.d }))).toBe('KEY_INVALID')
  })

  it('rejects wrong lengths, missing members, bad encoding and points off the curve', async () => {
    const { publicJwk } = await generateKeyPair('ES256')
    expect(code(() => importJwk({ ...publicJwk, x: publicJwk.x!.slice(2) }))).toBe('KEY_INVALID')
    expect(code(() => importJwk({ kty: 'EC', crv: 'P-256', x: publicJwk.x }))).toBe('KEY_INVALID')
    expect(code(() => importJwk({ ...publicJwk, y: `${publicJwk.y!.slice(0, -1)}+` }))).toBe('KEY_INVALID')
    expect(code(() => importJwk({ ...publicJwk, y: publicJwk.x }))).toBe('KEY_INVALID')
    expect(code(() => importJwk({ ...publicJwk, d: 'AAAA' }))).toBe('KEY_INVALID')
  })

  it('names unsupported curves, symmetric keys and unknown key types', () => {
    expect(code(() => importJwk({ kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA' }))).toBe('UNSUPPORTED_CURVE')
    expect(code(() => importJwk({ kty: 'OKP', crv: 'X25519', x: 'AA' }))).toBe('UNSUPPORTED_CURVE')
    expect(code(() => importJwk({ kty: 'RSA', n: 'AA', e: 'AQAB' }))).toBe('UNSUPPORTED_CURVE')
    expect(code(() => importJwk({ kty: 'oct', k: 'AA' }))).toBe('UNSUPPORTED_ALG')
    expect(code(() => importJwk({ kty: 'XYZ' }))).toBe('KEY_INVALID')
    expect(code(() => importJwk({} as Jwk))).toBe('KEY_INVALID')
    expect(code(() => importJwk('{"kty":"EC"}' as unknown as Jwk))).toBe('KEY_INVALID')
  })

  it('rejects a JWK whose "alg" names another algorithm', async () => {
    const { publicJwk } = await generateKeyPair('ES256')
    expect(code(() => importJwk({ ...publicJwk, alg: 'ES256K' }))).toBe('ALG_KEY_MISMATCH')
  })
})

describe('RFC 7638 thumbprint', () => {
  it('member order and extra members do not change the thumbprint', async () => {
    const { publicJwk } = await generateKeyPair('ES256')
    const reordered = {
      y: publicJwk.y,
      x: publicJwk.x,
      crv: publicJwk.crv,
      kty: publicJwk.kty,
      kid: 'x',
      use: 'sig',
    }
    expect(await jwkThumbprint(reordered)).toBe(await jwkThumbprint(publicJwk))
  })
})

describe('jwkThumbprint over the RFC 7638 input (jwkThumbprintInput)', () => {
  it('RFC 7638 §3.1: the RSA example key has thumbprint NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    }
    expect(jwkThumbprintInput(jwk).startsWith('{"e":"AQAB","kty":"RSA","n":"0vx7')).toBe(true)
    expect(await jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs')
  })

  it('an off-curve EC key has no thumbprint, exactly like an off-curve Ed25519 key: KEY_INVALID', async () => {
    const ec = await generateKeyPair('ES256')
    const offCurve = { ...ec.publicJwk, y: ec.publicJwk.x }
    await expect(jwkThumbprint(offCurve)).rejects.toMatchObject({ code: 'KEY_INVALID' })
    const notAPoint = { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(new Uint8Array(32).fill(0xff)) }
    await expect(jwkThumbprint(notAPoint)).rejects.toMatchObject({ code: 'KEY_INVALID' })
  })

  it('messages about crv / alg / kty from untrusted JSON never call the value ({"toString": null})', async () => {
    const hostile = { toString: null }
    for (const jwk of [
      { kty: 'EC', crv: hostile, x: 'AA', y: 'AA' },
      { kty: hostile },
      { kty: 'RSA', n: 'AA', e: 'AQAB', alg: hostile },
    ]) {
      const error = await jwkThumbprint(jwk as unknown as Jwk).catch((e: unknown) => e)
      expect(isCivitasError(error), String((error as Error).message)).toBe(true)
    }
    const { publicJwk } = await generateKeyPair('ES256')
    expect(code(() => importJwk({ ...publicJwk, alg: hostile } as unknown as Jwk))).toBe('ALG_KEY_MISMATCH')
    expect(code(() => algorithmForJwk({ kty: 'EC', crv: hostile } as unknown as Jwk))).toBe(
      'UNSUPPORTED_CURVE',
    )
  })
})

describe('hostile arguments to the key helpers: a CivitasError, never a TypeError', () => {
  it.each([
    ['null', null],
    ['a string', 'jwk'],
    ['a BigInt member', { kty: 'EC', crv: 1n, x: 'AA', y: 'AA' }],
    ['a member with toString: null', { kty: 'OKP', crv: 'Ed25519', x: { toString: null } }],
  ])('%s', async (_name, jwk) => {
    expect(code(() => jwkThumbprintInput(jwk as never))).toBe('KEY_INVALID')
    const error = await jwkThumbprint(jwk as never).catch((e: unknown) => e)
    expect(isCivitasError(error), String(error)).toBe(true)
  })
})

/**
 * A key read from a DID document is held to the same rules as every key core verifies with
 * (keys/jwk.ts): one validator, so a DID cannot carry a key that the JOSE layer would refuse.
 */
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import type { Jwk } from '../keys/algorithms.js'
import { assertPublicJwk } from './public-jwk.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as Jwk
const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey.export({ format: 'jwk' }) as Jwk

describe('assertPublicJwk: DID document keys follow the JOSE key rules', () => {
  it('accepts RSA 2048 and P-521 keys, reduced to their required members', () => {
    expect(assertPublicJwk({ ...rsa, kid: 'k' })).toEqual({ kty: 'RSA', n: rsa.n, e: rsa.e })
    expect(assertPublicJwk(p521)).toEqual({ kty: 'EC', crv: 'P-521', x: p521.x, y: p521.y })
  })

  it('RSA public exponent 1 (every padded message its own signature) is KEY_INVALID', () => {
    expect(() => assertPublicJwk({ ...rsa, e: 'AQ' })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
  })

  it('an even RSA exponent and a modulus past 8192 bits are KEY_INVALID (invalidPublicKeyLength for the size)', () => {
    expect(() => assertPublicJwk({ ...rsa, e: 'AQAA' })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
    const huge = base64urlEncode(new Uint8Array(1100).fill(0xff))
    expect(() => assertPublicJwk({ kty: 'RSA', n: huge, e: 'AQAB' })).toThrow(
      expect.objectContaining({
        code: 'KEY_INVALID',
        details: expect.objectContaining({ resolutionError: 'invalidPublicKeyLength' }),
      }),
    )
  })

  it('an RSA modulus with a leading zero octet (a second spelling, a second thumbprint) is KEY_INVALID', () => {
    const n = base64urlEncode(new Uint8Array([0, ...Buffer.from(rsa.n as string, 'base64url')]))
    expect(() => assertPublicJwk({ ...rsa, n })).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
  })

  it('a P-521 point off the curve is KEY_INVALID', () => {
    const y = Buffer.from(p521.y as string, 'base64url')
    y[y.length - 1] = (y[y.length - 1] as number) ^ 1
    expect(() => assertPublicJwk({ ...p521, y: base64urlEncode(y) })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
  })
})

import {
  createPrivateKey,
  createPublicKey,
  sign as platformSign,
  verify as platformVerify,
} from 'node:crypto'
import { p256, p521 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { derToJose, normalizeEcdsaSignature } from './ecdsa.js'
import { generateKeyPair } from './generate.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `raw ${String(error)}`
  }
  return undefined
}

describe('derToJose: ASN.1 DER ECDSA signatures (what AWS KMS returns) to JOSE R||S', () => {
  for (const [alg, hash, length] of [
    ['ES256', 'sha256', 64],
    ['ES256K', 'sha256', 64],
    ['ES384', 'sha384', 96],
  ] as const) {
    it(`${alg}: an OpenSSL DER signature becomes the ${length}-byte R||S that verifies`, async () => {
      const { privateJwk, publicJwk } = await generateKeyPair(alg)
      const data = Buffer.from(`payload for ${alg}`)
      const der = platformSign(hash, data, { key: createPrivateKey({ key: privateJwk, format: 'jwk' }) })
      const jose = derToJose(der, alg)
      expect(jose.length).toBe(length)
      const key = createPublicKey({ key: publicJwk, format: 'jwk' })
      expect(platformVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true)
    })
  }

  it('ES512: P-521 scalars are left-padded to 66 bytes each', () => {
    const secret = p521.utils.randomSecretKey()
    const digest = new Uint8Array(64).fill(7)
    const der = p521.sign(digest, secret, { prehash: false, format: 'der' })
    const jose = derToJose(der, 'ES512')
    expect(jose.length).toBe(132)
    expect(p521.verify(jose, digest, p521.getPublicKey(secret), { prehash: false })).toBe(true)
  })

  it('short r and s (leading zero bytes dropped by DER) are padded back', () => {
    const sig = new p256.Signature(1n, 2n)
    expect(Buffer.from(derToJose(sig.toBytes('der'), 'ES256')).toString('hex')).toBe(
      `${'00'.repeat(31)}01${'00'.repeat(31)}02`,
    )
  })

  it('refuses R||S, truncated or trailing bytes, and r = 0: INVALID_ENCODING', () => {
    const der = new p256.Signature(5n, 7n).toBytes('der')
    expect(codeOf(() => derToJose(new Uint8Array(64).fill(1), 'ES256'))).toBe('INVALID_ENCODING')
    expect(codeOf(() => derToJose(der.subarray(0, der.length - 1), 'ES256'))).toBe('INVALID_ENCODING')
    expect(codeOf(() => derToJose(new Uint8Array([...der, 0]), 'ES256'))).toBe('INVALID_ENCODING')
    expect(
      codeOf(() => derToJose(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01]), 'ES256')),
    ).toBe('INVALID_ENCODING')
  })

  it('refuses an unknown algorithm or a non-bytes input: INVALID_ARGUMENT', () => {
    const der = new p256.Signature(5n, 7n).toBytes('der')
    expect(codeOf(() => derToJose(der, 'EdDSA' as 'ES256'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => derToJose(der, { toString: null } as unknown as 'ES256'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => derToJose('3006' as unknown as Uint8Array, 'ES256'))).toBe('INVALID_ARGUMENT')
  })
})

describe('normalizeEcdsaSignature', () => {
  it('turns a high-S secp256k1 signature into its low-S twin and leaves P-256 alone', () => {
    const n = secp256k1.Point.CURVE().n
    const high = new secp256k1.Signature(3n, n - 5n).toBytes('compact')
    const low = secp256k1.Signature.fromBytes(normalizeEcdsaSignature(high, 'ES256K'), 'compact')
    expect({ r: low.r, s: low.s }).toEqual({ r: 3n, s: 5n })
    const p256High = new p256.Signature(3n, p256.Point.CURVE().n - 5n).toBytes('compact')
    expect(normalizeEcdsaSignature(p256High, 'ES256')).toBe(p256High)
  })

  // SEC 1 §4.1.4 / FIPS 186-5 §6.4.2: r and s must lie in [1, n-1]. The check compares bytes
  // with the order, so the edges are where an off-by-one would hide.
  it.each([
    ['ES256', p256],
    ['ES256K', secp256k1],
  ] as const)(
    '%s: r or s of 0 or n is refused, n-1 and 1 are accepted; S of exactly n/2 stays',
    (alg, curve) => {
      const n = curve.Point.CURVE().n
      const size = 32
      const raw = (r: bigint, s: bigint) => {
        const out = new Uint8Array(2 * size)
        for (const [offset, v] of [
          [0, r],
          [size, s],
        ] as const) {
          let x = v
          for (let i = size - 1; i >= 0; i--, x >>= 8n) out[offset + i] = Number(x & 0xffn)
        }
        return out
      }
      for (const [r, s] of <[bigint, bigint][]>[
        [0n, 1n],
        [1n, 0n],
        [n, 1n],
        [1n, n],
        [n + 1n, 1n],
        [2n ** 256n - 1n, 1n],
      ]) {
        expect(codeOf(() => normalizeEcdsaSignature(raw(r, s), alg))).toBe('INVALID_ENCODING')
      }
      expect(normalizeEcdsaSignature(raw(n - 1n, 1n), alg)).toEqual(raw(n - 1n, 1n))
      expect(normalizeEcdsaSignature(raw(1n, n >> 1n), alg)).toEqual(raw(1n, n >> 1n))
      const highest = normalizeEcdsaSignature(raw(1n, (n >> 1n) + 1n), alg)
      expect(highest).toEqual(alg === 'ES256K' ? raw(1n, n - ((n >> 1n) + 1n)) : raw(1n, (n >> 1n) + 1n))
      expect(codeOf(() => normalizeEcdsaSignature(new Uint8Array(63).fill(1), alg))).toBe('INVALID_ENCODING')
    },
  )
})

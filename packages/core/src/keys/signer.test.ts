import { p256, p384 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64urlDecode } from '../encoding/base64url.js'
import { isCivitasError } from '../errors/index.js'
import { generateKeyPair } from './generate.js'
import { assertSigner, checkSignerOutput, localSigner } from './signer.js'

function failure(fn: () => unknown): { code?: string; message?: string } | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error)
      ? { code: error.code, message: error.message }
      : { message: `raw ${String(error)}` }
  }
  return undefined
}

const n = secp256k1.Point.CURVE().n
const sign = async () => new Uint8Array(64)

describe('assertSigner: the shape of a custom Signer, member by member', () => {
  it('accepts a minimal signer and a local one', async () => {
    expect(failure(() => assertSigner({ alg: 'ES256', sign }))).toBeUndefined()
    const { privateJwk } = await generateKeyPair('EdDSA')
    expect(failure(() => assertSigner(localSigner(privateJwk, { kid: 'k' })))).toBeUndefined()
  })

  it.each([
    ['null', null, 'signer must be a Signer object'],
    ['a string', 'ES256', 'signer must be a Signer object'],
    ['no alg', { sign }, 'signer.alg'],
    ['an RSA alg (verify-only)', { alg: 'RS256', sign }, 'signer.alg'],
    ['alg with toString: null', { alg: { toString: null }, sign }, 'signer.alg'],
    ['a numeric kid', { alg: 'ES256', kid: 5, sign }, 'signer.kid'],
    ['sign not a function', { alg: 'ES256', sign: 'x' }, 'signer.sign'],
    ['signDigest not a function', { alg: 'ES256K', sign, signDigest: 1 }, 'signer.signDigest'],
    ['signDigest on EdDSA', { alg: 'EdDSA', sign, signDigest: sign }, 'signer.signDigest'],
    ['publicJwk not an object', { alg: 'ES256', sign, publicJwk: 'k' }, 'signer.publicJwk'],
  ])('%s: INVALID_ARGUMENT naming the member', (_name, signer, member) => {
    const result = failure(() => assertSigner(signer))
    expect(result?.code).toBe('INVALID_ARGUMENT')
    expect(result?.message).toContain(member)
  })
})

describe('checkSignerOutput: what a signer returned, in the one form JOSE accepts', () => {
  it('ES256K: a high-S signature from any signer comes back low-S (r, n - s)', () => {
    const high = new secp256k1.Signature(11n, n - 13n).toBytes('compact')
    const out = secp256k1.Signature.fromBytes(checkSignerOutput('ES256K', high), 'compact')
    expect({ r: out.r, s: out.s }).toEqual({ r: 11n, s: 13n })
  })

  it('a DER signature is SIGNER_FAILED with a pointer to derToJose, whatever the curve', () => {
    for (const [alg, curve] of [
      ['ES256', p256],
      ['ES256K', secp256k1],
      ['ES384', p384],
    ] as const) {
      const der = new curve.Signature(123456789n, 987654321n).toBytes('der')
      const result = failure(() => checkSignerOutput(alg, der))
      expect(result?.code).toBe('SIGNER_FAILED')
      expect(result?.message).toContain('derToJose')
    }
  })

  it('wrong length, not bytes, or r / s out of range: SIGNER_FAILED', () => {
    expect(failure(() => checkSignerOutput('EdDSA', new Uint8Array(63)))?.code).toBe('SIGNER_FAILED')
    expect(failure(() => checkSignerOutput('ES384', new Uint8Array(64)))?.code).toBe('SIGNER_FAILED')
    expect(failure(() => checkSignerOutput('ES256', 'AAAA'))?.code).toBe('SIGNER_FAILED')
    expect(failure(() => checkSignerOutput('ES256', { toString: null }))?.code).toBe('SIGNER_FAILED')
    expect(failure(() => checkSignerOutput('ES256K', new Uint8Array(64)))?.code).toBe('SIGNER_FAILED')
    const rTooBig = new Uint8Array(64).fill(0xff)
    expect(failure(() => checkSignerOutput('ES256K', rTooBig))?.code).toBe('SIGNER_FAILED')
  })
})

describe('localSigner: publicJwk and signDigest', () => {
  it('carries its public key, so bridges can derive an address without asking', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256K')
    expect(localSigner(privateJwk).publicJwk).toEqual(publicJwk)
  })

  for (const [alg, curve, size] of [
    ['ES256', p256, 32],
    ['ES256K', secp256k1, 32],
    ['ES384', p384, 48],
  ] as const) {
    it(`${alg}: signDigest signs a precomputed ${size}-byte digest without hashing it again (low S)`, async () => {
      const { privateJwk, publicJwk } = await generateKeyPair(alg)
      const signer = localSigner(privateJwk)
      const digest = new Uint8Array(size).fill(0xab)
      const signature = await signer.signDigest!(digest)
      const point = new Uint8Array([
        0x04,
        ...base64urlDecode(publicJwk.x as string),
        ...base64urlDecode(publicJwk.y as string),
      ])
      expect(curve.verify(signature, digest, point, { prehash: false, lowS: true })).toBe(true)
      await expect(signer.signDigest!(new Uint8Array(size + 1))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      })
    })
  }

  it('EdDSA has no signDigest: Ed25519 signs messages, not digests', async () => {
    const { privateJwk } = await generateKeyPair('EdDSA')
    expect(localSigner(privateJwk).signDigest).toBeUndefined()
  })
})

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `not a CivitasError: ${String(error)}`
  }
  return undefined
}

describe('localSigner', () => {
  it('refuses a public key', async () => {
    const { publicJwk } = await generateKeyPair('ES256K')
    expect(code(() => localSigner(publicJwk))).toBe('KEY_NOT_PRIVATE')
  })
  it('takes its alg from the key and its kid from the options', async () => {
    const { privateJwk } = await generateKeyPair('ES384')
    const signer = localSigner(privateJwk, { kid: 'did:web:example.org#k1' })
    expect(signer.alg).toBe('ES384')
    expect(signer.kid).toBe('did:web:example.org#k1')
    expect((await signer.sign(new Uint8Array([1, 2, 3]))).length).toBe(96)
  })
})

describe('localSigner ES256K signatures are low-S', () => {
  it('so that libsecp256k1 / noble verifiers (which refuse high S) accept every one of them', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256K')
    const signer = localSigner(privateJwk)
    const publicKey = new Uint8Array([
      0x04,
      ...Buffer.from(publicJwk.x as string, 'base64url'),
      ...Buffer.from(publicJwk.y as string, 'base64url'),
    ])
    const half = secp256k1.Point.CURVE().n >> 1n
    // OpenSSL alone gives high S half of the time: 64 low-S signatures by chance is 2^-64.
    for (let i = 0; i < 64; i++) {
      const message = new TextEncoder().encode(`message ${i}`)
      const signature = await signer.sign(message)
      expect(BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`) <= half).toBe(true)
      expect(secp256k1.verify(signature, sha256(message), publicKey, { prehash: false })).toBe(true)
    }
  })
})

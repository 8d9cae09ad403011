import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { algorithmForJwk, type Jwk, type SignatureAlgorithm } from './algorithms.js'
import { generateKeyPair } from './generate.js'
import { importJwk, jwkThumbprint, toPublicJwk } from './jwk.js'
import { localSigner } from './signer.js'

const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `not a CivitasError: ${String(error)}`
  }
  return undefined
}

describe('generateKeyPair', () => {
  for (const [alg, kty, crv] of [
    ['ES256', 'EC', 'P-256'],
    ['ES256K', 'EC', 'secp256k1'],
    ['ES384', 'EC', 'P-384'],
    ['EdDSA', 'OKP', 'Ed25519'],
  ] as const) {
    it(`${alg}: a ${crv} pair whose public JWK has only the RFC 7638 members`, async () => {
      const pair = await generateKeyPair(alg)
      expect(pair.alg).toBe(alg)
      expect(pair.publicJwk).toEqual(toPublicJwk(pair.privateJwk))
      expect(Object.keys(pair.publicJwk).sort()).toEqual(
        kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : ['crv', 'kty', 'x'],
      )
      expect(pair.publicJwk).toMatchObject({ kty, crv })
      expect(pair.privateJwk.d).toBeTypeOf('string')
      expect(algorithmForJwk(pair.publicJwk)).toBe(alg)
      expect(importJwk(pair.privateJwk)).toMatchObject({ alg, publicJwk: pair.publicJwk })
    })
  }

  it('refuses algorithms it does not support', async () => {
    await expect(generateKeyPair('HS256' as SignatureAlgorithm)).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALG',
    })
  })
})

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

describe('RFC 7638 thumbprint', () => {
  it('RFC 7638 §3.1 example is RSA, so check stability instead: member order and extra members do not matter', async () => {
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

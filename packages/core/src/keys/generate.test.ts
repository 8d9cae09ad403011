import { describe, expect, it } from 'vitest'
import { algorithmForJwk, type SignatureAlgorithm } from './algorithms.js'
import { generateKeyPair } from './generate.js'
import { importJwk, toPublicJwk } from './jwk.js'

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

describe('generateKeyPair with a hostile alg', () => {
  it('an alg with toString: null is UNSUPPORTED_ALG, not a TypeError while building the message', async () => {
    await expect(generateKeyPair({ toString: null } as never)).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALG',
    })
  })
})

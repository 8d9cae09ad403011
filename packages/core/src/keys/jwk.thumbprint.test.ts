import { describe, expect, it } from 'vitest'
import { generateKeyPair } from './generate.js'
import { jwkThumbprint } from './jwk.js'

// RFC 7638 thumbprints exist only for keys that could verify: off-curve points are refused
// alike on every curve (EC keys used to get a thumbprint, Ed25519 keys did not).

describe('jwkThumbprint refuses a key off its curve, whatever the curve', () => {
  it.each(['ES256', 'ES256K', 'ES384'] as const)('%s: y replaced by x → KEY_INVALID', async (alg) => {
    const { publicJwk } = await generateKeyPair(alg)
    await expect(jwkThumbprint({ ...publicJwk, y: publicJwk.x })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    })
  })

  it('Ed25519: a point off the curve → KEY_INVALID', async () => {
    // y = 2 with the sign bit clear has no x on edwards25519.
    const x = Buffer.from([2, ...new Array(31).fill(0)]).toString('base64url')
    await expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x })).rejects.toMatchObject({
      code: 'KEY_INVALID',
    })
  })

  it('a valid key, public or private, has the thumbprint of its public members', async () => {
    const { publicJwk, privateJwk } = await generateKeyPair('ES256')
    expect(await jwkThumbprint(privateJwk)).toBe(await jwkThumbprint(publicJwk))
  })
})

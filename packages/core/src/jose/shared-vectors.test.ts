/**
 * Runs the conformance vectors in ../shared/vectors/jose when that folder sits beside
 * the repository (the Civitas workspace). A plain clone skips this file; the same
 * cases are carried as project fixtures in jws.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { jwkThumbprint } from '../keys/jwk.js'
import { localSigner } from '../keys/signer.js'
import { signJws } from './sign.js'
import { verifyJws } from './verify.js'

const dir = join(import.meta.dirname, '../../../../../shared/vectors/jose')
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'))

async function outcome(jws: string, jwk: Jwk): Promise<string> {
  try {
    await verifyJws(jws, jwk)
    return 'valid'
  } catch (error) {
    if (isCivitasError(error)) return error.code
    throw error
  }
}

describe.skipIf(!existsSync(dir))('shared vectors: jose', () => {
  it('rfc7515-a3-es256: the high-S RFC signature and its low-S twin verify; DER does not', async () => {
    const v = load('rfc7515-a3-es256.json')
    const jwk = v.verification.publicKeyJwk
    expect(await outcome(v.input.jws, jwk)).toBe('valid')
    for (const variant of v.variants) {
      expect(await outcome(variant.jws, jwk)).toBe(variant.expected.valid ? 'valid' : 'SIGNATURE_INVALID')
    }
  })

  it('es256k-secp256k1-interop: did-jwt ES256K verifies with a plain JWK', async () => {
    const v = load('es256k-secp256k1-interop.json')
    expect(await outcome(v.input.jws, v.verification.publicKeyJwk)).toBe('valid')
  })

  it('rfc8037-a4-ed25519: verifies, re-signs byte for byte, thumbprint matches', async () => {
    const v = load('rfc8037-a4-ed25519.json')
    const jwk = v.verification.publicKeyJwk
    expect(await outcome(v.input.jws, jwk)).toBe('valid')
    const jws = await signJws(v.input.payloadUtf8, localSigner({ ...jwk, d: v.verification.privateKeyD }))
    expect(jws).toBe(v.input.jws)
    expect(await jwkThumbprint(jwk)).toBe(v.expected.jwkThumbprintSha256)
    const cookbook = load('rfc8037-a4-ed25519-jws.cookbook.json')
    expect(await outcome(cookbook.output.compact, cookbook.input.key)).toBe('valid')
  })

  it('rfc7520 cookbook: RS256, PS384, ES512 and HS256 are outside the allow-list and refused as such', async () => {
    const files = readdirSync(join(dir, 'rfc7520-cookbook')).filter((f) => f.startsWith('4_'))
    let checked = 0
    for (const file of files) {
      const v = load(join('rfc7520-cookbook', file))
      if (!v.output.compact) continue
      expect(await outcome(v.output.compact, v.input.key), file).toBe('UNSUPPORTED_ALG')
      checked++
    }
    expect(checked).toBeGreaterThanOrEqual(5)
  })
})

/**
 * Wycheproof (C2SP/wycheproof, testvectors_v1 @ dac1dd4, Apache-2.0; vendored byte for byte
 * in fixtures/wycheproof) through the signature primitive every JWS verification ends in:
 * ECDSA P-256 / secp256k1 / P-384 with R||S (IEEE P1363, the JOSE encoding) and Ed25519.
 * Every vector's expected result is checked. The files hold no `acceptable` cases; the test
 * fails if one appears, so a policy has to be written down for it first.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import { isCivitasError } from '../errors/index.js'
import type { Jwk, VerificationAlgorithm } from '../keys/algorithms.js'
import { publicKeyObject } from '../keys/jwk.js'
import { verifySignature } from './signature.js'

interface WycheproofTest {
  tcId: number
  comment: string
  flags: string[]
  msg: string
  sig: string
  result: 'valid' | 'invalid' | 'acceptable'
}
interface WycheproofGroup {
  publicKey: { curve: string; uncompressed?: string; pk?: string }
  publicKeyJwk?: Jwk
  tests: WycheproofTest[]
}
interface WycheproofFile {
  algorithm: string
  numberOfTests: number
  testGroups: WycheproofGroup[]
}

const load = (name: string): WycheproofFile =>
  JSON.parse(readFileSync(new URL(`./fixtures/wycheproof/${name}`, import.meta.url), 'utf8'))

const CRV: Record<string, { crv: string; size: number }> = {
  secp256r1: { crv: 'P-256', size: 32 },
  secp256k1: { crv: 'secp256k1', size: 32 },
  secp384r1: { crv: 'P-384', size: 48 },
}

/** The group's key as a JWK: its own `publicKeyJwk`, or built from the uncompressed point. */
function jwkOf(group: WycheproofGroup): Jwk {
  if (group.publicKeyJwk) return group.publicKeyJwk
  const { crv, size } = CRV[group.publicKey.curve]!
  const point = Buffer.from(group.publicKey.uncompressed!, 'hex')
  return {
    kty: 'EC',
    crv,
    x: base64urlEncode(point.subarray(1, 1 + size)),
    y: base64urlEncode(point.subarray(1 + size)),
  }
}

async function outcome(
  alg: VerificationAlgorithm,
  jwk: Jwk,
  test: WycheproofTest,
): Promise<'valid' | 'invalid'> {
  let key: ReturnType<typeof publicKeyObject>
  try {
    key = publicKeyObject(jwk)
  } catch (error) {
    if (isCivitasError(error)) return 'invalid'
    throw error
  }
  const valid = await verifySignature(alg, key, Buffer.from(test.msg, 'hex'), Buffer.from(test.sig, 'hex'))
  return valid ? 'valid' : 'invalid'
}

for (const [file, alg] of [
  ['ecdsa_secp256r1_sha256_p1363_test.json', 'ES256'],
  ['ecdsa_secp256k1_sha256_p1363_test.json', 'ES256K'],
  ['ecdsa_secp384r1_sha384_p1363_test.json', 'ES384'],
  ['ed25519_test.json', 'EdDSA'],
] as const) {
  describe(`Wycheproof ${file} through verifySignature (${alg})`, () => {
    const vectors = load(file)
    it(`gives every one of the ${vectors.numberOfTests} vectors its expected result`, async () => {
      const mismatches: string[] = []
      let checked = 0
      for (const group of vectors.testGroups) {
        const jwk = jwkOf(group)
        for (const test of group.tests) {
          expect(test.result, `tcId ${test.tcId}: no policy for "acceptable"`).not.toBe('acceptable')
          const got = await outcome(alg, jwk, test)
          if (got !== test.result)
            mismatches.push(`tcId ${test.tcId} (${test.comment}): ${got}, want ${test.result}`)
          checked++
        }
      }
      expect(mismatches).toEqual([])
      expect(checked).toBe(vectors.numberOfTests)
    })
  })
}

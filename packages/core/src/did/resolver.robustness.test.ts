import { ed25519 } from '@noble/curves/ed25519.js'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import { didJwkFromJwk, parseDidJwk } from './jwk.js'
import { didKeyFromJwk, parseDidKey } from './key.js'
import { rawPublicKeyToJwk } from './raw-key.js'
import { createResolver } from './resolver.js'

// Property tests: whatever string arrives, resolve() answers with a document or a coded
// error, never a rejection; and every key round-trips through did:key and did:jwk.

const resolver = createResolver({ web: false, cache: false })
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const chars = (alphabet: string, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), { maxLength: max }).map((a) => a.join(''))

function answered(result: Awaited<ReturnType<typeof resolver.resolve>>): boolean {
  const error = result.didResolutionMetadata.error
  return error === undefined
    ? result.didDocument !== null
    : result.didDocument === null && typeof result.didResolutionMetadata.code === 'string'
}

describe('resolve() never throws', () => {
  it('for random did:key, did:jwk and arbitrary strings', async () => {
    const inputs = fc.oneof(
      chars(BASE58, 120).map((s) => `did:key:z${s}`),
      chars(BASE64URL, 200).map((s) => `did:jwk:${s}`),
      fc.uint8Array({ maxLength: 120 }).map((b) => `did:jwk:${base64urlEncode(b)}`),
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 60 }).map((s) => `did:web:${s}`),
    )
    await fc.assert(
      fc.asyncProperty(inputs, async (did) => {
        expect(answered(await resolver.resolve(did))).toBe(true)
      }),
      { numRuns: 400 },
    )
  })
})

describe('keys round-trip through did:key and did:jwk', () => {
  const secret = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0))
  it.each([
    ['Ed25519', (sk: Uint8Array) => rawPublicKeyToJwk('Ed25519', ed25519.getPublicKey(sk))],
    ['secp256k1', (sk: Uint8Array) => rawPublicKeyToJwk('secp256k1', secp256k1.getPublicKey(sk, true))],
    ['P-256', (sk: Uint8Array) => rawPublicKeyToJwk('P-256', p256.getPublicKey(sk, true))],
  ] as const)('%s', (_crv, publicJwkOf) => {
    fc.assert(
      fc.property(
        secret.filter((sk) => {
          try {
            publicJwkOf(sk)
            return true
          } catch {
            return false // a scalar outside the curve order
          }
        }),
        (sk) => {
          const jwk = publicJwkOf(sk)
          expect(parseDidKey(didKeyFromJwk(jwk)).publicJwk).toEqual(jwk)
          expect(parseDidKey(didKeyFromJwk(jwk, { format: 'jwk_jcs-pub' })).publicJwk).toEqual(jwk)
          expect(parseDidJwk(didJwkFromJwk(jwk)).jwk).toEqual(jwk)
        },
      ),
      { numRuns: 50 },
    )
  })
})

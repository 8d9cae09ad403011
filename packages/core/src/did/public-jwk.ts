import { base64urlDecode } from '../encoding/base64url.js'
import { CivitasError, describeValue } from '../errors/index.js'
import { hasOwn, isRecord } from '../guards/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { publicKeyObject } from '../keys/jwk.js'
import { isWeierstrassCrv } from './curves.js'
import { keyError } from './resolution.js'

/** A public JWK (kty + curve members, no private members). */
export type PublicJwk = Jwk

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const STRING_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'use', 'alg', 'kid'] as const

/**
 * For a JWK that is the DID itself (did:jwk, EBSI's jwk_jcs-pub did:key): a key member that
 * is not a string makes the DID malformed (DID_INVALID), not a key of an unknown kind.
 */
export function assertJwkMemberTypes(value: Record<string, unknown>, what: string): void {
  for (const member of STRING_MEMBERS) {
    if (hasOwn(value, member) && typeof value[member] !== 'string') {
      throw keyError('DID_INVALID', 'invalidDid', `${what} member "${member}" must be a string`)
    }
  }
}

function decodeCoordinate(value: unknown, member: string, length: number): Uint8Array {
  if (typeof value !== 'string') {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `JWK member "${member}" must be a base64url string`)
  }
  let bytes: Uint8Array
  try {
    bytes = base64urlDecode(value, `JWK member "${member}"`)
  } catch (cause) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `JWK member "${member}" is not base64url`, cause)
  }
  if (bytes.length !== length) {
    throw keyError(
      'KEY_INVALID',
      'invalidPublicKeyLength',
      `JWK member "${member}" must be ${length} bytes, got ${bytes.length}`,
    )
  }
  return bytes
}

/**
 * A key Civitas verifies with is validated where every verification validates it, and only
 * there: keys/jwk.ts (members, lengths, on the curve, Ed25519 not of small order, RSA modulus
 * and exponent, P-521 included), which also caches the platform key it becomes: a JWK read
 * from a DID document on every verification is validated once. Its errors get the DID
 * Resolution error name they stand for.
 */
function checkSigningKey(publicJwk: PublicJwk): PublicJwk {
  try {
    publicKeyObject(publicJwk)
    return publicJwk
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : describeValue(cause)
    if (cause instanceof CivitasError && cause.code === 'UNSUPPORTED_CURVE') {
      throw keyError('UNSUPPORTED_CURVE', 'unsupportedPublicKeyType', message, cause)
    }
    const length =
      cause instanceof CivitasError &&
      (cause.details?.expected !== undefined || cause.details?.bits !== undefined)
    throw keyError('KEY_INVALID', length ? 'invalidPublicKeyLength' : 'invalidPublicKey', message, cause)
  }
}

/**
 * Checks that `value` is a public JWK a DID may carry (EC secp256k1 / P-256 / P-384 / P-521 on
 * the curve, OKP Ed25519 / X25519, or RSA) with no private or symmetric key material. Returns
 * the JWK reduced to its required public members (RFC 7638 §3.2). Errors carry the DID
 * Resolution error name (`invalidPublicKey`, `invalidPublicKeyLength`, `unsupportedPublicKeyType`).
 */
export function assertPublicJwk(value: unknown): PublicJwk {
  if (!isRecord(value)) throw keyError('KEY_INVALID', 'invalidPublicKey', 'JWK must be a JSON object')
  for (const member of PRIVATE_MEMBERS) {
    if (hasOwn(value, member)) {
      throw keyError(
        'KEY_INVALID',
        'invalidPublicKey',
        `JWK carries private or symmetric key material ("${member}"); only public keys belong in a DID`,
      )
    }
  }
  const { kty, crv, x, y } = value
  if (kty === 'RSA') return checkSigningKey({ kty: 'RSA', n: value.n as string, e: value.e as string })
  if (kty === 'OKP') {
    if (crv !== 'Ed25519' && crv !== 'X25519') {
      throw keyError(
        'UNSUPPORTED_CURVE',
        'unsupportedPublicKeyType',
        `unsupported OKP curve ${describeValue(crv)}`,
      )
    }
    const publicJwk: PublicJwk = { kty: 'OKP', crv, x: x as string }
    if (crv === 'Ed25519') return checkSigningKey(publicJwk)
    // X25519 only agrees keys, and any 32 bytes are an X25519 public key (RFC 7748 §5).
    decodeCoordinate(x, 'x', 32)
    return publicJwk
  }
  if (kty === 'EC') {
    if (!isWeierstrassCrv(crv)) {
      throw keyError(
        'UNSUPPORTED_CURVE',
        'unsupportedPublicKeyType',
        `unsupported EC curve ${describeValue(crv)}`,
      )
    }
    return checkSigningKey({ kty: 'EC', crv, x: x as string, y: y as string })
  }
  throw keyError(
    'UNSUPPORTED_CURVE',
    'unsupportedPublicKeyType',
    `unsupported JWK key type ${describeValue(kty)}`,
  )
}

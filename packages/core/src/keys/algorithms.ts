import type { JWK } from 'jose'
import { CivitasError } from '../errors/index.js'

/** A JSON Web Key (RFC 7517). Civitas only ever signs with EC and OKP keys. */
export type Jwk = JWK

/** The signature algorithms Civitas signs and verifies with (RFC 7518, RFC 8037, RFC 8812). */
export type SignatureAlgorithm = 'ES256' | 'ES256K' | 'ES384' | 'EdDSA'

export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  'ES256',
  'ES256K',
  'ES384',
  'EdDSA',
])

/** Curve facts per algorithm: `size` is the byte length of a coordinate / scalar. */
export const CURVES = Object.freeze({
  ES256: { kty: 'EC', crv: 'P-256', size: 32, hash: 'sha256', nodeCurve: 'prime256v1' },
  ES256K: { kty: 'EC', crv: 'secp256k1', size: 32, hash: 'sha256', nodeCurve: 'secp256k1' },
  ES384: { kty: 'EC', crv: 'P-384', size: 48, hash: 'sha384', nodeCurve: 'secp384r1' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', size: 32, hash: null, nodeCurve: 'ed25519' },
} as const satisfies Record<
  SignatureAlgorithm,
  { kty: string; crv: string; size: number; hash: string | null; nodeCurve: string }
>)

/** Length of a JOSE signature (R||S for ECDSA, RFC 7518 §3.4; 64 bytes for Ed25519). */
export function signatureLength(alg: SignatureAlgorithm): number {
  return alg === 'EdDSA' ? 64 : CURVES[alg].size * 2
}

export function isSignatureAlgorithm(value: unknown): value is SignatureAlgorithm {
  return typeof value === 'string' && (SIGNATURE_ALGORITHMS as readonly string[]).includes(value)
}

/**
 * The one algorithm a key may be used with. A key never chooses between algorithms,
 * so a token's `alg` can be checked against the key rather than trusted.
 */
export function algorithmForJwk(jwk: Jwk): SignatureAlgorithm {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw new CivitasError('KEY_INVALID', 'a JWK must be an object')
  }
  const { kty, crv } = jwk
  if (kty === 'EC') {
    if (crv === 'P-256') return 'ES256'
    if (crv === 'secp256k1') return 'ES256K'
    if (crv === 'P-384') return 'ES384'
  } else if (kty === 'OKP') {
    if (crv === 'Ed25519') return 'EdDSA'
  } else if (typeof kty !== 'string') {
    throw new CivitasError('KEY_INVALID', 'JWK is missing "kty"')
  } else if (kty === 'oct') {
    // A symmetric key would let anyone holding the "public" key forge signatures.
    throw new CivitasError('UNSUPPORTED_ALG', 'symmetric (oct) keys are not accepted for signatures', {
      details: { kty },
    })
  } else if (kty !== 'RSA') {
    throw new CivitasError('KEY_INVALID', `unknown JWK key type "${kty}"`, { details: { kty } })
  }
  throw new CivitasError('UNSUPPORTED_CURVE', `unsupported key: kty "${kty}", crv "${String(crv)}"`, {
    details: { kty, crv },
  })
}

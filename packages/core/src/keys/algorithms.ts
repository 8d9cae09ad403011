import type { JWK } from 'jose'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { hasOwn, isRecord } from '../guards/index.js'

/** A JSON Web Key (RFC 7517). Civitas signs with EC and OKP keys and also verifies with RSA ones. */
export type Jwk = JWK

/** The signature algorithms Civitas signs and verifies with (RFC 7518, RFC 8037, RFC 8812). */
export type SignatureAlgorithm = 'ES256' | 'ES256K' | 'ES384' | 'EdDSA'

/**
 * Algorithms Civitas verifies but never signs with: those of PKI-issued keys (eIDAS qualified
 * trust service providers issue P-521 and RSA certificates). RFC 7518 §3.3 (RS256), §3.4
 * (ES512), §3.5 (PS256).
 */
export type VerifyOnlyAlgorithm = 'ES512' | 'PS256' | 'RS256'

/** Every algorithm a signature can be verified with. */
export type VerificationAlgorithm = SignatureAlgorithm | VerifyOnlyAlgorithm

export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  'ES256',
  'ES256K',
  'ES384',
  'EdDSA',
])

/** The default allow-list of every verify function: the signing algorithms plus ES512, PS256, RS256. */
export const VERIFICATION_ALGORITHMS: readonly VerificationAlgorithm[] = Object.freeze([
  ...SIGNATURE_ALGORITHMS,
  'ES512',
  'PS256',
  'RS256',
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

/** How the platform verifies each algorithm: the hash and, for RSA, the padding. */
export const VERIFICATION = Object.freeze({
  ES256: { hash: 'sha256', padding: 'ieee-p1363' },
  ES256K: { hash: 'sha256', padding: 'ieee-p1363' },
  ES384: { hash: 'sha384', padding: 'ieee-p1363' },
  ES512: { hash: 'sha512', padding: 'ieee-p1363' },
  EdDSA: { hash: null, padding: 'none' },
  RS256: { hash: 'sha256', padding: 'pkcs1-v1_5' },
  PS256: { hash: 'sha256', padding: 'pss' },
} as const satisfies Record<
  VerificationAlgorithm,
  { hash: string | null; padding: 'ieee-p1363' | 'none' | 'pkcs1-v1_5' | 'pss' }
>)

/** The EC curves a public key may be on, with their coordinate size in bytes. */
export const EC_COORDINATE_BYTES = Object.freeze({
  'P-256': 32,
  secp256k1: 32,
  'P-384': 48,
  'P-521': 66,
} as const)

/** Length of a JOSE signature (R||S for ECDSA, RFC 7518 §3.4; 64 bytes for Ed25519). */
export function signatureLength(alg: SignatureAlgorithm | 'ES512'): number {
  if (alg === 'ES512') return 132
  if (!isSignatureAlgorithm(alg)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `alg must be a signature algorithm, got ${describeValue(alg)}`,
      {
        details: { argument: 'alg' },
      },
    )
  }
  return alg === 'EdDSA' ? 64 : CURVES[alg].size * 2
}

export function isSignatureAlgorithm(value: unknown): value is SignatureAlgorithm {
  return typeof value === 'string' && (SIGNATURE_ALGORITHMS as readonly string[]).includes(value)
}

export function isVerificationAlgorithm(value: unknown): value is VerificationAlgorithm {
  return typeof value === 'string' && (VERIFICATION_ALGORITHMS as readonly string[]).includes(value)
}

// RSA keys carry no curve, so both RSA algorithms fit one unless its "alg" pins one.
const RSA_ALGORITHMS: readonly VerificationAlgorithm[] = Object.freeze(['PS256', 'RS256'])
const ES512_ONLY: readonly VerificationAlgorithm[] = Object.freeze<VerificationAlgorithm[]>(['ES512'])

function jwkMembers(jwk: unknown): { kty: unknown; crv: unknown } {
  if (!isRecord(jwk)) {
    throw new CivitasError('KEY_INVALID', `a JWK must be an object, got ${describeValue(jwk)}`)
  }
  return { kty: jwk.kty, crv: jwk.crv }
}

/** A value for `details`: strings as they are, anything else (untrusted) described. */
function detail(value: unknown): unknown {
  return value === undefined || typeof value === 'string' ? value : describeValue(value)
}

function unsupported(kty: unknown, crv: unknown): never {
  throw new CivitasError(
    'UNSUPPORTED_CURVE',
    `unsupported key: kty ${describeValue(kty)}, crv ${describeValue(crv)}`,
    { details: { kty: detail(kty), crv: detail(crv) } },
  )
}

function checkKty(kty: unknown): void {
  if (typeof kty !== 'string') throw new CivitasError('KEY_INVALID', 'JWK is missing "kty"')
  if (kty === 'oct') {
    // A symmetric key would let anyone holding the "public" key forge signatures.
    throw new CivitasError('UNSUPPORTED_ALG', 'symmetric (oct) keys are not accepted for signatures', {
      details: { kty },
    })
  }
  if (kty !== 'EC' && kty !== 'OKP' && kty !== 'RSA') {
    throw new CivitasError('KEY_INVALID', `unknown JWK key type ${describeValue(kty)}`, {
      details: { kty },
    })
  }
}

/**
 * The one algorithm a key may sign with. A key never chooses between algorithms, so a
 * token's `alg` can be checked against the key rather than trusted. Keys Civitas only
 * verifies with (P-521, RSA) are `UNSUPPORTED_CURVE` here: see {@link verificationAlgorithmsForJwk}.
 */
export function algorithmForJwk(jwk: Jwk): SignatureAlgorithm {
  const { kty, crv } = jwkMembers(jwk)
  checkKty(kty)
  if (kty === 'EC') {
    if (crv === 'P-256') return 'ES256'
    if (crv === 'secp256k1') return 'ES256K'
    if (crv === 'P-384') return 'ES384'
  } else if (kty === 'OKP') {
    if (crv === 'Ed25519') return 'EdDSA'
  }
  return unsupported(kty, crv)
}

/**
 * The algorithms a public key can verify: its signing algorithm, ES512 for a P-521 key, and
 * for an RSA key the one its `alg` names (PS256 or RS256) or both when it names none.
 */
export function verificationAlgorithmsForJwk(jwk: Jwk): readonly VerificationAlgorithm[] {
  const { kty, crv } = jwkMembers(jwk)
  checkKty(kty)
  if (kty === 'EC' && crv === 'P-521') return ES512_ONLY
  if (kty === 'RSA') {
    const alg = jwk.alg
    if (alg === undefined) return RSA_ALGORITHMS
    if (typeof alg === 'string' && hasOwn(VERIFICATION, alg) && RSA_ALGORITHMS.includes(alg as 'RS256')) {
      return alg === 'PS256' ? RSA_ALGORITHMS.slice(0, 1) : RSA_ALGORITHMS.slice(1)
    }
    throw new CivitasError('UNSUPPORTED_ALG', `RSA JWK "alg" ${describeValue(alg)} is not PS256 or RS256`, {
      details: { jwkAlg: detail(alg) },
    })
  }
  return SINGLE[algorithmForJwk(jwk)]
}

// One frozen list per key type: the verify hot path allocates nothing here.
const SINGLE: Record<SignatureAlgorithm, readonly VerificationAlgorithm[]> = Object.freeze({
  ES256: Object.freeze<VerificationAlgorithm[]>(['ES256']),
  ES256K: Object.freeze<VerificationAlgorithm[]>(['ES256K']),
  ES384: Object.freeze<VerificationAlgorithm[]>(['ES384']),
  EdDSA: Object.freeze<VerificationAlgorithm[]>(['EdDSA']),
})

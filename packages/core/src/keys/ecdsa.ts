import { p256, p384, p521 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { hasOwn } from '../guards/index.js'

/**
 * ECDSA signature encodings. JOSE carries R||S of fixed length (RFC 7518 §3.4); KMS and HSM
 * APIs (AWS KMS, PKCS#11 wrappers, OpenSSL's default) return ASN.1 DER. noble's parsers do
 * the DER and range checks, so nothing here hand-parses ASN.1.
 */
const ECDSA_CURVES = {
  ES256: p256,
  ES256K: secp256k1,
  ES384: p384,
  ES512: p521,
} as const

/** The JOSE ECDSA algorithms (RFC 7518 §3.4, RFC 8812). */
export type EcdsaAlgorithm = keyof typeof ECDSA_CURVES

export function isEcdsaAlgorithm(alg: unknown): alg is EcdsaAlgorithm {
  return typeof alg === 'string' && hasOwn(ECDSA_CURVES, alg)
}

/** The noble curve of an ECDSA algorithm (for digest signing and recovery). */
export function ecdsaCurve(alg: EcdsaAlgorithm) {
  return ECDSA_CURVES[alg]
}

/** Byte length of R||S for an ECDSA algorithm: twice the scalar size (66 bytes each for P-521). */
export function ecdsaSignatureLength(alg: EcdsaAlgorithm): number {
  return ECDSA_CURVES[alg].lengths.signature as number
}

/**
 * Converts an ASN.1 DER ECDSA signature (`SEQUENCE { INTEGER r, INTEGER s }`, what AWS KMS,
 * Google Cloud KMS and most HSMs return) into the R||S form JOSE uses. Throws
 * `INVALID_ARGUMENT` for an unknown algorithm or non-bytes, `INVALID_ENCODING` for anything
 * that is not a strict DER signature with r and s in range for the curve.
 */
export function derToJose(der: Uint8Array, alg: EcdsaAlgorithm): Uint8Array {
  if (!isEcdsaAlgorithm(alg)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `alg must be ES256, ES256K, ES384 or ES512, got ${describeValue(alg)}`,
      {
        details: { argument: 'alg' },
      },
    )
  }
  if (!(der instanceof Uint8Array)) {
    throw new CivitasError('INVALID_ARGUMENT', `der must be a Uint8Array, got ${describeValue(der)}`, {
      details: { argument: 'der' },
    })
  }
  try {
    return ECDSA_CURVES[alg].Signature.fromBytes(der, 'der').toBytes('compact')
  } catch (cause) {
    throw new CivitasError('INVALID_ENCODING', `not a DER-encoded ${alg} signature`, {
      cause,
      details: { alg, length: der.length },
    })
  }
}

/** True when `bytes` parse as a DER ECDSA signature for `alg` (used to explain a refusal). */
export function isDerSignature(bytes: Uint8Array, alg: EcdsaAlgorithm): boolean {
  try {
    ECDSA_CURVES[alg].Signature.fromBytes(bytes, 'der')
    return true
  } catch {
    return false
  }
}

/**
 * Checks that R||S has r and s in 1..n-1 and, for ES256K, returns its low-S form.
 * OpenSSL, KMS and HSM signers return high S half of the time; RFC 8812 allows it and we verify
 * it, but libsecp256k1, noble (by default) and Ethereum (EIP-2) refuse it as malleable.
 * (r, n - s) is the same signature in low-S form. Throws the noble error for out-of-range values.
 */
export function normalizeEcdsaSignature(signature: Uint8Array, alg: EcdsaAlgorithm): Uint8Array {
  const { Signature, Point } = ECDSA_CURVES[alg]
  const parsed = Signature.fromBytes(signature, 'compact')
  if (alg !== 'ES256K' || !parsed.hasHighS()) return signature
  return new Signature(parsed.r, Point.CURVE().n - parsed.s).toBytes('compact')
}

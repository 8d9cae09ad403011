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

/** Each curve's order n and floor(n / 2) as big-endian bytes of the scalar's length. */
const ORDERS = new Map<EcdsaAlgorithm, { n: Uint8Array; half: Uint8Array }>()

function orderOf(alg: EcdsaAlgorithm): { n: Uint8Array; half: Uint8Array } {
  let order = ORDERS.get(alg)
  if (!order) {
    const { Point } = ECDSA_CURVES[alg]
    const size = ecdsaSignatureLength(alg) / 2
    const n = Point.CURVE().n
    order = { n: scalarBytes(n, size), half: scalarBytes(n >> 1n, size) }
    ORDERS.set(alg, order)
  }
  return order
}

function scalarBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = size - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn)
  return out
}

/** Big-endian comparison of `bytes[offset .. offset + b.length)` with `b`: -1, 0 or 1. */
function compareAt(bytes: Uint8Array, offset: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) {
    const x = bytes[offset + i]!
    if (x !== b[i]) return x < b[i]! ? -1 : 1
  }
  return 0
}

function isZeroAt(bytes: Uint8Array, offset: number, size: number): boolean {
  for (let i = 0; i < size; i++) if (bytes[offset + i] !== 0) return false
  return true
}

/**
 * Checks that R||S has r and s in 1..n-1 and, for ES256K, returns its low-S form.
 * OpenSSL, KMS and HSM signers return high S half of the time; RFC 8812 allows it and we verify
 * it, but libsecp256k1, noble (by default) and Ethereum (EIP-2) refuse it as malleable.
 * (r, n - s) is the same signature in low-S form. The range checks compare bytes against the
 * curve order (every signature an issuer makes passes here; parsing into bigints cost more
 * than the rest of the check). Throws `INVALID_ENCODING` for a wrong length or out-of-range values.
 */
export function normalizeEcdsaSignature(signature: Uint8Array, alg: EcdsaAlgorithm): Uint8Array {
  const { n, half } = orderOf(alg)
  const size = n.length
  if (signature.length !== 2 * size) {
    throw new CivitasError(
      'INVALID_ENCODING',
      `an ${alg} signature is ${2 * size} bytes, got ${signature.length}`,
    )
  }
  for (const offset of [0, size]) {
    if (isZeroAt(signature, offset, size) || compareAt(signature, offset, n) >= 0) {
      throw new CivitasError(
        'INVALID_ENCODING',
        `the ${alg} signature's ${offset === 0 ? 'r' : 's'} is out of range`,
      )
    }
  }
  if (alg !== 'ES256K' || compareAt(signature, size, half) <= 0) return signature
  const { Signature, Point } = ECDSA_CURVES[alg]
  const parsed = Signature.fromBytes(signature, 'compact')
  return new Signature(parsed.r, Point.CURVE().n - parsed.s).toBytes('compact')
}

import { constants, type KeyObject, verify as platformVerify } from 'node:crypto'
import { VERIFICATION, type VerificationAlgorithm } from '../keys/algorithms.js'
import { ecdsaSignatureLength, isEcdsaAlgorithm } from '../keys/ecdsa.js'

/**
 * The byte length a signature of `alg` must have with `key`: R||S for ECDSA (RFC 7518 §3.4:
 * a DER signature is not a JOSE signature), 64 for Ed25519, the modulus length for RSA
 * (RFC 8017 §8.2.2 / §8.1.2 step 1: anything else is "invalid signature").
 */
export function expectedSignatureLength(alg: VerificationAlgorithm, key: KeyObject): number {
  if (isEcdsaAlgorithm(alg)) return ecdsaSignatureLength(alg)
  if (alg === 'EdDSA') return 64
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
}

function platformOptions(alg: VerificationAlgorithm, key: KeyObject) {
  switch (VERIFICATION[alg].padding) {
    case 'ieee-p1363':
      return { key, dsaEncoding: 'ieee-p1363' as const }
    case 'pss':
      // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output.
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    case 'pkcs1-v1_5':
      return { key, padding: constants.RSA_PKCS1_PADDING }
    default:
      return { key }
  }
}

/**
 * The signature primitive under every JWS verification: does `signature` sign `data` under
 * `key` with `alg`? A signature of the wrong length is `false` (never handed to OpenSSL, which
 * would read DER for ECDSA or left-pad a short RSA signature). Runs on the platform's OpenSSL
 * through the callback form of `verify`, i.e. on libuv's thread pool, so concurrent checks use
 * every core. High-S ECDSA signatures verify (JOSE does not require low S; RFC 7515 A.3 has one).
 * Rejects only when the platform itself fails.
 */
export function verifySignature(
  alg: VerificationAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== expectedSignatureLength(alg, key)) return Promise.resolve(false)
  return new Promise<boolean>((resolve, reject) => {
    platformVerify(VERIFICATION[alg].hash, data, platformOptions(alg, key), signature, (error, valid) =>
      error ? reject(error) : resolve(valid),
    )
  })
}

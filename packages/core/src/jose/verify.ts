import { verify as platformVerify } from 'node:crypto'
import { compactVerify, errors as joseErrors } from 'jose'
import { CivitasError } from '../errors/index.js'
import {
  algorithmForJwk,
  CURVES,
  isSignatureAlgorithm,
  type Jwk,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureLength,
} from '../keys/algorithms.js'
import { publicKeyObject } from '../keys/jwk.js'
import { type DecodedJws, type DecodeJwsOptions, decodeJws, type JwsHeader } from './decode.js'

export interface VerifyJwsOptions extends DecodeJwsOptions {
  /** Algorithms accepted for this call. Default: every algorithm Civitas supports. */
  algorithms?: readonly SignatureAlgorithm[]
}

export interface VerifiedJws {
  readonly header: JwsHeader
  readonly payload: Uint8Array
  readonly alg: SignatureAlgorithm
}

/**
 * Checks the header `alg` against the allow-list. Never `none` (decodeJws refuses it),
 * never HMAC or RSA: a verifier holding a public key must not accept symmetric MACs.
 */
export function checkAlgorithm(alg: string, allowed: readonly string[] = SIGNATURE_ALGORITHMS): void {
  if (!allowed.includes(alg)) {
    throw new CivitasError('UNSUPPORTED_ALG', `JWS algorithm "${alg}" is not allowed`, {
      details: { alg, allowed: [...allowed] },
    })
  }
}

function checkAllowList(
  algorithms: readonly SignatureAlgorithm[] | undefined,
): readonly SignatureAlgorithm[] {
  if (algorithms === undefined) return SIGNATURE_ALGORITHMS
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isSignatureAlgorithm)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `algorithms must be a non-empty subset of ${SIGNATURE_ALGORITHMS}`,
    )
  }
  return algorithms
}

const encoder = new TextEncoder()

/** Verifies the signature of an already-decoded JWS with a public JWK. */
export async function verifyDecodedJws(
  decoded: DecodedJws,
  jws: string,
  publicJwk: Jwk,
  algorithms?: readonly SignatureAlgorithm[],
): Promise<SignatureAlgorithm> {
  const alg = decoded.header.alg
  checkAlgorithm(alg, checkAllowList(algorithms))
  const keyAlg = algorithmForJwk(publicJwk)
  // A JWK may pin its algorithm with "alg" (RFC 7517 §4.4); honour it as well as the curve.
  if (keyAlg !== alg || (publicJwk.alg !== undefined && publicJwk.alg !== alg)) {
    throw new CivitasError(
      'ALG_KEY_MISMATCH',
      `JWS alg ${alg} cannot be verified with a ${publicJwk.crv} key`,
      {
        details: { alg, keyAlg, crv: publicJwk.crv },
      },
    )
  }
  const key = publicKeyObject(publicJwk)
  // RFC 7518 §3.4: ECDSA signatures are R||S of fixed length. A DER-encoded one is invalid.
  if (decoded.signature.length !== signatureLength(alg)) {
    throw new CivitasError('SIGNATURE_INVALID', `${alg} signature must be ${signatureLength(alg)} bytes`, {
      details: { alg, expectedLength: signatureLength(alg), actualLength: decoded.signature.length },
    })
  }
  let valid: boolean
  if (alg === 'ES256K') {
    // jose has no secp256k1; OpenSSL's verify is ~4x faster than pure-JS here (bench/).
    valid = platformVerify(
      CURVES.ES256K.hash,
      encoder.encode(decoded.signingInput),
      { key, dsaEncoding: 'ieee-p1363' },
      decoded.signature,
    )
  } else {
    try {
      await compactVerify(jws, key, { algorithms: [alg] })
      valid = true
    } catch (cause) {
      if (cause instanceof joseErrors.JWSSignatureVerificationFailed) valid = false
      else throw new CivitasError('INVALID_JWS', 'JWS could not be verified', { cause })
    }
  }
  if (!valid)
    throw new CivitasError('SIGNATURE_INVALID', 'JWS signature does not verify', { details: { alg } })
  return alg
}

/**
 * Verifies a compact JWS against one public JWK. Throws a {@link CivitasError}:
 * `INPUT_TOO_LARGE`, `INVALID_JWS`, `INVALID_ENCODING`, `UNSECURED_JWS`, `UNSUPPORTED_ALG`,
 * `ALG_KEY_MISMATCH`, `KEY_INVALID`, `UNSUPPORTED_CURVE` or `SIGNATURE_INVALID`.
 */
export async function verifyJws(
  jws: string,
  publicJwk: Jwk,
  options: VerifyJwsOptions = {},
): Promise<VerifiedJws> {
  const decoded = decodeJws(jws, options)
  const alg = await verifyDecodedJws(decoded, jws, publicJwk, options.algorithms)
  return { header: decoded.header, payload: decoded.payload, alg }
}

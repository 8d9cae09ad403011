import { type KeyObject, verify as platformVerify } from 'node:crypto'
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
import {
  assertDecodedJws,
  type DecodedJws,
  type DecodeJwsOptions,
  decodeJws,
  type JwsHeader,
} from './decode.js'

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

// RFC 7517 §4.2 / §4.3: a key published for encryption, or whose operations exclude
// "verify", must not verify signatures, whatever its curve says.
export function checkKeyUse(publicJwk: Jwk): void {
  const { use, key_ops: keyOps } = publicJwk
  if (use !== undefined && use !== 'sig') {
    throw new CivitasError(
      'ALG_KEY_MISMATCH',
      `a JWK with "use": ${JSON.stringify(use)} cannot verify a JWS`,
      {
        details: { use },
      },
    )
  }
  if (keyOps !== undefined && (!Array.isArray(keyOps) || !keyOps.includes('verify'))) {
    throw new CivitasError('ALG_KEY_MISMATCH', 'a JWK whose "key_ops" lack "verify" cannot verify a JWS', {
      details: { key_ops: keyOps },
    })
  }
}

/**
 * One signature check on the platform's OpenSSL. The callback form runs on libuv's thread
 * pool, so concurrent verifications use every core, and it checks exactly the bytes decodeJws
 * produced: nothing is parsed a second time.
 */
function platformVerifyAsync(alg: SignatureAlgorithm, key: KeyObject, data: Buffer, signature: Uint8Array) {
  return new Promise<boolean>((resolve, reject) => {
    platformVerify(CURVES[alg].hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature, (error, valid) =>
      error ? reject(error) : resolve(valid),
    )
  })
}

/**
 * Verifies the signature of an already-decoded JWS with a public JWK. The signature is
 * checked over `decoded.signingInput` and `decoded.signature`, the same bytes the returned
 * header and payload come from; `jws` is kept for callers of the original signature and
 * is not read.
 */
export async function verifyDecodedJws(
  decoded: DecodedJws,
  _jws: string,
  publicJwk: Jwk,
  algorithms?: readonly SignatureAlgorithm[],
): Promise<SignatureAlgorithm> {
  assertDecodedJws(decoded)
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
  checkKeyUse(publicJwk)
  const key = publicKeyObject(publicJwk)
  // RFC 7518 §3.4: ECDSA signatures are R||S of fixed length. A DER-encoded one is invalid.
  // OpenSSL does not enforce low S, so RFC 7515 A.3's high-S ES256 signature verifies.
  if (decoded.signature.length !== signatureLength(alg)) {
    throw new CivitasError('SIGNATURE_INVALID', `${alg} signature must be ${signatureLength(alg)} bytes`, {
      details: { alg, expectedLength: signatureLength(alg), actualLength: decoded.signature.length },
    })
  }
  let valid: boolean
  try {
    // The signing input is base64url and ".", so latin1 is its exact byte encoding.
    valid = await platformVerifyAsync(
      alg,
      key,
      Buffer.from(decoded.signingInput, 'latin1'),
      decoded.signature,
    )
  } catch (cause) {
    throw new CivitasError('SIGNATURE_INVALID', 'JWS signature could not be checked', {
      cause,
      details: { alg },
    })
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
  const opts = options ?? {}
  const decoded = decodeJws(jws, opts)
  const alg = await verifyDecodedJws(decoded, jws, publicJwk, opts.algorithms)
  return { header: decoded.header, payload: decoded.payload, alg }
}

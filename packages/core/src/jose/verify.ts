import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import {
  isVerificationAlgorithm,
  type Jwk,
  VERIFICATION_ALGORITHMS,
  type VerificationAlgorithm,
  verificationAlgorithmsForJwk,
} from '../keys/algorithms.js'
import { publicKeyObject } from '../keys/jwk.js'
import {
  assertDecodedJws,
  type DecodedJws,
  type DecodeJwsOptions,
  decodeJws,
  type JwsHeader,
} from './decode.js'
import { expectedSignatureLength, verifySignature } from './signature.js'

export interface VerifyJwsOptions extends DecodeJwsOptions {
  /** Algorithms accepted for this call. Default: {@link VERIFICATION_ALGORITHMS}. */
  algorithms?: readonly VerificationAlgorithm[]
}

export interface VerifiedJws {
  readonly header: JwsHeader
  readonly payload: Uint8Array
  readonly alg: VerificationAlgorithm
}

/**
 * Checks the header `alg` against the allow-list. Never `none` (decodeJws refuses it),
 * never HMAC: a verifier holding a public key must not accept symmetric MACs.
 */
export function checkAlgorithm(alg: string, allowed: readonly string[] = VERIFICATION_ALGORITHMS): void {
  if (!Array.isArray(allowed)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `allowed must be an array of algorithms, got ${describeValue(allowed)}`,
      {
        details: { argument: 'allowed' },
      },
    )
  }
  if (!allowed.includes(alg)) {
    throw new CivitasError('UNSUPPORTED_ALG', `JWS algorithm ${describeValue(alg)} is not allowed`, {
      details: { alg: typeof alg === 'string' ? alg : describeValue(alg), allowed: [...allowed] },
    })
  }
}

function checkAllowList(
  algorithms: readonly VerificationAlgorithm[] | undefined,
): readonly VerificationAlgorithm[] {
  if (algorithms === undefined) return VERIFICATION_ALGORITHMS
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isVerificationAlgorithm)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `algorithms must be a non-empty subset of ${VERIFICATION_ALGORITHMS.join(', ')}`,
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
      `a JWK with "use": ${describeValue(use)} cannot verify a JWS`,
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
 * Verifies the signature of an already-decoded JWS with a public JWK. The signature is
 * checked over `decoded.signingInput` and `decoded.signature`, the same bytes the returned
 * header and payload come from. Like every `verifyDecoded*` function it takes the decoded
 * JWS first, then the key (or what finds it), then options.
 */
export async function verifyDecodedJws(
  decoded: DecodedJws,
  publicJwk: Jwk,
  algorithms?: readonly VerificationAlgorithm[],
): Promise<VerificationAlgorithm> {
  assertDecodedJws(decoded)
  const alg = decoded.header.alg
  checkAlgorithm(alg, checkAllowList(algorithms))
  const keyAlgorithms = verificationAlgorithmsForJwk(publicJwk)
  // A JWK may pin its algorithm with "alg" (RFC 7517 §4.4); honour it as well as the key type.
  if (
    !keyAlgorithms.includes(alg as VerificationAlgorithm) ||
    (publicJwk.alg !== undefined && publicJwk.alg !== alg)
  ) {
    throw new CivitasError(
      'ALG_KEY_MISMATCH',
      `JWS alg ${describeValue(alg)} cannot be verified with this ${keyAlgorithms.join(' / ')} key`,
      {
        details: {
          alg,
          keyAlg: keyAlgorithms[0],
          crv: typeof publicJwk.crv === 'string' ? publicJwk.crv : undefined,
        },
      },
    )
  }
  const verified = alg as VerificationAlgorithm
  checkKeyUse(publicJwk)
  const key = publicKeyObject(publicJwk)
  // RFC 7518 §3.4: ECDSA signatures are R||S of fixed length. A DER-encoded one is invalid.
  const expected = expectedSignatureLength(verified, key)
  if (decoded.signature.length !== expected) {
    throw new CivitasError('SIGNATURE_INVALID', `${alg} signature must be ${expected} bytes`, {
      details: { alg, expectedLength: expected, actualLength: decoded.signature.length },
    })
  }
  let valid: boolean
  try {
    // The signing input is base64url and ".", so latin1 is its exact byte encoding.
    valid = await verifySignature(
      verified,
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
  return verified
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
  // Caller misuse is reported as such whatever the token holds.
  const algorithms = checkAllowList(opts.algorithms)
  const decoded = decodeJws(jws, opts)
  const alg = await verifyDecodedJws(decoded, publicJwk, algorithms)
  return { header: decoded.header, payload: decoded.payload, alg }
}

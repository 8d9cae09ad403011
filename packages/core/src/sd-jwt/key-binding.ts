import { CivitasError, toCivitasError } from '../errors/index.js'
import { assertRecord, assertString } from '../guards/index.js'
import { decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import { verifyDecodedJws } from '../jose/verify.js'
import type { Jwk, VerificationAlgorithm } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import { type SdHashAlgorithm, sdDigest } from './hash.js'

export const KB_JWT_TYP = 'kb+jwt'

/** How old a KB-JWT may be by default: a presentation answers one fresh nonce. */
export const DEFAULT_KB_MAX_AGE_SECONDS = 300

export interface KeyBindingOptions {
  signer: Signer
  nonce: string
  audience: string
  /** Issued-at, seconds since the epoch. Default: now. */
  iat?: number
}

/** Signs a KB-JWT over `sdJwt` (`<JWT>~<D1>~...~<Dn>~`), RFC 9901 §4.3. */
export async function createKeyBindingJwt(
  sdJwt: string,
  hashAlg: SdHashAlgorithm,
  options: KeyBindingOptions,
): Promise<string> {
  // The hash algorithm is checked by sdDigest.
  assertString(sdJwt, 'sdJwt', { nonEmpty: true })
  assertRecord(options, 'options')
  if (typeof options.nonce !== 'string' || options.nonce.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'keyBinding.nonce must be a non-empty string')
  }
  if (typeof options.audience !== 'string' || options.audience.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'keyBinding.audience must be a non-empty string')
  }
  const iat = options.iat ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(iat))
    throw new CivitasError('INVALID_ARGUMENT', 'keyBinding.iat must be an integer')
  return signJws(
    { iat, aud: options.audience, nonce: options.nonce, sd_hash: sdDigest(hashAlg, sdJwt) },
    options.signer,
    { typ: KB_JWT_TYP, kid: undefined },
  )
}

export interface VerifyKeyBindingOptions {
  /** The holder key: `cnf.jwk` of the issuer-signed payload. */
  holderJwk: Jwk
  nonce?: string
  audience?: string
  /** Seconds since the epoch. */
  now: number
  maxAgeSeconds: number
  clockSkewSeconds: number
  algorithms?: readonly VerificationAlgorithm[]
}

export interface VerifiedKeyBinding {
  readonly header: JwsHeader
  readonly payload: Record<string, unknown>
}

/**
 * Verifies a KB-JWT: `typ` kb+jwt, signature by the holder key, `sd_hash` over exactly
 * the presented `<JWT>~<D1>~...~<Dn>~` (re-ordered Disclosures change it), `nonce`, `aud`,
 * and an `iat` that is a number inside the freshness window.
 */
export async function verifyKeyBindingJwt(
  kbJwt: string,
  sdJwt: string,
  hashAlg: SdHashAlgorithm,
  options: VerifyKeyBindingOptions,
): Promise<VerifiedKeyBinding> {
  let header: JwsHeader
  let payload: Record<string, unknown>
  try {
    const decoded = decodeJws(kbJwt)
    header = decoded.header
    if (header.typ !== KB_JWT_TYP) {
      throw new CivitasError('KB_JWT_INVALID', `KB-JWT typ must be "${KB_JWT_TYP}"`, {
        details: { typ: header.typ },
      })
    }
    payload = parseJwtClaims(decoded.payload)
    await verifyDecodedJws(decoded, options.holderJwk, options.algorithms)
  } catch (cause) {
    if (cause instanceof CivitasError && cause.code === 'KB_JWT_INVALID') throw cause
    throw new CivitasError(
      'KB_JWT_INVALID',
      'KB-JWT is malformed or not signed by the holder key (cnf.jwk)',
      {
        cause: toCivitasError(cause, 'KB_JWT_INVALID', 'KB-JWT rejected'),
      },
    )
  }
  const { iat, sd_hash: sdHash, nonce, aud } = payload
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw new CivitasError('KB_IAT_INVALID', 'KB-JWT iat must be a NumericDate (number)')
  }
  if (iat > options.now + options.clockSkewSeconds) {
    throw new CivitasError('KB_IAT_INVALID', 'KB-JWT iat is in the future', {
      details: { iat, now: options.now },
    })
  }
  if (iat < options.now - options.maxAgeSeconds - options.clockSkewSeconds) {
    throw new CivitasError('KB_IAT_INVALID', `KB-JWT is older than ${options.maxAgeSeconds} seconds`, {
      details: { iat, now: options.now, maxAgeSeconds: options.maxAgeSeconds },
    })
  }
  if (typeof sdHash !== 'string' || sdHash !== sdDigest(hashAlg, sdJwt)) {
    throw new CivitasError(
      'KB_SD_HASH_MISMATCH',
      'KB-JWT sd_hash does not match the presented SD-JWT (Disclosures altered, added, removed or re-ordered)',
    )
  }
  if (typeof nonce !== 'string') throw new CivitasError('KB_JWT_INVALID', 'KB-JWT nonce must be a string')
  if (options.nonce !== undefined && nonce !== options.nonce) {
    throw new CivitasError('NONCE_MISMATCH', 'KB-JWT nonce is not the expected nonce')
  }
  if (typeof aud !== 'string') throw new CivitasError('KB_JWT_INVALID', 'KB-JWT aud must be a string')
  if (options.audience !== undefined && aud !== options.audience) {
    throw new CivitasError('AUDIENCE_MISMATCH', 'KB-JWT aud is not this verifier', { details: { aud } })
  }
  return { header, payload }
}

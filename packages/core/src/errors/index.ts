import { describeValue } from './describe.js'

/**
 * One error type for the whole project. Every failure a caller can act on carries a
 * stable `code` from {@link CivitasErrorCode}; the message is for humans and may change.
 * Dependency errors are never rethrown raw: they travel as `cause`.
 */

/** Every code a {@link CivitasError} can carry. Codes are stable API: add, never rename. */
export type CivitasErrorCode =
  // ── general input guards ─────────────────────────────────────────────
  | 'INVALID_ARGUMENT'
  | 'INPUT_TOO_LARGE'
  // ── keys ─────────────────────────────────────────────────────────────
  | 'KEY_INVALID'
  | 'UNSUPPORTED_CURVE'
  | 'KEY_NOT_PRIVATE'
  | 'KEY_FILE_INVALID'
  | 'KEY_FILE_TRUNCATED'
  | 'KEY_FILE_TAMPERED'
  | 'KEY_FILE_VERSION_UNSUPPORTED'
  | 'PKCS11_UNAVAILABLE'
  | 'PKCS11_FAILED'
  // ── JOSE ─────────────────────────────────────────────────────────────
  | 'INVALID_JWS'
  | 'INVALID_ENCODING'
  | 'UNSECURED_JWS'
  | 'UNSUPPORTED_ALG'
  | 'ALG_KEY_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'SIGNER_FAILED'
  // ── DIDs ─────────────────────────────────────────────────────────────
  | 'DID_INVALID'
  | 'DID_METHOD_UNSUPPORTED'
  | 'DID_NOT_FOUND'
  | 'DID_DEACTIVATED'
  | 'KEY_NOT_FOUND'
  | 'RESOLVER_UNAVAILABLE'
  | 'DID_DOCUMENT_INVALID'
  // ── credential formats (VCDM 1.1 / 2.0 JWT, SD-JWT VC) ───────────────
  | 'CREDENTIAL_INVALID'
  | 'PRESENTATION_INVALID'
  | 'CLAIM_INVALID'
  | 'CREDENTIAL_EXPIRED'
  | 'CREDENTIAL_NOT_YET_VALID'
  | 'PRESENTATION_EXPIRED'
  | 'PRESENTATION_NOT_YET_VALID'
  | 'TIME_ORDER_INVALID'
  | 'FORMAT_MISMATCH'
  | 'NONCE_MISMATCH'
  | 'AUDIENCE_MISMATCH'
  | 'SD_JWT_INVALID'
  | 'SD_DISCLOSURE_INVALID'
  | 'SD_DISCLOSURE_UNREFERENCED'
  | 'SD_DIGEST_DUPLICATE'
  | 'SD_CLAIM_NAME_RESERVED'
  | 'SD_TOO_MANY_DISCLOSURES'
  | 'KB_JWT_MISSING'
  | 'KB_JWT_INVALID'
  | 'KB_SD_HASH_MISMATCH'
  | 'KB_IAT_INVALID'
  | 'VERIFICATION_TIMEOUT'
  // ── status lists ─────────────────────────────────────────────────────
  | 'STATUS_LIST_INVALID'
  | 'STATUS_LIST_TOO_SHORT'
  | 'STATUS_INDEX_OUT_OF_RANGE'
  // ── ledger / registries ──────────────────────────────────────────────
  | 'CHAIN_UNAVAILABLE'
  | 'TRANSACTION_FAILED'
  | 'CONTRACT_REVERTED'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ALREADY_REVOKED'
  | 'SIGNATURE_EXPIRED'
  | 'STATUS_PURPOSE_MISMATCH'
  | 'ACCREDITATION_INACTIVE'
  | 'ACCREDITATION_SCOPE_EXCEEDED'
  | 'ACCREDITATION_CHAIN_TOO_DEEP'
  // ── storage (@civitas/store) ─────────────────────────────────────────
  | 'STORE_UNAVAILABLE'
  | 'STORE_CONFLICT'
  | 'STORE_CONSTRAINT'
  | 'STORE_TIMEOUT'
  | 'STORE_CORRUPT'
  | 'STORE_QUERY_FAILED'
  | 'STORE_VERSION_UNSUPPORTED'
  | 'STORE_MIGRATION_FAILED'
  // ── wallet (encrypted holder store) ──────────────────────────────────
  | 'WALLET_LOCKED'
  | 'WALLET_CORRUPTED'
  | 'PASSPHRASE_INVALID'
  | 'RECORD_TAMPERED'
  | 'RECORD_TRUNCATED'
  | 'CREDENTIAL_NOT_BOUND'
  | 'CREDENTIAL_NOT_FOUND'
  | 'QUERY_INVALID'
  | 'DISCLOSURE_NOT_SELECTIVE'
  | 'ARCHIVE_INVALID'
  | 'KEY_IN_USE'
  // ── issuer (@civitas/issuer) ─────────────────────────────────────────
  | 'FORMAT_UNSUPPORTED'
  | 'TEMPLATE_NOT_FOUND'
  | 'SCHEMA_VALIDATION_FAILED'
  | 'ALREADY_SUSPENDED'
  | 'NOT_SUSPENDED'
  | 'SIGNER_RETIRED'
  // ── verifier: checks beyond the token itself ─────────────────────────
  | 'CREDENTIAL_REVOKED'
  | 'CREDENTIAL_SUSPENDED'
  | 'STATUS_UNAVAILABLE'
  | 'ISSUER_NOT_TRUSTED'
  | 'CERTIFICATE_INVALID'
  | 'TRUST_UNAVAILABLE'
  | 'SCHEMA_INVALID'
  | 'SCHEMA_UNAVAILABLE'
  | 'SCHEMA_HASH_MISMATCH'
  | 'HOLDER_BINDING_INVALID'
  | 'NONCE_REPLAYED'
  | 'CHECK_FAILED'
  | 'SNAPSHOT_INVALID'
  | 'SNAPSHOT_STALE'

export interface CivitasErrorOptions {
  /** The error this one was raised for (a dependency's error, a failed fetch...). */
  cause?: unknown
  /** Machine-readable context: which member, which limit, which DID. Never secrets. */
  details?: Record<string, unknown>
}

export class CivitasError extends Error {
  override readonly name = 'CivitasError'
  readonly code: CivitasErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor(code: CivitasErrorCode, message: string, options: CivitasErrorOptions = {}) {
    // Built while reporting bad input: it must not throw on a message or options that are
    // themselves bad (`{ toString: null }` as a message would throw from super()).
    const opts: CivitasErrorOptions = options !== null && typeof options === 'object' ? options : {}
    super(
      typeof message === 'string' ? message : describeValue(message),
      opts.cause === undefined ? undefined : { cause: opts.cause },
    )
    this.code = code
    this.details =
      opts.details !== null && typeof opts.details === 'object' && !Array.isArray(opts.details)
        ? opts.details
        : undefined
  }

  toJSON(): { name: string; code: CivitasErrorCode; message: string; details?: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

/** True when `error` is a {@link CivitasError}, optionally with the given code. */
export function isCivitasError(error: unknown, code?: CivitasErrorCode): error is CivitasError {
  return error instanceof CivitasError && (code === undefined || error.code === code)
}

/**
 * Wraps anything thrown by a dependency into a CivitasError with `code`, keeping
 * CivitasErrors as they are (they already carry the most precise code).
 */
export function toCivitasError(error: unknown, code: CivitasErrorCode, message: string): CivitasError {
  if (error instanceof CivitasError) return error
  return new CivitasError(code, message, { cause: error })
}

export { describeValue, kindOf } from './describe.js'

import { describeValue } from '../errors/describe.js'
import { CivitasError, type CivitasErrorCode } from '../errors/index.js'

/**
 * The check of the verification pipeline an error came from, so a verifier can build one
 * result per check without re-deriving it from codes:
 *
 * - `format`: the token's structure and format rules (`typ`, claims, the JWT claims agreeing
 *   with the credential they carry, SD-JWT VC rules)
 * - `key`: finding the signer's key (the signer DID the token names, DID resolution, `getKey`)
 * - `signature`: the signature over the token with that key
 * - `time`: `iat` / `nbf` / `exp` and the credential's validity dates
 * - `dataModel`: the W3C Verifiable Credentials Data Model (1.1 / 2.0, EBSI profile)
 * - `status-entry`: the shape of the status entries (`credentialStatus`, `status.status_list`)
 * - `binding`: holder and verifier binding (nonce, audience, KB-JWT, holder = `iss`, the
 *   list a Status List Token is for)
 * - `disclosures`: SD-JWT Disclosures (digests, duplicates, reserved names)
 * - `resources`: a limit or the deadline was reached (`INPUT_TOO_LARGE`, `VERIFICATION_TIMEOUT`)
 */
export type VerificationCheck =
  | 'format'
  | 'key'
  | 'signature'
  | 'time'
  | 'dataModel'
  | 'status-entry'
  | 'binding'
  | 'disclosures'
  | 'resources'

/** One reason a token did not verify. */
export interface VerificationError {
  readonly code: CivitasErrorCode
  readonly message: string
  /** The pipeline check that found it. */
  readonly check: VerificationCheck
  /** For a presentation: the position of the enclosed credential it belongs to. */
  readonly credential?: number
}

// Whatever stage they surface in, these say a bound was reached, not that the token is bad.
const RESOURCE_CODES = new Set<CivitasErrorCode>([
  'INPUT_TOO_LARGE',
  'VERIFICATION_TIMEOUT',
  'SD_TOO_MANY_DISCLOSURES',
])

/**
 * Turns anything thrown while verifying into a result entry of `check`. Verification reports
 * bad tokens, it never throws for them; an unexpected error still fails closed under
 * `fallback`, its message read without calling anything on it.
 */
export function toVerificationError(
  error: unknown,
  fallback: CivitasErrorCode,
  check: VerificationCheck,
): VerificationError {
  if (error instanceof CivitasError) {
    return {
      code: error.code,
      message: error.message,
      check: RESOURCE_CODES.has(error.code) ? 'resources' : check,
    }
  }
  const message =
    error instanceof Error && typeof error.message === 'string' ? error.message : describeValue(error)
  return { code: fallback, message, check }
}

/** Tags format-independent errors (`{ code, message }`) with the check that produced them. */
export function inCheck(
  check: VerificationCheck,
  errors: readonly { code: CivitasErrorCode; message: string }[],
): VerificationError[] {
  return errors.map((e) => ({
    code: e.code,
    message: e.message,
    check: RESOURCE_CODES.has(e.code) ? 'resources' : check,
  }))
}

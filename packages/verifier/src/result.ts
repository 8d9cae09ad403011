import type { CivitasErrorCode } from '@civitas/core'

/**
 * Check ids are stable API: a relying party, a CLI table and a log line name a check by them.
 * Custom checks add their own ids (any other string).
 */
export type BuiltInCheckId =
  | 'credential/format'
  | 'credential/signature'
  | 'credential/time'
  | 'credential/data-model'
  | 'credential/status'
  | 'credential/trust'
  | 'credential/schema'
  | 'sd-jwt/disclosures'
  | 'sd-jwt/key-binding'
  | 'presentation/format'
  | 'presentation/signature'
  | 'presentation/time'
  | 'presentation/data-model'
  | 'presentation/nonce'
  | 'presentation/audience'
  | 'presentation/holder-binding'
  | 'trust/snapshot'

export type CheckId = BuiltInCheckId | (string & {})

/** The outcome of one check. A failed check carries the code of why, and a readable sentence. */
export interface CheckResult {
  readonly id: CheckId
  readonly ok: boolean
  readonly code?: CivitasErrorCode
  /** A sentence for the person at the desk: what was checked and what was found. */
  readonly message: string
  /** Machine-readable evidence: status entries read, the accreditation chain, schema id... */
  readonly data?: Record<string, unknown>
  /** In a presentation: the position of the enclosed credential this check is about. */
  readonly credential?: number
}

/** A failed check, flattened for callers that only want the reasons. */
export interface VerificationFailure {
  readonly check: CheckId
  readonly code: CivitasErrorCode
  readonly message: string
  readonly credential?: number
}

export type CredentialFormat = 'jwt_vc_json' | 'vc+jwt' | 'vc+sd-jwt' | 'dc+sd-jwt'

/** Where the trust decisions of a result came from, and as of when. */
export interface TrustInfo {
  /** `chain`: live registries; `snapshot`: a signed offline snapshot; `allow-list`; `none`. */
  readonly source: 'chain' | 'snapshot' | 'allow-list' | 'none'
  /** ISO time of the chain state used (the confirmed block, or the snapshot's block). */
  readonly asOf?: string
  readonly block?: number
}

export interface CredentialVerificationResult {
  readonly verified: boolean
  readonly format?: CredentialFormat
  readonly issuer?: string
  readonly subject?: string
  /** The credential as the data model reads it; for SD-JWT VC the disclosed claims. Trust only when verified. */
  readonly credential?: Record<string, unknown>
  readonly checks: readonly CheckResult[]
  readonly errors: readonly VerificationFailure[]
  readonly trust: TrustInfo
}

export interface PresentationVerificationResult {
  readonly verified: boolean
  readonly format?: CredentialFormat
  /** The presenter: the VP signer's DID (JWT formats); absent for SD-JWT (bound by key). */
  readonly holder?: string
  readonly presentation?: Record<string, unknown>
  /** One result per enclosed credential (one for SD-JWT VC), each with its own checks. */
  readonly credentials: readonly CredentialVerificationResult[]
  /** Presentation checks, then every credential's checks (with `credential` set). */
  readonly checks: readonly CheckResult[]
  readonly errors: readonly VerificationFailure[]
  readonly trust: TrustInfo
  /** Convenience for a single-credential presentation: the first credential's issuer and subject. */
  readonly issuer?: string
  readonly subject?: string
  readonly credential?: Record<string, unknown>
}

export function pass(id: CheckId, message: string, data?: Record<string, unknown>): CheckResult {
  return data === undefined ? { id, ok: true, message } : { id, ok: true, message, data }
}

export function fail(
  id: CheckId,
  code: CivitasErrorCode,
  message: string,
  data?: Record<string, unknown>,
): CheckResult {
  return data === undefined ? { id, ok: false, code, message } : { id, ok: false, code, message, data }
}

/** The failures of `checks`, in order. A failed check without a code counts as CHECK_FAILED. */
export function failuresOf(checks: readonly CheckResult[]): VerificationFailure[] {
  return checks
    .filter((check) => !check.ok)
    .map((check) => ({
      check: check.id,
      code: check.code ?? 'CHECK_FAILED',
      message: check.message,
      ...(check.credential !== undefined ? { credential: check.credential } : {}),
    }))
}

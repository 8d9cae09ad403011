import type { JwsHeader } from '@civitas/core'
import { type CivitasErrorCode, describeValue } from '@civitas/core'
import type { CheckResult, CredentialFormat } from './result.js'

/** What a custom check sees: one credential (verified so far), and its presentation if any. */
export interface CheckContext {
  readonly format: CredentialFormat
  readonly issuer?: string
  readonly subject?: string
  /** The credential as the data model reads it; SD-JWT VC: the disclosed claims. */
  readonly credential: Record<string, unknown>
  readonly header: JwsHeader
  readonly payload: Record<string, unknown>
  readonly types: readonly string[]
  /** Seconds since the epoch. */
  readonly issuedAt?: number
  /** The built-in checks of this credential, already run. */
  readonly checks: readonly CheckResult[]
  /** Set when the credential came in a presentation. */
  readonly presentation?: { readonly holder?: string; readonly format?: CredentialFormat }
  /** Verification time, seconds since the epoch. */
  readonly now: number
}

export interface CustomCheckOutcome {
  /** Defaults to the check's declared id. */
  readonly id?: string
  readonly ok: boolean
  readonly message: string
  /** Defaults to CHECK_FAILED when the check fails. */
  readonly code?: CivitasErrorCode
  readonly data?: Record<string, unknown>
}

export type CustomCheckFunction = (context: CheckContext) => CustomCheckOutcome | Promise<CustomCheckOutcome>

/** A policy's own check: a function, or one with a declared id (used when it throws). */
export type CustomCheck = CustomCheckFunction | { readonly id: string; readonly run: CustomCheckFunction }

function idOf(check: CustomCheck, position: number): string {
  if (typeof check === 'function') return check.name ? `custom/${check.name}` : `custom/${position}`
  return check.id
}

/** Runs the policy's checks in order; a check that throws fails with CHECK_FAILED, it never escapes. */
export async function runCustomChecks(
  checks: readonly CustomCheck[],
  context: CheckContext,
): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const [position, check] of checks.entries()) {
    const declared = idOf(check, position)
    try {
      const run = typeof check === 'function' ? check : check.run
      const outcome = await run(context)
      const id = typeof outcome?.id === 'string' ? outcome.id : declared
      const ok = outcome?.ok === true
      const message = typeof outcome?.message === 'string' ? outcome.message : ok ? 'passed' : 'failed'
      results.push({
        id,
        ok,
        ...(ok ? {} : { code: outcome?.code ?? 'CHECK_FAILED' }),
        message,
        ...(outcome?.data !== undefined ? { data: outcome.data } : {}),
      })
    } catch (error) {
      results.push({
        id: declared,
        ok: false,
        code: 'CHECK_FAILED',
        message: `The check ${declared} could not run: ${error instanceof Error ? describeValue(error.message, 200) : 'it threw'}`,
      })
    }
  }
  return results
}

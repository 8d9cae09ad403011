import { CivitasError, isRecord } from '@civitas/core'
import type { CredentialFormat } from './core-adapter.js'

/** One presentation, as the wallet's transaction log keeps it (encrypted like every record). */
export interface LogEntry {
  readonly id: string
  /** ISO 8601 time of the presentation. */
  readonly at: string
  /** The verifier the presentation was made for (its `audience`). */
  readonly audience: string
  readonly nonce: string
  readonly presented: readonly {
    readonly queryId: string
    readonly credentialId: string
    readonly format: CredentialFormat
    readonly types: readonly string[]
    readonly issuer: string
    /** JSON Pointers of every claim the verifier received. */
    readonly disclosed: readonly string[]
  }[]
}

export function checkLogEntry(
  value: unknown,
  what: string,
  code: 'RECORD_TAMPERED' | 'ARCHIVE_INVALID',
): LogEntry {
  const ok =
    isRecord(value) &&
    typeof value.id === 'string' &&
    value.id.length > 0 &&
    value.id.length <= 256 &&
    typeof value.at === 'string' &&
    typeof value.audience === 'string' &&
    typeof value.nonce === 'string' &&
    Array.isArray(value.presented) &&
    value.presented.every(
      (p) =>
        isRecord(p) &&
        typeof p.queryId === 'string' &&
        typeof p.credentialId === 'string' &&
        typeof p.issuer === 'string' &&
        Array.isArray(p.types) &&
        Array.isArray(p.disclosed),
    )
  if (!ok) throw new CivitasError(code, `${what} is not a log entry`)
  return value as unknown as LogEntry
}

import { CivitasError, type CivitasErrorCode } from '@civitas/core/errors'
import type { StoreDialect } from './types.js'

/**
 * Maps what better-sqlite3, pg and Kysely throw onto stable CivitasError codes, so the
 * issuer and the wallet branch on `code` and never on a driver's message or class.
 * The driver's error travels as `cause`; our message names only the driver's code,
 * because a driver message can quote row values (PostgreSQL: `invalid input syntax ... "x"`).
 */

/** The kind of constraint a STORE_CONSTRAINT error broke (`details.constraint`). */
export type ConstraintKind = 'unique' | 'foreign_key' | 'not_null' | 'check' | 'other'

interface Mapped {
  code: CivitasErrorCode
  what: string
  constraint?: ConstraintKind
}

export function toStoreError(error: unknown, dialect: StoreDialect): CivitasError {
  if (error instanceof CivitasError) return error
  const driverCode = driverCodeOf(error)
  const mapped = dialect === 'sqlite' ? mapSqlite(driverCode, error) : mapPostgres(driverCode, error)
  const details: Record<string, unknown> = { dialect }
  if (driverCode !== undefined) details.driverCode = driverCode
  if (mapped.constraint !== undefined) details.constraint = mapped.constraint
  if (mapped.code === 'STORE_CONFLICT') details.retryable = true
  const suffix = driverCode === undefined ? '' : ` (${driverCode})`
  return new CivitasError(mapped.code, `${dialect} store: ${mapped.what}${suffix}`, { cause: error, details })
}

function driverCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : ''
}

// better-sqlite3 raises SqliteError with the extended result code name (SQLITE_CONSTRAINT_UNIQUE),
// and a TypeError once the handle is closed.
function mapSqlite(code: string | undefined, error: unknown): Mapped {
  if (code === undefined) {
    if (/database connection is not open|driver has already been destroyed/i.test(messageOf(error))) {
      return { code: 'STORE_UNAVAILABLE', what: 'the database is closed' }
    }
    return { code: 'STORE_QUERY_FAILED', what: 'the query failed' }
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return { code: 'STORE_CONFLICT', what: 'the database is locked by another writer' }
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return { code: 'STORE_CONSTRAINT', what: 'a constraint was violated', constraint: sqliteConstraint(code) }
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return { code: 'STORE_CORRUPT', what: 'the database file is corrupt or not a database' }
  }
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH' ||
    code === 'SQLITE_NOMEM'
  ) {
    return { code: 'STORE_UNAVAILABLE', what: 'the database file cannot be used' }
  }
  if (code === 'SQLITE_INTERRUPT') return { code: 'STORE_TIMEOUT', what: 'the statement was interrupted' }
  return { code: 'STORE_QUERY_FAILED', what: 'the query failed' }
}

function sqliteConstraint(code: string): ConstraintKind {
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique'
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key'
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') return 'not_null'
  if (code === 'SQLITE_CONSTRAINT_CHECK') return 'check'
  return 'other'
}

// Node socket errors seen when the server is down or goes away.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
])

// pg and pg-pool raise plain Errors without a SQLSTATE for these.
const PG_CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client was closed and is not queryable|driver has already been destroyed|Connection ended/i

function mapPostgres(code: string | undefined, error: unknown): Mapped {
  if (code === undefined || NETWORK_CODES.has(code)) {
    const message = messageOf(error)
    if (/Query read timeout/i.test(message)) {
      return { code: 'STORE_TIMEOUT', what: 'the server did not answer in time' }
    }
    if (code !== undefined || PG_CONNECTION_MESSAGES.test(message)) {
      return { code: 'STORE_UNAVAILABLE', what: 'the server cannot be reached' }
    }
    if (error instanceof Error && error.name === 'AbortedTransactionError') {
      return {
        code: 'STORE_QUERY_FAILED',
        what: 'the transaction was aborted by an earlier failed statement',
      }
    }
    return { code: 'STORE_QUERY_FAILED', what: 'the query failed' }
  }
  // SQLSTATE classes: https://www.postgresql.org/docs/current/errcodes-appendix.html
  if (code === '40001' || code === '40P01') {
    return { code: 'STORE_CONFLICT', what: 'the transaction conflicted with a concurrent one' }
  }
  if (code.startsWith('23')) {
    return {
      code: 'STORE_CONSTRAINT',
      what: 'a constraint was violated',
      constraint: postgresConstraint(code),
    }
  }
  if (code === '57014' || code === '55P03' || code === '25P03') {
    return { code: 'STORE_TIMEOUT', what: 'the statement ran past its time limit' }
  }
  if (
    code.startsWith('08') ||
    code.startsWith('28') ||
    code.startsWith('53') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '3D000'
  ) {
    return { code: 'STORE_UNAVAILABLE', what: 'the server cannot be used' }
  }
  if (code === 'XX001' || code === 'XX002') {
    return { code: 'STORE_CORRUPT', what: 'the server reported corrupt data' }
  }
  return { code: 'STORE_QUERY_FAILED', what: 'the query failed' }
}

function postgresConstraint(code: string): ConstraintKind {
  if (code === '23505') return 'unique'
  if (code === '23503') return 'foreign_key'
  if (code === '23502') return 'not_null'
  if (code === '23514') return 'check'
  return 'other'
}

import { CivitasError } from '@civitas/core/errors'
import { type Dialect, PostgresDialect } from 'kysely'
import type { PoolConfig } from 'pg'
import type { ResolvedTarget } from './target.js'
import type { PostgresOptions } from './types.js'

export const POSTGRES_DEFAULTS = {
  maxConnections: 10,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 30_000,
  idleInTransactionTimeoutMs: 60_000,
  idleTimeoutMs: 10_000,
  applicationName: 'civitas',
} as const

const INT8_OID = 20

/**
 * A pg Pool that cannot take the process down and cannot hang: every connection gets an
 * `error` listener (pg emits `error` on an idle or checked-out client whose server went
 * away; unheard, that event is an uncaught exception), connecting and each statement are
 * bounded, and a client idling inside a transaction is cut by the server.
 */
export async function openPostgres(
  target: Extract<ResolvedTarget, { dialect: 'postgres' }>,
  options: PostgresOptions,
): Promise<Dialect> {
  const pg = await loadDriver()
  const statementTimeoutMs = options.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs
  const config: PoolConfig = {
    ...('connectionString' in target ? { connectionString: target.connectionString } : target.connection),
    max: options.maxConnections ?? POSTGRES_DEFAULTS.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs ?? POSTGRES_DEFAULTS.idleTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: options.queryTimeoutMs ?? statementTimeoutMs + 5000,
    idle_in_transaction_session_timeout:
      options.idleInTransactionTimeoutMs ?? POSTGRES_DEFAULTS.idleInTransactionTimeoutMs,
    application_name: options.applicationName ?? POSTGRES_DEFAULTS.applicationName,
    keepAlive: true,
    // bigint columns (count(*), bigserial) as numbers, as SQLite returns them, so the
    // same code reads both databases. Values past 2^53 are not stored by Civitas.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  }
  const pool = new pg.Pool(config)
  // An idle client lost its server: the pool drops it; the next query reports STORE_UNAVAILABLE.
  pool.on('error', () => {})
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  return new PostgresDialect({ pool })
}

async function loadDriver(): Promise<typeof import('pg').default> {
  try {
    return (await import('pg')).default
  } catch (error) {
    throw new CivitasError('STORE_UNAVAILABLE', 'postgres store: the pg module cannot be loaded', {
      cause: error,
      details: { dialect: 'postgres' },
    })
  }
}

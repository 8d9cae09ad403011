import { AsyncLocalStorage } from 'node:async_hooks'
import { CivitasError, describeValue } from '@civitas/core/errors'
import { type Dialect, Kysely, sql, type Transaction } from 'kysely'
import { guardDialect } from './guarded-dialect.js'
import { assertMigrationSet, readVersion, runMigrations } from './migrations.js'
import { openPostgres } from './postgres.js'
import { retryOnConflict } from './retry.js'
import { openSqlite, SQLITE_DEFAULTS } from './sqlite.js'
import { resolveTarget } from './target.js'
import type {
  AnyDatabase,
  MigrationSet,
  OpenStoreOptions,
  Store,
  StoreDialect,
  StoreTarget,
  TransactionOptions,
} from './types.js'

const DEFAULT_ATTEMPTS = 10
const MAX_ATTEMPTS = 1000

/**
 * Opens (creating it if needed) the database at `target`, checks it can be reached, and
 * applies `options.migrations`. Fails with STORE_UNAVAILABLE (cannot open or connect),
 * STORE_CORRUPT (not a database), STORE_VERSION_UNSUPPORTED (the database is newer than
 * the code) or STORE_MIGRATION_FAILED; a store that failed to open is already closed.
 *
 * @example
 * const store = await openStore<IssuerTables>('sqlite:./.civitas/issuer.db', {
 *   migrations: { namespace: 'issuer', steps: issuerMigrations },
 * })
 */
export async function openStore<DB = AnyDatabase>(
  target: StoreTarget,
  options: OpenStoreOptions = {},
): Promise<Store<DB>> {
  const resolved = resolveTarget(target)
  const settings = checkOptions(options)
  const dialect: StoreDialect = resolved.dialect
  // active: fn is running; open: the Kysely transaction has not ended (its COMMIT may be running).
  const transactions = new AsyncLocalStorage<{ active: boolean; open: boolean }>()
  // store.transaction awaits its commit's flush itself, after the connection is released. Only
  // while its transaction is open: work that fn scheduled for later inherits the context.
  const deferred = () => transactions.getStore()?.open === true
  const opened =
    resolved.dialect === 'sqlite'
      ? await openSqlite(resolved.path, settings.sqlite, deferred)
      : { dialect: await openPostgres(resolved, settings.postgres), durable: async () => {} }
  const inner: Dialect = opened.dialect

  const running = new Set<Promise<unknown>>()
  let closing: Promise<void> | undefined
  const guarded = guardDialect(inner, {
    dialect,
    insideTransaction: () => transactions.getStore()?.active === true,
    closed: () => closing !== undefined,
    busyTimeoutMs: settings.sqlite.busyTimeoutMs,
  })
  const db = new Kysely<DB>({ dialect: guarded.dialect })
  const anyDb = db as unknown as Kysely<AnyDatabase>

  const store: Store<DB> = {
    dialect,
    db,
    async transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>, options: TransactionOptions = {}) {
      if (typeof fn !== 'function') {
        throw new CivitasError('INVALID_ARGUMENT', `fn must be a function, got ${describeValue(fn)}`, {
          details: { argument: 'fn' },
        })
      }
      const attempts = checkAttempts(options.attempts ?? settings.attempts, 'options.attempts')
      if (
        options.durability !== undefined &&
        options.durability !== 'immediate' &&
        options.durability !== 'deferred'
      ) {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          `options.durability must be 'immediate' or 'deferred', got ${describeValue(options.durability)}`,
          { details: { argument: 'options.durability' } },
        )
      }
      if (transactions.getStore()?.active) {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          'store.transaction cannot be nested: use the trx you were given',
          {
            details: { dialect },
          },
        )
      }
      const run = retryOnConflict(async () => {
        const context = { active: false, open: true }
        try {
          return await transactions.run(context, () =>
            db
              .transaction()
              .setIsolationLevel('serializable')
              .execute(async (trx) => {
                context.active = true
                try {
                  return await fn(trx)
                } finally {
                  context.active = false
                }
              }),
          )
        } finally {
          context.open = false
        }
      }, attempts)
      running.add(run)
      try {
        const result = await run
        if (options.durability !== 'deferred') await opened.durable()
        return result
      } finally {
        running.delete(run)
      }
    },
    durable: () => opened.durable(),
    async migrate(set: MigrationSet) {
      assertMigrationSet(set, 'set')
      return await retryOnConflict(() => runMigrations(anyDb, dialect, set), settings.attempts)
    },
    async version(namespace: string) {
      return await readVersion(anyDb, dialect, namespace)
    },
    async vacuum() {
      await sql`vacuum`.execute(db)
      // VACUUM in WAL mode writes the new pages to the WAL; copy them back and empty it,
      // so deleted (and, with secureDelete, zeroed) content is in neither file.
      if (dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db)
    },
    close() {
      // Running transactions finish (or fail) first: SQLite's handle would otherwise close
      // under them. New work is refused from here on (STORE_UNAVAILABLE).
      closing ??= Promise.allSettled([...running]).then(() => guarded.destroy())
      return closing
    },
  }

  try {
    // PostgreSQL connects lazily: find out now, not on the first issued credential.
    await sql`select 1`.execute(db)
    for (const set of settings.migrations) await store.migrate(set)
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  return store
}

interface Settings {
  sqlite: { busyTimeoutMs: number; secureDelete: boolean }
  postgres: NonNullable<OpenStoreOptions['postgres']>
  attempts: number
  migrations: readonly MigrationSet[]
}

function checkOptions(options: OpenStoreOptions): Settings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CivitasError('INVALID_ARGUMENT', `options must be an object, got ${describeValue(options)}`, {
      details: { argument: 'options' },
    })
  }
  const sqlite = options.sqlite ?? {}
  const busyTimeoutMs = sqlite.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs
  checkInteger(busyTimeoutMs, 'options.sqlite.busyTimeoutMs', 0, 600_000)
  const secureDelete = sqlite.secureDelete ?? SQLITE_DEFAULTS.secureDelete
  if (typeof secureDelete !== 'boolean') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `options.sqlite.secureDelete must be a boolean, got ${describeValue(secureDelete)}`,
      { details: { argument: 'options.sqlite.secureDelete' } },
    )
  }
  const postgres = options.postgres ?? {}
  for (const key of [
    'maxConnections',
    'connectTimeoutMs',
    'statementTimeoutMs',
    'queryTimeoutMs',
    'idleInTransactionTimeoutMs',
    'idleTimeoutMs',
  ] as const) {
    const value = postgres[key]
    if (value !== undefined) checkInteger(value, `options.postgres.${key}`, 1, 24 * 3600_000)
  }
  if (postgres.applicationName !== undefined && typeof postgres.applicationName !== 'string') {
    throw new CivitasError('INVALID_ARGUMENT', 'options.postgres.applicationName must be a string', {
      details: { argument: 'options.postgres.applicationName' },
    })
  }
  const attempts = checkAttempts(
    options.transactionAttempts ?? DEFAULT_ATTEMPTS,
    'options.transactionAttempts',
  )
  const migrations =
    options.migrations === undefined
      ? []
      : Array.isArray(options.migrations)
        ? options.migrations
        : [options.migrations]
  migrations.forEach((set: unknown, i) => {
    assertMigrationSet(set, `options.migrations[${i}]`)
  })
  return { sqlite: { busyTimeoutMs, secureDelete }, postgres, attempts, migrations }
}

function checkAttempts(value: unknown, name: string): number {
  checkInteger(value, name, 1, MAX_ATTEMPTS)
  return value
}

function checkInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${name} must be an integer between ${min} and ${max}, got ${describeValue(value)}`,
      { details: { argument: name, min, max } },
    )
  }
}

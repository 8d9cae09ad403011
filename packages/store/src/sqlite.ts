import { closeSync, mkdirSync, openSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { CivitasError } from '@civitas/core/errors'
import type BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from 'kysely'
import { toStoreError } from './errors.js'
import { type Checkpointer, startCheckpointer } from './sqlite-checkpoint.js'
import { durableDriver, walDurability } from './sqlite-durability.js'
import type { SqliteOptions } from './types.js'

export const SQLITE_DEFAULTS = { busyTimeoutMs: 5000, secureDelete: false } as const

export interface OpenedSqlite {
  dialect: Dialect
  /** Resolves once every commit so far is on disk (see sqlite-durability.ts). */
  durable(): Promise<void>
}

/**
 * Opens the SQLite file with the settings the store promises: WAL (readers do not block
 * the writer), every acknowledged commit on disk (synchronous=NORMAL plus the store's own
 * flush of the WAL before it acknowledges: sqlite-durability.ts; so a kill -9 or a power cut
 * loses nothing the caller was told is stored), foreign keys on, and a busy timeout so that
 * a writer waits for another process instead of failing. `deferred()` is true while a commit
 * is one whose flush the store awaits itself, after releasing the connection.
 */
export async function openSqlite(
  path: string,
  options: Required<SqliteOptions>,
  deferred: () => boolean,
): Promise<OpenedSqlite> {
  const Database = await loadDriver()
  const memory = path === ':memory:'
  if (!memory) prepareFile(path)
  let database: BetterSqlite3.Database | undefined
  try {
    database = new Database(memory ? ':memory:' : resolve(path), { timeout: options.busyTimeoutMs })
    // busy_timeout first: switching to WAL needs a lock another opener may hold for a moment.
    database.pragma(`busy_timeout = ${options.busyTimeoutMs}`)
    if (!memory) {
      const mode = database.pragma('journal_mode = WAL', { simple: true })
      if (mode !== 'wal') {
        throw new CivitasError('STORE_UNAVAILABLE', 'sqlite store: the database cannot use WAL journaling', {
          details: { dialect: 'sqlite', journalMode: typeof mode === 'string' ? mode : 'unknown' },
        })
      }
    }
    // In memory nothing is durable anyway; on disk, durableDriver flushes the WAL before acknowledging.
    database.pragma(memory ? 'synchronous = FULL' : 'synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
    database.pragma(`secure_delete = ${options.secureDelete ? 'ON' : 'OFF'}`)
  } catch (error) {
    database?.close()
    throw toStoreError(error, 'sqlite')
  }
  const opened = database
  const statements = cachingStatements(opened, memory ? undefined : resolve(path))
  const base = new SqliteDialect({ database: statements.database })
  if (memory) return { dialect: base, durable: async () => {} }
  const durability = walDurability(`${resolve(path)}-wal`)
  return {
    dialect: {
      createAdapter: () => base.createAdapter(),
      createQueryCompiler: () => base.createQueryCompiler(),
      createIntrospector: (db) => base.createIntrospector(db),
      createDriver: () =>
        durableDriver(base.createDriver(), durability, {
          inTransaction: () => opened.open && opened.inTransaction,
          wrote: statements.takeWrote,
          deferred,
        }),
    },
    durable: () => durability.flush(),
  }
}

/** Prepared statements kept per SQL text; enough for every statement the issuer and wallet repeat. */
const STATEMENT_CACHE = 200
/** Statements between two looks at the WAL's size, until the background checkpointer runs. */
const WAL_CHECK_EVERY = 64

/**
 * The database as Kysely's SqliteDialect sees it, with two changes. Statements are prepared once
 * per SQL text, not per execution (preparing costs as much as running a short statement, and
 * the issuer runs the same few thousands of times a second). And once the WAL has grown past
 * SQLite's own checkpoint threshold, checkpoints move to a background thread
 * (sqlite-checkpoint.ts): a store that stays small never starts one.
 */
function cachingStatements(
  database: BetterSqlite3.Database,
  path: string | undefined,
): { database: SqliteDatabase; takeWrote(): boolean } {
  const statements = new Map<string, SqliteStatement>()
  // Set by any statement that may change the database, until the durability layer takes it.
  let wrote = false
  // undefined: not started yet; false: could not start (SQLite keeps checkpointing by itself).
  let checkpointer: Checkpointer | false | undefined
  let untilWalCheck = WAL_CHECK_EVERY
  const takeWrote = (): boolean => {
    const value = wrote
    wrote = false
    return value
  }
  const wrapper: SqliteDatabase = {
    prepare(sql: string): SqliteStatement {
      if (path !== undefined && checkpointer === undefined && --untilWalCheck === 0) {
        untilWalCheck = WAL_CHECK_EVERY
        try {
          checkpointer = startCheckpointer(database, path, driverPath())
        } catch {
          checkpointer = false
        }
      }
      let statement = statements.get(sql) as BetterSqlite3.Statement | undefined
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value as string)
        statements.set(sql, statement)
      }
      if (!statement.readonly) wrote = true
      return statement
    },
    close(): void {
      statements.clear()
      if (checkpointer) checkpointer.stop()
      database.close()
    },
  }
  return { database: wrapper, takeWrote }
}

const driverPath = () => createRequire(import.meta.url).resolve('better-sqlite3')

/**
 * The file is created by us, owner-only, before SQLite sees it: SQLite gives its -wal and
 * -shm files the mode of the database file, and both stores hold personal data.
 */
function prepareFile(path: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 })
    closeSync(openSync(path, 'a', 0o600))
  } catch (error) {
    throw new CivitasError(
      'STORE_UNAVAILABLE',
      'sqlite store: the database file cannot be created or opened',
      {
        cause: error,
        details: { dialect: 'sqlite' },
      },
    )
  }
}

// Loaded on first use: a PostgreSQL-only deployment never loads the native module, and a
// module built for another Node version is reported as such instead of crashing the import.
async function loadDriver(): Promise<typeof BetterSqlite3> {
  try {
    // A CommonJS module: Node's import() puts module.exports on `default` (the typings say `export =`).
    const module = (await import('better-sqlite3')) as unknown as { default: typeof BetterSqlite3 }
    return module.default
  } catch (error) {
    throw new CivitasError(
      'STORE_UNAVAILABLE',
      'sqlite store: the better-sqlite3 native module cannot be loaded (built for another Node.js version? run `pnpm rebuild better-sqlite3`)',
      { cause: error, details: { dialect: 'sqlite' } },
    )
  }
}

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate')
const NO_BUSY_WAIT = CompiledQuery.raw('pragma busy_timeout = 0')

/**
 * BEGIN IMMEDIATE takes the write lock up front, so two processes never both read under a
 * shared lock and then fail to upgrade it (SQLITE_BUSY mid-transaction, with work lost).
 * While another process holds the lock we wait here, asynchronously, up to busyTimeoutMs:
 * SQLite's own busy handler would sleep inside the synchronous better-sqlite3 call and
 * freeze the event loop (an issuer's HTTP handlers with it) for as long.
 */
export async function beginImmediate(connection: DatabaseConnection, busyTimeoutMs: number): Promise<void> {
  const restore = CompiledQuery.raw(`pragma busy_timeout = ${busyTimeoutMs}`)
  const deadline = performance.now() + busyTimeoutMs
  let pause = 1
  for (;;) {
    await connection.executeQuery(NO_BUSY_WAIT)
    try {
      await connection.executeQuery(BEGIN_IMMEDIATE)
      return
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error
    } finally {
      await connection.executeQuery(restore)
    }
    await sleep(Math.min(pause, Math.max(0, deadline - performance.now())) * (0.5 + Math.random()))
    pause = Math.min(pause * 2, 20)
  }
}

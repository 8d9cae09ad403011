import type { Kysely, Transaction } from 'kysely'

/** Which database a store runs on. */
export type StoreDialect = 'sqlite' | 'postgres'

/**
 * A database with tables nobody described to TypeScript: any table name, columns of
 * unknown type. The default for a store; pass your own table interface to `openStore<DB>()`.
 */
export type AnyDatabase = Record<string, Record<string, unknown>>

/**
 * Where the data lives.
 * - `'sqlite:/abs/path.db'`, `'sqlite:relative/path.db'`, `'sqlite:///abs/path.db'`, `'sqlite::memory:'`
 * - `'postgres://user:pass@host:5432/db'` (or `postgresql://`)
 * - the same as an object, for paths or passwords that are awkward in a URL.
 */
export type StoreTarget =
  | string
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string }
  | { readonly dialect: 'postgres'; readonly connection: PostgresConnection }

/** Discrete PostgreSQL connection parameters (what a URL would carry). */
export interface PostgresConnection {
  host?: string
  port?: number
  user?: string
  password?: string
  database?: string
  /** `true` for TLS with the system CAs; an object for the node:tls options pg accepts. */
  ssl?: boolean | Record<string, unknown>
}

export interface SqliteOptions {
  /** How long a writer waits for the lock held by another process, in ms (SQLite `busy_timeout`). Default 5000. */
  busyTimeoutMs?: number
  /**
   * Overwrite deleted content with zeros (`PRAGMA secure_delete = ON`). The wallet needs it
   * so that erased credentials leave no bytes behind; pair with `store.vacuum()`. Default false.
   */
  secureDelete?: boolean
}

export interface PostgresOptions {
  /** Pool size. Default 10. */
  maxConnections?: number
  /** Give up connecting after this many ms (STORE_UNAVAILABLE). Default 5000. */
  connectTimeoutMs?: number
  /** Server-side `statement_timeout` (STORE_TIMEOUT). Default 30000. */
  statementTimeoutMs?: number
  /** Client-side bound on one query, for a server that stops answering. Default statementTimeoutMs + 5000. */
  queryTimeoutMs?: number
  /** Server-side `idle_in_transaction_session_timeout`, so a stuck client cannot hold locks. Default 60000. */
  idleInTransactionTimeoutMs?: number
  /** Idle pooled connections are closed after this many ms. Default 10000. */
  idleTimeoutMs?: number
  /** Reported in `pg_stat_activity`. Default 'civitas'. */
  applicationName?: string
}

/** One versioned schema change. Versions of a namespace are 1, 2, 3... in order. */
export interface MigrationStep {
  readonly version: number
  /** Short human name, recorded in the migrations table (`'create status lists'`). */
  readonly name: string
  /**
   * Applies the change inside a transaction (both databases run DDL transactionally), so a
   * step is applied completely or not at all. `context.dialect` lets a step differ per database.
   */
  up(db: Kysely<AnyDatabase>, context: { dialect: StoreDialect }): Promise<void>
}

/** The migrations of one component (the issuer, the wallet), versioned independently of the others. */
export interface MigrationSet {
  /** `[a-z][a-z0-9_-]*`, at most 64 characters: 'issuer', 'wallet'. */
  readonly namespace: string
  readonly steps: readonly MigrationStep[]
}

export interface MigrationResult {
  readonly namespace: string
  /** Version found in the database before (0 for a fresh one). */
  readonly from: number
  /** Version after: the number of steps. */
  readonly to: number
}

export interface OpenStoreOptions {
  /** Run on open, in order; the open fails if any fails or the database is newer than the code. */
  migrations?: MigrationSet | readonly MigrationSet[]
  sqlite?: SqliteOptions
  postgres?: PostgresOptions
  /** Default for `store.transaction(fn, { attempts })`. Default 10. */
  transactionAttempts?: number
}

export interface TransactionOptions {
  /**
   * How many times `fn` may run in all when the database reports a conflict
   * (PostgreSQL serialization failure or deadlock, SQLite lock still busy after busy_timeout).
   * Default: `transactionAttempts` of the store (10).
   */
  attempts?: number
  /**
   * `'deferred'`: resolve once the transaction has committed, before its commit is flushed to
   * disk (SQLite); the caller must `await store.durable()` before it tells anyone the write
   * happened. Lets work that does not depend on durability (signing a credential) overlap the
   * disk flush. Default `'immediate'`: resolves once the commit is durable.
   */
  durability?: 'immediate' | 'deferred'
}

export interface Store<DB = AnyDatabase> {
  readonly dialect: StoreDialect
  /**
   * The Kysely instance, for reads and single statements outside a transaction.
   * Inside `transaction(fn)` use only the `trx` that `fn` receives (using `db` there
   * is refused with INVALID_ARGUMENT: on SQLite it would wait for itself forever).
   */
  readonly db: Kysely<DB>
  /**
   * Runs `fn` in a transaction that behaves as if it ran alone: SQLite `BEGIN IMMEDIATE`
   * (one writer at a time across processes, waiting up to busy_timeout), PostgreSQL
   * `SERIALIZABLE`. On a conflict the transaction is rolled back and `fn` runs again
   * (jittered backoff, up to `attempts`), so `fn` must touch nothing but `trx` and must
   * not have effects outside the database. Resolves once the commit is durable.
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>, options?: TransactionOptions): Promise<T>
  /**
   * Resolves once every commit so far is on disk: after `transaction(fn, { durability: 'deferred' })`,
   * before the write is acknowledged. PostgreSQL commits are durable when they return: resolves at once.
   */
  durable(): Promise<void>
  /** Applies a component's migrations (also done by `openStore({ migrations })`). */
  migrate(set: MigrationSet): Promise<MigrationResult>
  /** The applied version of a namespace (0 when none). */
  version(namespace: string): Promise<number>
  /**
   * Reclaims deleted space. SQLite: `VACUUM` then `wal_checkpoint(TRUNCATE)`, so with
   * `secureDelete` no erased byte stays in the database or its WAL file. PostgreSQL: `VACUUM`.
   */
  vacuum(): Promise<void>
  /** Refuses new work, lets running transactions finish, then closes the database or the pool. Idempotent. */
  close(): Promise<void>
}

// The public surface of @civitas/store: one storage layer for the issuer and the wallet.

// Re-exported so that users of the store write queries without a direct kysely dependency.
export { type Kysely, sql, type Transaction } from 'kysely'
export type { ConstraintKind } from './errors.js'
export { MIGRATIONS_TABLE } from './migrations.js'
export { openStore } from './open.js'
export type {
  AnyDatabase,
  MigrationResult,
  MigrationSet,
  MigrationStep,
  OpenStoreOptions,
  PostgresConnection,
  PostgresOptions,
  SqliteOptions,
  Store,
  StoreDialect,
  StoreTarget,
  TransactionOptions,
} from './types.js'

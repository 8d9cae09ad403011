import { CivitasError, describeValue, isCivitasError } from '@civitas/core/errors'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { AnyDatabase, MigrationResult, MigrationSet, StoreDialect } from './types.js'

/**
 * Versioned migrations per namespace, recorded in `civitas_migrations`
 * (namespace, version, name, applied_at). Each step runs in its own transaction together
 * with its record, so a crash leaves the database at a whole version. Several processes
 * may open the same database at once: SQLite serialises them with BEGIN IMMEDIATE,
 * PostgreSQL with a transaction-scoped advisory lock taken before the version is read.
 */

export const MIGRATIONS_TABLE = 'civitas_migrations'

// Arbitrary constant key of the advisory lock that serialises migrations on PostgreSQL.
const MIGRATION_LOCK_KEY = 0x6369_7669_7461_73n // 'civitas'

const NAMESPACE = /^[a-z][a-z0-9_-]{0,63}$/

interface MigrationsTable {
  civitas_migrations: { namespace: string; version: number; name: string; applied_at: string }
}

export function assertMigrationSet(set: unknown, name = 'migrations'): asserts set is MigrationSet {
  if (typeof set !== 'object' || set === null || Array.isArray(set)) {
    throw invalid(`${name} must be { namespace, steps }, got ${describeValue(set)}`, name)
  }
  const { namespace, steps } = set as Record<string, unknown>
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw invalid(`${name}.namespace must match ${NAMESPACE.source}, got ${describeValue(namespace)}`, name)
  }
  if (!Array.isArray(steps))
    throw invalid(`${name}.steps must be an array, got ${describeValue(steps)}`, name)
  steps.forEach((step: unknown, i) => {
    const where = `${name}.steps[${i}]`
    if (typeof step !== 'object' || step === null) throw invalid(`${where} must be an object`, name)
    const { version, name: stepName, up } = step as Record<string, unknown>
    if (version !== i + 1) {
      throw invalid(
        `${where}.version must be ${i + 1} (versions count 1, 2, 3...), got ${describeValue(version)}`,
        name,
      )
    }
    if (typeof stepName !== 'string' || stepName.length === 0 || stepName.length > 200) {
      throw invalid(`${where}.name must be a non-empty string, got ${describeValue(stepName)}`, name)
    }
    if (typeof up !== 'function') throw invalid(`${where}.up must be a function`, name)
  })
}

function invalid(message: string, argument: string): CivitasError {
  return new CivitasError('INVALID_ARGUMENT', message, { details: { argument } })
}

/** Runs `fn` in a transaction that holds the migration lock. */
async function underMigrationLock<T>(
  db: Kysely<AnyDatabase>,
  dialect: StoreDialect,
  fn: (trx: Transaction<AnyDatabase>) => Promise<T>,
): Promise<T> {
  // READ COMMITTED on PostgreSQL: each statement after the lock sees what the previous
  // holder committed (a SERIALIZABLE snapshot would date from before the wait).
  // On SQLite the guarded driver begins IMMEDIATE whatever the level.
  return await db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      if (dialect === 'postgres') {
        await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_KEY.toString())}::bigint)`.execute(
          trx,
        )
      }
      await trx.schema
        .createTable(MIGRATIONS_TABLE)
        .ifNotExists()
        .addColumn('namespace', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('civitas_migrations_pk', ['namespace', 'version'])
        .execute()
      return await fn(trx)
    })
}

async function currentVersion(db: Kysely<AnyDatabase>, namespace: string): Promise<number> {
  const row = await (db as unknown as Kysely<MigrationsTable>)
    .selectFrom(MIGRATIONS_TABLE)
    .select((eb) => eb.fn.max('version').as('version'))
    .where('namespace', '=', namespace)
    .executeTakeFirst()
  return row?.version == null ? 0 : Number(row.version)
}

/** The applied version of `namespace`, 0 when the table or the namespace is absent. */
export async function readVersion(
  db: Kysely<AnyDatabase>,
  dialect: StoreDialect,
  namespace: string,
): Promise<number> {
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw invalid(`namespace must match ${NAMESPACE.source}, got ${describeValue(namespace)}`, 'namespace')
  }
  const exists =
    dialect === 'sqlite'
      ? await sql<{
          n: number
        }>`select count(*) as n from sqlite_master where type = 'table' and name = ${MIGRATIONS_TABLE}`.execute(
          db,
        )
      : await sql<{
          n: number
        }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = ${MIGRATIONS_TABLE}`.execute(
          db,
        )
  if (Number(exists.rows[0]?.n ?? 0) === 0) return 0
  return await currentVersion(db, namespace)
}

export async function runMigrations(
  db: Kysely<AnyDatabase>,
  dialect: StoreDialect,
  set: MigrationSet,
): Promise<MigrationResult> {
  assertMigrationSet(set)
  const { namespace, steps } = set
  const target = steps.length
  let from: number | undefined
  for (;;) {
    const done = await underMigrationLock(db, dialect, async (trx) => {
      const version = await currentVersion(trx, namespace)
      from ??= version
      if (version > target) {
        throw new CivitasError(
          'STORE_VERSION_UNSUPPORTED',
          `the ${namespace} data in this database is at version ${version}, newer than this code knows (${target}): upgrade the software, do not downgrade the database`,
          { details: { namespace, databaseVersion: version, codeVersion: target } },
        )
      }
      if (version === target) return true
      const step = steps[version]!
      try {
        await step.up(trx, { dialect })
      } catch (error) {
        // A lost connection or a lock timeout says more than "migration failed".
        if (isCivitasError(error) && /^STORE_(UNAVAILABLE|CONFLICT|TIMEOUT|CORRUPT)$/.test(error.code))
          throw error
        throw new CivitasError(
          'STORE_MIGRATION_FAILED',
          `${namespace} migration ${step.version} (${describeValue(step.name)}) failed; the database stays at version ${version}`,
          { cause: error, details: { namespace, version: step.version, name: step.name } },
        )
      }
      await (trx as unknown as Transaction<MigrationsTable>)
        .insertInto(MIGRATIONS_TABLE)
        .values({ namespace, version: step.version, name: step.name, applied_at: new Date().toISOString() })
        .execute()
      return false
    })
    if (done) return { namespace, from: from ?? 0, to: target }
  }
}

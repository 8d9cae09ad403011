import { CivitasError } from '@civitas/core/errors'
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely'
import { toStoreError } from './errors.js'
import { beginImmediate } from './sqlite.js'
import type { StoreDialect } from './types.js'

/**
 * Wraps a Kysely dialect so that every statement, whoever runs it (`store.db`, a
 * transaction, a migration), reports failures as CivitasErrors, and so that SQLite
 * transactions take the write lock up front.
 */
export interface Guard {
  dialect: StoreDialect
  /** True while the current async context runs inside `store.transaction(fn)`. */
  insideTransaction(): boolean
  /** True once `close()` started: new work is refused instead of reaching a closed driver. */
  closed(): boolean
  /** SQLite: how long BEGIN IMMEDIATE waits for another process's write lock. */
  busyTimeoutMs: number
}

/**
 * `destroy` closes the underlying driver directly. Kysely's own `db.destroy()` would make
 * every later call fail with Kysely's plain Error before it reaches our driver; closing
 * beneath Kysely keeps those calls coming to `acquireConnection`, which answers
 * STORE_UNAVAILABLE.
 */
export function guardDialect(inner: Dialect, guard: Guard): { dialect: Dialect; destroy(): Promise<void> } {
  let driver: Driver | undefined
  return {
    dialect: {
      createAdapter: () => inner.createAdapter(),
      createQueryCompiler: () => inner.createQueryCompiler(),
      createIntrospector: (db) => inner.createIntrospector(db),
      createDriver: () => {
        driver = guardDriver(inner.createDriver(), guard)
        return driver
      },
    },
    destroy: async () => {
      await driver?.destroy()
    },
  }
}

function guardDriver(inner: Driver, guard: Guard): Driver {
  const innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const wrapperOf = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const map = (error: unknown) => toStoreError(error, guard.dialect)
  const unwrap = (connection: DatabaseConnection): DatabaseConnection => innerOf.get(connection) ?? connection

  const wrap = (connection: DatabaseConnection): DatabaseConnection => {
    const known = wrapperOf.get(connection)
    if (known) return known
    const wrapper: DatabaseConnection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        try {
          return await connection.executeQuery<R>(query)
        } catch (error) {
          throw map(error)
        }
      },
      async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
        try {
          yield* connection.streamQuery<R>(query, chunkSize)
        } catch (error) {
          throw map(error)
        }
      },
    }
    innerOf.set(wrapper, connection)
    wrapperOf.set(connection, wrapper)
    return wrapper
  }

  const driver: Driver = {
    async init() {
      try {
        await inner.init()
      } catch (error) {
        throw map(error)
      }
    },
    async acquireConnection() {
      if (guard.closed()) {
        throw new CivitasError('STORE_UNAVAILABLE', `${guard.dialect} store: the store is closed`, {
          details: { dialect: guard.dialect },
        })
      }
      // Kysely hands a transaction its connection once; a second acquisition from inside the
      // transaction's callback is `store.db` used where `trx` was meant. On SQLite (one
      // connection behind a mutex) it would wait for the transaction, which waits for it.
      if (guard.insideTransaction()) {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          'inside store.transaction(fn) use the trx given to fn, not store.db or a nested transaction',
          { details: { dialect: guard.dialect } },
        )
      }
      try {
        return wrap(await inner.acquireConnection())
      } catch (error) {
        throw map(error)
      }
    },
    async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
      try {
        if (guard.dialect === 'sqlite') {
          await beginImmediate(unwrap(connection), guard.busyTimeoutMs)
        } else {
          await inner.beginTransaction(unwrap(connection), settings)
        }
      } catch (error) {
        throw map(error)
      }
    },
    async commitTransaction(connection: DatabaseConnection) {
      try {
        await inner.commitTransaction(unwrap(connection))
      } catch (error) {
        throw map(error)
      }
    },
    async rollbackTransaction(connection: DatabaseConnection) {
      // Kysely rolls back after a failure and would replace the original error with the
      // rollback's own. A rollback that fails (connection lost: the server rolls back;
      // SQLite already rolled back after BUSY/FULL) has nothing left to undo, and pg's
      // driver discards such a connection, so the original error is the one to report.
      try {
        await inner.rollbackTransaction(unwrap(connection))
      } catch {}
    },
    async releaseConnection(connection: DatabaseConnection) {
      await inner.releaseConnection(unwrap(connection))
    },
    async destroy() {
      try {
        await inner.destroy()
      } catch (error) {
        throw map(error)
      }
    },
  }
  if (inner.savepoint) {
    const savepoint = inner.savepoint.bind(inner)
    driver.savepoint = async (connection, name, compile) => {
      try {
        await savepoint(unwrap(connection), name, compile)
      } catch (error) {
        throw map(error)
      }
    }
  }
  if (inner.rollbackToSavepoint) {
    const rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner)
    driver.rollbackToSavepoint = async (connection, name, compile) => {
      try {
        await rollbackToSavepoint(unwrap(connection), name, compile)
      } catch (error) {
        throw map(error)
      }
    }
  }
  if (inner.releaseSavepoint) {
    const releaseSavepoint = inner.releaseSavepoint.bind(inner)
    driver.releaseSavepoint = async (connection, name, compile) => {
      try {
        await releaseSavepoint(unwrap(connection), name, compile)
      } catch (error) {
        throw map(error)
      }
    }
  }
  return driver
}

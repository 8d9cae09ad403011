import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { CivitasError } from '@civitas/core/errors'
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely'

/**
 * Durable commits without stopping the event loop.
 *
 * With synchronous=FULL, SQLite fsyncs the WAL inside COMMIT, on the calling thread; with
 * better-sqlite3 that is the application's event loop, stopped for the disk's flush latency
 * (milliseconds on virtual disks) on every transaction. Instead the store runs
 * synchronous=NORMAL, where COMMIT writes the WAL frames but does not flush them, and flushes
 * the WAL itself with an asynchronous fdatasync on libuv's thread pool before it acknowledges
 * the commit. What is acknowledged is on disk, as with FULL: the frames of a commit are
 * written (write(2)) before COMMIT returns, and fdatasync flushes every written page of the
 * file, whichever descriptor wrote it. NORMAL keeps the database consistent on its own (WAL
 * frames are checksummed, checkpoints sync before the WAL is reused); the flush adds
 * durability on top. One flush covers every commit written before it started, so concurrent
 * transactions share flushes (group commit), and meanwhile the event loop signs, parses and
 * serves.
 */
export interface WalDurability {
  /** Resolves once every commit written so far is on disk. */
  flush(): Promise<void>
  /** Records that a write was committed (it is not durable until a flush that starts after it ends). */
  committed(): void
  close(): void
}

export type FlushFn = (fd: number, done: (error: Error | null) => void) => void

/**
 * `flushFile` is fdatasync in production; tests pass their own to observe ordering.
 * The WAL file is opened on the first flush (it exists once something was written) and its
 * directory entry is flushed once, so that a WAL created by this store survives a power cut too.
 */
export function walDurability(walPath: string, flushFile: FlushFn = fdatasync): WalDurability {
  let fd: number | undefined
  let written = 0
  let synced = 0
  let inFlight: Promise<void> | undefined

  /** The WAL's descriptor; undefined while there is no WAL file (then nothing was committed to one). */
  const open = (): number | undefined => {
    if (fd === undefined) {
      try {
        fd = openSync(walPath, 'r')
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') return undefined
        throw error
      }
      const dir = openSync(dirname(walPath), 'r')
      try {
        fsyncSync(dir)
      } finally {
        closeSync(dir)
      }
    }
    return fd
  }

  const flushOnce = (): Promise<void> => {
    const target = written
    return new Promise<void>((resolve, reject) => {
      let handle: number | undefined
      try {
        handle = open()
      } catch (error) {
        reject(error)
        return
      }
      if (handle === undefined) {
        synced = Math.max(synced, target)
        resolve()
        return
      }
      flushFile(handle, (error) => {
        if (error) reject(error)
        else {
          synced = Math.max(synced, target)
          resolve()
        }
      })
    })
  }

  return {
    committed() {
      written++
    },
    async flush() {
      const target = written
      while (synced < target) {
        inFlight ??= flushOnce().finally(() => {
          inFlight = undefined
        })
        try {
          await inFlight
        } catch (cause) {
          throw new CivitasError(
            'STORE_UNAVAILABLE',
            'sqlite store: the write-ahead log could not be flushed to disk; the last commits may not be durable',
            { cause, details: { dialect: 'sqlite' } },
          )
        }
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}

/**
 * Wraps Kysely's SQLite driver so that every write is flushed before it is acknowledged: a
 * statement outside a transaction waits for the flush, and so does a transaction's COMMIT,
 * unless `deferred()` says the store itself waits for it after releasing the connection
 * (store.transaction: the next transaction can run while this one's flush is in flight).
 * A ROLLBACK flushes nothing. `wrote()` tells whether the statements since the last call changed anything.
 */
export function durableDriver(
  inner: Driver,
  durability: WalDurability,
  state: { inTransaction(): boolean; wrote(): boolean; deferred(): boolean },
): Driver {
  let committing = false
  // A rolled-back transaction left nothing in the WAL to flush.
  let rollingBack = false
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const wrap = (connection: DatabaseConnection): DatabaseConnection => {
    let wrapper = wrapped.get(connection)
    if (wrapper) return wrapper
    wrapper = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        const result = await connection.executeQuery<R>(query)
        if (!state.inTransaction() && state.wrote() && !rollingBack) {
          durability.committed()
          if (!(committing && state.deferred())) await durability.flush()
        }
        return result
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    }
    wrapped.set(connection, wrapper)
    return wrapper
  }
  return {
    init: () => inner.init(),
    acquireConnection: async () => wrap(await inner.acquireConnection()),
    beginTransaction: (connection, settings) => inner.beginTransaction(connection, settings),
    async commitTransaction(connection) {
      committing = true
      try {
        await inner.commitTransaction(connection)
      } finally {
        committing = false
      }
    },
    async rollbackTransaction(connection) {
      rollingBack = true
      try {
        await inner.rollbackTransaction(connection)
      } finally {
        rollingBack = false
      }
    },
    releaseConnection: (connection) => inner.releaseConnection(connection),
    async destroy() {
      try {
        await inner.destroy()
      } finally {
        durability.close()
      }
    },
    ...(inner.savepoint ? { savepoint: inner.savepoint.bind(inner) } : {}),
    ...(inner.rollbackToSavepoint ? { rollbackToSavepoint: inner.rollbackToSavepoint.bind(inner) } : {}),
    ...(inner.releaseSavepoint ? { releaseSavepoint: inner.releaseSavepoint.bind(inner) } : {}),
  }
}

import { statSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'

/**
 * Moves a busy store's WAL checkpoints off the event loop (see worker/checkpoint.cjs for why).
 * Needed because the store runs synchronous=NORMAL (sqlite-durability.ts): there SQLite's own
 * checkpoint, inside a COMMIT on the event loop, is the one place that still waits for the
 * disk, twice. Started lazily, once the WAL passes 1 MiB: a CLI command or a small wallet
 * never pays for a thread.
 */
export interface Checkpointer {
  /** Lets the worker close its connection and end; returns at once (Kysely closes synchronously). */
  stop(): void
}

/** A WAL this large means a busy store (SQLite checkpoints at 1,000 pages, ~4 MiB, by default). */
const START_AT_WAL_BYTES = 1024 * 1024
/**
 * The main connection still checkpoints by itself past this many pages (~40 MiB): the WAL stays
 * bounded even if the worker stalls (a long reader holds it back) or is gone.
 */
const SAFETY_NET_PAGES = 10_000
const SQLITE_DEFAULT_PAGES = 1000
const WORKER_URL = new URL('../worker/checkpoint.cjs', import.meta.url)

/** A running checkpointer once the WAL of `path` has outgrown SQLite's threshold; undefined before. */
export function startCheckpointer(
  database: BetterSqlite3.Database,
  path: string,
  driver: string,
): Checkpointer | undefined {
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false })
  if (wal === undefined || wal.size < START_AT_WAL_BYTES) return undefined
  const worker = new Worker(WORKER_URL, {
    workerData: { driver, path, intervalMs: 50, busyIntervalMs: 5 },
    // Its own small heap: it holds one connection and one statement.
    resourceLimits: { maxOldGenerationSizeMb: 32 },
  })
  // A checkpointer never keeps the process alive.
  worker.unref()
  let stopped = false
  // Without the worker (it failed to open, or crashed), SQLite's own checkpoints come back.
  const fallBack = () => {
    if (stopped || !database.open) return
    try {
      database.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`)
    } catch {}
  }
  worker.on('error', fallBack)
  worker.on('exit', fallBack)
  database.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`)
  return {
    stop() {
      stopped = true
      worker.postMessage('close')
    },
  }
}

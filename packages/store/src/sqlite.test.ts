import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CivitasErrorCode, isCivitasError } from '@civitas/core/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, type Store, sql } from './index.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civitas-sqlite-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const file = (name: string) => join(dir, name)

async function expectCode(
  promise: Promise<unknown>,
  code: CivitasErrorCode,
): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isCivitasError(error, code), `expected CivitasError ${code}, got ${String(error)}`).toBe(true)
  return (error as { details?: Record<string, unknown> }).details ?? {}
}

async function pragma(store: Store, name: string): Promise<unknown> {
  const { rows } = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)
  return Object.values(rows[0] ?? {})[0]
}

interface Tables {
  parent: { id: number }
  child: { id: number; parent_id: number }
  note: { id: number; body: string }
}

async function withTables(store: Store<Tables>): Promise<void> {
  await store.db.schema
    .createTable('parent')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .execute()
  await store.db.schema
    .createTable('child')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('parent_id', 'integer', (c) => c.notNull().references('parent.id'))
    .execute()
  await store.db.schema
    .createTable('note')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute()
}

describe('openStore on SQLite', () => {
  it('opens a file in WAL mode, synchronous=NORMAL with the store flushing the WAL itself, foreign keys on and the busy timeout set', async () => {
    const store = await openStore(`sqlite:${file('pragmas.db')}`, { sqlite: { busyTimeoutMs: 1234 } })
    expect(store.dialect).toBe('sqlite')
    expect(await pragma(store, 'journal_mode')).toBe('wal')
    expect(await pragma(store, 'synchronous')).toBe(1) // NORMAL, plus the store's own WAL flush before it acknowledges
    expect(await pragma(store, 'foreign_keys')).toBe(1)
    expect(await pragma(store, 'busy_timeout')).toBe(1234)
    expect(await pragma(store, 'secure_delete')).toBe(0)
    await store.close()
  })

  it('turns secure_delete on when asked (the wallet erases for real)', async () => {
    const store = await openStore(
      { dialect: 'sqlite', path: file('secure.db') },
      { sqlite: { secureDelete: true } },
    )
    expect(await pragma(store, 'secure_delete')).toBe(1)
    await store.close()
  })

  it('creates missing parent folders and an owner-only database file', async () => {
    const path = file('nested/deeper/owner-only.db')
    const store = await openStore(`sqlite:${path}`)
    await store.close()
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('accepts sqlite::memory: and sqlite:///absolute/path', async () => {
    const memory = await openStore('sqlite::memory:')
    await sql`create table t (a integer)`.execute(memory.db)
    await memory.close()
    const absolute = await openStore(`sqlite://${file('triple-slash.db')}`)
    await absolute.close()
    expect((await stat(file('triple-slash.db'))).isFile()).toBe(true)
  })

  it.each([
    ['an unknown scheme', 'mysql://localhost/db'],
    ['an empty sqlite path', 'sqlite:'],
    ['a sqlite URL with a host', 'sqlite://host/file.db'],
    ['a malformed postgres URL', 'postgres://[::1'],
    ['a number', 42],
    ['an object without a dialect', { path: 'x.db' }],
  ])('refuses %s as target with INVALID_ARGUMENT', async (_name, target) => {
    await expectCode(openStore(target as never), 'INVALID_ARGUMENT')
  })

  it('never echoes a postgres password in an error message', async () => {
    const error = await openStore('postgresql://user:hunter2@[::1' as never).catch((e: unknown) => e)
    expect(isCivitasError(error, 'INVALID_ARGUMENT')).toBe(true)
    expect((error as Error).message).not.toContain('hunter2')
  })

  it.each([
    ['busyTimeoutMs', { sqlite: { busyTimeoutMs: -1 } }],
    ['secureDelete', { sqlite: { secureDelete: 'yes' } }],
    ['transactionAttempts', { transactionAttempts: 0 }],
    ['postgres.maxConnections', { postgres: { maxConnections: 1.5 } }],
    ['migrations', { migrations: { namespace: 'Bad Name', steps: [] } }],
  ])('refuses a bad %s option with INVALID_ARGUMENT', async (_name, options) => {
    await expectCode(openStore('sqlite::memory:', options as never), 'INVALID_ARGUMENT')
  })

  it('reports a file that is not a database as STORE_CORRUPT', async () => {
    const path = file('not-a-db.db')
    await writeFile(path, 'this is not an SQLite database, just some text that is long enough. '.repeat(20))
    await expectCode(openStore(`sqlite:${path}`), 'STORE_CORRUPT')
  })

  it('reports a path it cannot create as STORE_UNAVAILABLE', async () => {
    const blocker = file('a-file')
    await writeFile(blocker, '')
    await expectCode(openStore(`sqlite:${blocker}/sub/x.db`), 'STORE_UNAVAILABLE')
  })
})

describe('SQLite errors are CivitasErrors', () => {
  it('maps unique, foreign key and not-null violations to STORE_CONSTRAINT with their kind', async () => {
    const store = await openStore<Tables>('sqlite::memory:')
    await withTables(store)
    await store.db.insertInto('parent').values({ id: 1 }).execute()
    const unique = await expectCode(
      store.db.insertInto('parent').values({ id: 1 }).execute(),
      'STORE_CONSTRAINT',
    )
    expect(unique).toMatchObject({
      constraint: 'unique',
      dialect: 'sqlite',
      driverCode: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    })
    const foreign = await expectCode(
      store.db.insertInto('child').values({ id: 1, parent_id: 99 }).execute(),
      'STORE_CONSTRAINT',
    )
    expect(foreign.constraint).toBe('foreign_key')
    const notNull = await expectCode(
      store.db
        .insertInto('note')
        .values({ id: 1, body: null as never })
        .execute(),
      'STORE_CONSTRAINT',
    )
    expect(notNull.constraint).toBe('not_null')
    await store.close()
  })

  it('maps a bad statement to STORE_QUERY_FAILED without quoting it in the message', async () => {
    const store = await openStore('sqlite::memory:')
    const error = await sql`select * from no_such_table_secret`.execute(store.db).catch((e: unknown) => e)
    expect(isCivitasError(error, 'STORE_QUERY_FAILED')).toBe(true)
    expect((error as Error).message).not.toContain('no_such_table_secret')
    expect((error as Error).cause).toBeInstanceOf(Error)
    await store.close()
  })

  it('refuses work after close with STORE_UNAVAILABLE, and close is idempotent', async () => {
    const store = await openStore('sqlite::memory:')
    await store.close()
    await store.close()
    await expectCode(sql`select 1`.execute(store.db), 'STORE_UNAVAILABLE')
    await expectCode(
      store.transaction(async () => 1),
      'STORE_UNAVAILABLE',
    )
  })
})

describe('store.transaction on SQLite', () => {
  it('commits what fn wrote and returns its result', async () => {
    const store = await openStore<Tables>('sqlite::memory:')
    await withTables(store)
    const result = await store.transaction(async (trx) => {
      await trx.insertInto('parent').values({ id: 7 }).execute()
      return 'done'
    })
    expect(result).toBe('done')
    expect(await store.db.selectFrom('parent').selectAll().execute()).toEqual([{ id: 7 }])
    await store.close()
  })

  it('rolls everything back when fn throws, and rethrows the error as it was', async () => {
    const store = await openStore<Tables>('sqlite::memory:')
    await withTables(store)
    const boom = new Error('boom')
    await expect(
      store.transaction(async (trx) => {
        await trx.insertInto('parent').values({ id: 1 }).execute()
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await store.db.selectFrom('parent').selectAll().execute()).toEqual([])
    await store.close()
  })

  it('refuses store.db and nested transactions inside fn with INVALID_ARGUMENT instead of waiting forever', async () => {
    const store = await openStore<Tables>('sqlite::memory:')
    await withTables(store)
    await store.transaction(async () => {
      await expectCode(store.db.selectFrom('parent').selectAll().execute(), 'INVALID_ARGUMENT')
      await expectCode(
        store.transaction(async () => 1),
        'INVALID_ARGUMENT',
      )
    })
    // The store is usable afterwards: the refused calls left no lock behind.
    expect(await store.db.selectFrom('parent').selectAll().execute()).toEqual([])
    await store.close()
  })

  it('takes the write lock at BEGIN: a second connection cannot write until the transaction ends', async () => {
    const path = file('immediate.db')
    const a = await openStore<Tables>(`sqlite:${path}`)
    await withTables(a)
    const b = await openStore<Tables>(`sqlite:${path}`, { sqlite: { busyTimeoutMs: 0 } })
    await a.transaction(async (trx) => {
      // Nothing written yet by `a`: a deferred BEGIN would not hold the lock here.
      await trx.selectFrom('parent').selectAll().execute()
      const details = await expectCode(
        b.db.insertInto('parent').values({ id: 2 }).execute(),
        'STORE_CONFLICT',
      )
      expect(details.retryable).toBe(true)
      await expectCode(
        b.transaction(async () => 1, { attempts: 1 }),
        'STORE_CONFLICT',
      )
    })
    await b.db.insertInto('parent').values({ id: 2 }).execute()
    await Promise.all([a.close(), b.close()])
  })

  it('waits for another connection that holds the write lock and then runs (busy timeout)', async () => {
    const path = file('waits.db')
    const a = await openStore<Tables>(`sqlite:${path}`)
    await withTables(a)
    const b = await openStore<Tables>(`sqlite:${path}`, { sqlite: { busyTimeoutMs: 20_000 } })
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    const first = a.transaction(async (trx) => {
      await trx.insertInto('parent').values({ id: 1 }).execute()
      locked()
      await held
    })
    await isLocked
    const second = b.transaction(
      async (trx) => {
        const seen = await trx.selectFrom('parent').selectAll().execute()
        await trx.insertInto('parent').values({ id: 2 }).execute()
        return seen
      },
      { attempts: 1 },
    )
    // `b` waits without blocking this process's event loop: `a` can still finish.
    release()
    await first
    expect(await second).toEqual([{ id: 1 }])
    await Promise.all([a.close(), b.close()])
  })

  it('close waits for a running transaction before closing the database', async () => {
    const store = await openStore<Tables>(`sqlite:${file('close-waits.db')}`)
    await withTables(store)
    let inside!: () => void
    const started = new Promise<void>((resolve) => {
      inside = resolve
    })
    const running = store.transaction(async (trx) => {
      inside()
      await new Promise((resolve) => setTimeout(resolve, 20))
      await trx.insertInto('parent').values({ id: 3 }).execute()
    })
    await started
    await store.close()
    await running
    const again = await openStore<Tables>(`sqlite:${file('close-waits.db')}`)
    expect(await again.db.selectFrom('parent').selectAll().execute()).toEqual([{ id: 3 }])
    await again.close()
  })
})

describe('store.vacuum on SQLite', () => {
  it('with secureDelete, leaves no byte of deleted rows in the database file or its WAL', async () => {
    const path = file('erase.db')
    const store = await openStore<Tables>(`sqlite:${path}`, { sqlite: { secureDelete: true } })
    await withTables(store)
    const marker = 'Erika-Mustermann-1964-08-12'
    await store.db
      .insertInto('note')
      .values(Array.from({ length: 200 }, (_, id) => ({ id, body: `${marker} #${id}` })))
      .execute()
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db)
    const before = await readFile(path)
    expect(before.includes(marker)).toBe(true)

    await store.db.deleteFrom('note').execute()
    await store.vacuum()
    const after = Buffer.concat([
      await readFile(path),
      await readFile(`${path}-wal`).catch(() => Buffer.alloc(0)),
    ])
    expect(after.includes(marker)).toBe(false)
    expect(after.includes('Mustermann')).toBe(false)
    await store.close()
  })
})

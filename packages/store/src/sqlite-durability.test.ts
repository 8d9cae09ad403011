import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isCivitasError } from '@civitas/core/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, sql } from './index.js'
import { type FlushFn, walDurability } from './sqlite-durability.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civitas-durability-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A flush the test completes by hand, to observe what waits for what. */
function manualFlush() {
  const calls: ((error: Error | null) => void)[] = []
  const flushFile: FlushFn = (_fd, done) => {
    calls.push(done)
  }
  return { calls, flushFile }
}

const settled = async (promise: Promise<unknown>) => {
  let done = false
  void promise.then(
    () => {
      done = true
    },
    () => {
      done = true
    },
  )
  await new Promise((resolve) => setImmediate(resolve))
  return done
}

describe('walDurability (an acknowledged commit is on disk)', () => {
  it('acknowledges a commit only after a flush that started after it, never an earlier flush', async () => {
    const wal = join(dir, 'order.db-wal')
    await writeFile(wal, 'frames')
    const { calls, flushFile } = manualFlush()
    const durability = walDurability(wal, flushFile)
    durability.committed()
    const first = durability.flush()
    await settled(first)
    expect(calls).toHaveLength(1)
    durability.committed() // written while the first flush was in flight
    const second = durability.flush()
    calls[0]!(null)
    expect(await settled(first)).toBe(true)
    expect(await settled(second)).toBe(false)
    expect(calls).toHaveLength(2)
    calls[1]!(null)
    expect(await settled(second)).toBe(true)
    durability.close()
  })

  it('serves every commit written before a flush started with that one flush (group commit)', async () => {
    const wal = join(dir, 'group.db-wal')
    await writeFile(wal, 'frames')
    const { calls, flushFile } = manualFlush()
    const durability = walDurability(wal, flushFile)
    for (let i = 0; i < 3; i++) durability.committed()
    const waiting = [durability.flush(), durability.flush(), durability.flush()]
    await settled(waiting[0]!)
    expect(calls).toHaveLength(1)
    calls[0]!(null)
    await Promise.all(waiting)
    // Nothing new was committed: no further flush.
    await durability.flush()
    expect(calls).toHaveLength(1)
    durability.close()
  })

  it('reports a failed flush as STORE_UNAVAILABLE and flushes again on the next call', async () => {
    const wal = join(dir, 'eio.db-wal')
    await writeFile(wal, 'frames')
    const { calls, flushFile } = manualFlush()
    const durability = walDurability(wal, flushFile)
    durability.committed()
    const failing = durability.flush()
    await settled(failing)
    calls[0]!(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
    const error = await failing.catch((e: unknown) => e)
    expect(isCivitasError(error, 'STORE_UNAVAILABLE')).toBe(true)
    const retry = durability.flush()
    await settled(retry)
    expect(calls).toHaveLength(2)
    calls[1]!(null)
    await retry
    durability.close()
  })

  it('has nothing to flush while the WAL file does not exist', async () => {
    const { calls, flushFile } = manualFlush()
    const durability = walDurability(join(dir, 'absent.db-wal'), flushFile)
    durability.committed()
    await durability.flush()
    expect(calls).toHaveLength(0)
  })
})

describe('store.transaction durability on SQLite', () => {
  it("resolves 'deferred' transactions at commit and store.durable() once they are on disk", async () => {
    const store = await openStore(`sqlite:${join(dir, 'deferred.db')}`)
    await store.db.schema.createTable('t').addColumn('n', 'integer').execute()
    await store.transaction(
      async (trx) => {
        await trx.insertInto('t').values({ n: 1 }).execute()
      },
      { durability: 'deferred' },
    )
    await store.durable()
    const rows = await store.db.selectFrom('t').select('n').execute()
    expect(rows).toEqual([{ n: 1 }])
    await store.close()
  })

  it('refuses an unknown durability with INVALID_ARGUMENT', async () => {
    const store = await openStore(`sqlite:${join(dir, 'bad-option.db')}`)
    const error = await store
      .transaction(async () => 1, { durability: 'later' as never })
      .catch((e: unknown) => e)
    expect(isCivitasError(error, 'INVALID_ARGUMENT')).toBe(true)
    await store.close()
  })
})

describe('background checkpoints on a busy SQLite store', () => {
  it('moves checkpoints to a worker once the WAL passes 1 MiB, and the worker copies the WAL back', async () => {
    const path = join(dir, 'busy.db')
    const store = await openStore(`sqlite:${path}`)
    const pragma = async (name: string) => {
      const { rows } = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)
      return Object.values(rows[0] ?? {})[0]
    }
    expect(await pragma('wal_autocheckpoint')).toBe(1000)
    await store.db.schema.createTable('blob').addColumn('body', 'text').execute()
    const body = 'x'.repeat(4000)
    for (let i = 0; i < 40; i++) {
      await store.transaction(async (trx) => {
        await trx
          .insertInto('blob')
          .values(Array.from({ length: 20 }, () => ({ body })))
          .execute()
      })
    }
    // The main connection keeps only a safety net; the worker does the work.
    expect(await pragma('wal_autocheckpoint')).toBe(10_000)
    const before = (await stat(path)).size
    for (let i = 0; i < 200 && (await stat(path)).size <= before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect((await stat(path)).size).toBeGreaterThan(before)
    expect(
      await store.db
        .selectFrom('blob')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ).toEqual({
      n: 800,
    })
    await store.close()
  })
})

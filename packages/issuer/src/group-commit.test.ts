import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '@civitas/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGroupCommit } from './group-commit.js'
import { type IssuerTables, issuerMigrations } from './schema.js'

// Group commit on a real SQLite store: items queued together share one transaction; a failing
// item fails alone; every caller resumes only after its item is committed.

let dir: string
let store: Store<IssuerTables>
let transactions = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civitas-group-commit-'))
  const opened = await openStore<IssuerTables>(`sqlite:${join(dir, 'g.db')}`, {
    migrations: issuerMigrations,
  })
  const transaction = opened.transaction.bind(opened)
  store = Object.assign(Object.create(opened) as Store<IssuerTables>, {
    transaction: ((fn, options) => {
      transactions++
      return transaction(fn, options)
    }) as Store<IssuerTables>['transaction'],
  })
})
afterAll(async () => {
  await store?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const write = () =>
  createGroupCommit<IssuerTables, string, string>(
    store,
    async (trx, names) => {
      for (const name of names) {
        if (name.startsWith('bad')) throw new Error(`refused ${name}`)
        await trx.insertInto('issuer_meta').values({ name, value: 'v' }).execute()
      }
      return names.map((n) => `stored ${n}`)
    },
    { attempts: 3 },
  )

async function stored(name: string): Promise<boolean> {
  return (
    (await store.db.selectFrom('issuer_meta').select('name').where('name', '=', name).executeTakeFirst()) !==
    undefined
  )
}

describe('createGroupCommit', () => {
  it('items queued together commit in one transaction, each caller resuming with its item committed', async () => {
    const commits = write()
    const before = transactions
    const names = Array.from({ length: 20 }, (_, i) => `together-${i}`)
    const results = await Promise.all(
      names.map(async (name) => {
        const result = await commits.run(name)
        expect(await stored(name)).toBe(true)
        return result
      }),
    )
    expect(results).toEqual(names.map((n) => `stored ${n}`))
    expect(transactions - before).toBe(1)
  })

  it('work arriving while a transaction runs joins the next one: fewer transactions than items', async () => {
    const commits = write()
    const before = transactions
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let k = 0; k < 10; k++) await commits.run(`stream-${next++}`)
      }),
    )
    expect(transactions - before).toBeLessThan(40)
  })

  it('one item that fails rejects alone: the others of its group are committed', async () => {
    const commits = write()
    const outcomes = await Promise.allSettled(['ok-1', 'bad-1', 'ok-2'].map((n) => commits.run(n)))
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await stored('ok-1')).toBe(true)
    expect(await stored('ok-2')).toBe(true)
    expect(await stored('bad-1')).toBe(false)
  })
})

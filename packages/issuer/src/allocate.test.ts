import { randomInt } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore, type Store } from '@civitas/store'
import { startTestPostgres, type TestPostgres } from '@civitas/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allocatedIndices, allocateIndices } from './allocate.js'
import { BLOCK_BITS, type IssuerTables, issuerMigrations } from './schema.js'

// Issue #9: "Indices are drawn at random from a cryptographic RNG, without replacement". Near the
// end of a list the allocator picks the k-th free index by rank (through each block's free
// count) instead of listing every free index: these tests hold it to uniform and exact on a
// real SQLite file.

const SIZE = 131_072
let dir: string
let store: Store<IssuerTables>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civitas-allocate-'))
  store = await openStore<IssuerTables>(`sqlite:${join(dir, 'issuer.db')}`, { migrations: issuerMigrations })
})
afterAll(async () => {
  await store?.close()
  await rm(dir, { recursive: true, force: true })
})

/** List `listId` with every index taken except `free`. */
async function listWithFree(listId: number, free: readonly number[]): Promise<void> {
  const rows = []
  for (let block = 0; block < SIZE / BLOCK_BITS; block++) {
    const bits = new Uint8Array(BLOCK_BITS / 8).fill(0xff)
    for (const index of free) {
      if (Math.floor(index / BLOCK_BITS) !== block) continue
      const bit = index % BLOCK_BITS
      bits[bit >> 3]! &= ~(0x80 >> (bit & 7))
    }
    rows.push({ list_id: listId, block, bits: Buffer.from(bits) })
  }
  await store.db.deleteFrom('issuer_lists').execute()
  await store.db.deleteFrom('issuer_list_blocks').execute()
  await store.db
    .insertInto('issuer_lists')
    .values({
      list_id: listId,
      purpose: 'revocation',
      size: SIZE,
      allocated: SIZE - free.length,
      full: 0,
      on_chain: 1,
    })
    .execute()
  await store.db.insertInto('issuer_list_blocks').values(rows).execute()
}

class Rollback extends Error {}

/** Draws `count` indices in a transaction that is then rolled back: the list stays as it was. */
async function drawAndForget(count: number): Promise<number[]> {
  let drawn: number[] = []
  await store
    .transaction(async (trx) => {
      drawn = (await allocateIndices(trx, 'revocation', SIZE, count)).map((a) => a.index)
      throw new Rollback()
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error
    })
  return drawn
}

describe('allocateIndices near the end of a list', () => {
  // Free indices in blocks of very different fill: 1 in block 0, 2 in block 5, 5 in the last
  // block, including the very first and very last index of the list.
  const free = [
    0,
    5 * BLOCK_BITS + 7,
    5 * BLOCK_BITS + 4095,
    SIZE - 5,
    SIZE - 4,
    SIZE - 3,
    SIZE - 2,
    SIZE - 1,
  ]

  it('hands out exactly the free indices, each once, then opens the next list', async () => {
    await listWithFree(1, free)
    const drawn = await store.transaction(async (trx) =>
      allocateIndices(trx, 'revocation', SIZE, free.length + 1),
    )
    expect(drawn.slice(0, free.length).every((a) => a.listId === 1)).toBe(true)
    expect(
      drawn
        .slice(0, free.length)
        .map((a) => a.index)
        .sort((a, b) => a - b),
    ).toEqual(free)
    expect(drawn[free.length]!.listId).toBe(2)
    expect(await allocatedIndices(store.db, 1)).toHaveLength(SIZE)
    const lists = await store.db.selectFrom('issuer_lists').select(['list_id', 'allocated', 'full']).execute()
    expect(lists.map((l) => [Number(l.list_id), Number(l.allocated), Number(l.full)])).toEqual([
      [1, SIZE, 1],
      [2, 1, 0],
    ])
  })

  it('draws each free index with equal probability, whichever block holds it (chi-square, 8 cells)', async () => {
    await listWithFree(1, free)
    const counts = new Map<number, number>(free.map((i) => [i, 0]))
    const TRIALS = 1_600
    for (let t = 0; t < TRIALS; t++) {
      const [index] = await drawAndForget(1)
      counts.set(index!, (counts.get(index!) ?? 0) + 1)
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(free)
    const expected = TRIALS / free.length
    const chi2 = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0)
    // 7 degrees of freedom: P(chi2 > 24.3) = 0.001. Picking a block first and then an index in
    // it would give index 0 a third of the draws (chi2 in the hundreds).
    expect(chi2).toBeLessThan(24.3)
  })
})

// Without replacement across connections: two stores on one database (two SQLite connections
// to one file; two PostgreSQL pools, SERIALIZABLE), three allocators each, groups of 1 to 40,
// until a list of 4,352 (a multiple of 256, not of 4,096: a partial last block) is full and the
// next one has begun. Every index once, the full list exactly its size.
describe.each(['sqlite', 'postgres'] as const)('allocateIndices from two stores on %s', (dialect) => {
  const LIST = 4096 + 256
  let postgres: TestPostgres | undefined
  afterAll(async () => {
    await postgres?.stop()
  })

  it('never hands out an index twice, and fills the list to its last index', async () => {
    let target: string
    if (dialect === 'sqlite') target = `sqlite:${join(dir, 'shared.db')}`
    else {
      postgres = await startTestPostgres()
      target = await postgres.createDatabase()
    }
    const stores = await Promise.all(
      [0, 1].map(() => openStore<IssuerTables>(target, { migrations: issuerMigrations })),
    )
    const handedOut: string[] = []
    const allocator = async (shared: Store<IssuerTables>) => {
      while (handedOut.length < LIST + 60) {
        const count = 1 + randomInt(40)
        const drawn = await shared.transaction((trx) => allocateIndices(trx, 'revocation', LIST, count), {
          attempts: 100,
        })
        for (const a of drawn) handedOut.push(`${a.listId}:${a.index}`)
      }
    }
    try {
      await Promise.all([...stores, ...stores, ...stores].map(allocator))
      expect(new Set(handedOut).size).toBe(handedOut.length)
      const first = handedOut.filter((slot) => slot.startsWith('1:')).map((slot) => Number(slot.slice(2)))
      expect(first).toHaveLength(LIST)
      expect(Math.min(...first)).toBe(0)
      expect(Math.max(...first)).toBe(LIST - 1)
      expect(await allocatedIndices(stores[0]!.db, 1)).toHaveLength(LIST)
      expect(handedOut.some((slot) => slot.startsWith('2:'))).toBe(true)
    } finally {
      await Promise.all(stores.map((s) => s.close()))
    }
  }, 120_000)
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from './index.js'
import { type AllocationTables, allocationMigrations } from './test-utils/schema.js'
import { runChildScript, spawnChildScript, startTestPostgres, type TestPostgres } from './testing/index.js'

// Several real OS processes sharing one database: SQLite (WAL, one file) and PostgreSQL.
const allocate = new URL('./test-utils/allocate.ts', import.meta.url)
const writeAcks = new URL('./test-utils/write-acks.ts', import.meta.url)

const PROCESSES = 4
const PER_PROCESS = 25
const SLOTS = PROCESSES * PER_PROCESS
const INDEX_SPACE = 2 * SLOTS
// Starting a TypeScript child costs about a second of CPU; on a loaded machine, more.
const PROCESS_TEST_TIMEOUT = 120_000

let postgres: TestPostgres
let dir: string
beforeAll(async () => {
  ;[postgres, dir] = await Promise.all([startTestPostgres(), mkdtemp(join(tmpdir(), 'civitas-store-'))])
})
afterAll(async () => {
  await Promise.all([postgres?.stop(), dir && rm(dir, { recursive: true, force: true })])
})

const dialects = [
  ['sqlite', async () => `sqlite:${join(dir, `${crypto.randomUUID()}.db`)}`],
  ['postgres', async () => await postgres.createDatabase()],
] as const

describe.each(dialects)('%s shared by several processes', (_dialect, newDatabase) => {
  it(
    'store.transaction hands each pooled slot and each random index to exactly one process, and every acknowledged allocation is stored',
    async () => {
      const url = await newDatabase()
      const store = await openStore<AllocationTables>(url, { migrations: allocationMigrations })
      await store.db
        .insertInto('slots')
        .values(Array.from({ length: SLOTS }, (_, id) => ({ id, owner: null })))
        .execute()

      const owners = Array.from({ length: PROCESSES }, (_, i) => `p${i}`)
      const exits = await Promise.all(
        owners.map((owner) =>
          runChildScript(allocate, [url, owner, String(PER_PROCESS), String(INDEX_SPACE)]),
        ),
      )

      const acked = exits.flatMap((exit, i) =>
        exit.lines
          .filter((line) => line.startsWith('ack '))
          .map((line) => {
            const [, slot, index] = line.split(' ')
            return { owner: owners[i]!, slot: Number(slot), index: Number(index) }
          }),
      )
      expect(acked).toHaveLength(SLOTS)
      expect(new Set(acked.map((a) => a.slot)).size).toBe(SLOTS)
      expect(new Set(acked.map((a) => a.index)).size).toBe(SLOTS)

      const slots = await store.db.selectFrom('slots').selectAll().orderBy('id').execute()
      const indices = await store.db.selectFrom('indices').selectAll().execute()
      await store.close()
      const slotOwner = new Map(slots.map((row) => [row.id, row.owner]))
      const indexOwner = new Map(indices.map((row) => [row.idx, row.owner]))
      for (const a of acked) {
        expect(slotOwner.get(a.slot)).toBe(a.owner)
        expect(indexOwner.get(a.index)).toBe(a.owner)
      }
      expect(indices).toHaveLength(SLOTS)
    },
    PROCESS_TEST_TIMEOUT,
  )

  it(
    'a process killed with SIGKILL loses none of the writes it had acknowledged',
    async () => {
      const url = await newDatabase()
      const setup = await openStore(url, { migrations: allocationMigrations })
      await setup.close()

      const writer = spawnChildScript(writeAcks, [url, 'killed'])
      await writer.waitForLine((line) => line === 'ack 40')
      writer.child.kill('SIGKILL')
      const exit = await writer.exited
      expect(exit.signal).toBe('SIGKILL')
      const acknowledged = exit.lines
        .filter((line) => line.startsWith('ack '))
        .map((line) => Number(line.slice(4)))
      expect(acknowledged.length).toBeGreaterThanOrEqual(40)

      const store = await openStore<AllocationTables>(url, { migrations: allocationMigrations })
      const rows = await store.db.selectFrom('acks').select('n').where('owner', '=', 'killed').execute()
      await store.close()
      const stored = new Set(rows.map((row) => row.n))
      expect(acknowledged.filter((n) => !stored.has(n))).toEqual([])
    },
    PROCESS_TEST_TIMEOUT,
  )
})

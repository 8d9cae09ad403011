import { randomInt } from 'node:crypto'
import { CivitasError } from '@civitas/core'
import type { Transaction } from '@civitas/store'
import type { Kysely } from 'kysely'
import { BLOCK_BITS, type IssuerTables } from './schema.js'

export type StatusPurpose = 'revocation' | 'suspension'

export interface Allocation {
  purpose: StatusPurpose
  listId: number
  index: number
}

/** Rounds of random draws before falling back to picking among the free indices. */
const POINT_DRAWS = 16

/** Block numbers per `IN (...)` and block rows per upsert: well under both databases' parameter limits. */
const ROWS_PER_STATEMENT = 200

const BLOCK_BYTES = BLOCK_BITS / 8

/**
 * Draws `count` status indices for `purpose` inside the caller's transaction: from the lowest
 * open list of that purpose (a new list row when none is open, the next one when it fills),
 * each drawn uniformly from the list's free indices with a CSPRNG, and marks them taken in the
 * list's bitmap blocks. What makes an index impossible to hand out twice is the transaction
 * itself: SQLite runs one writer at a time, and PostgreSQL (SERIALIZABLE) fails one of two
 * transactions that rewrote the same block or list row, which then runs again. Runs inside
 * `store.transaction`, so it may run more than once: every run draws afresh and touches only
 * the database.
 */
export async function allocateIndices(
  trx: Transaction<IssuerTables>,
  purpose: StatusPurpose,
  size: number,
  count: number,
): Promise<Allocation[]> {
  const out: Allocation[] = []
  while (out.length < count) {
    let list = await trx
      .selectFrom('issuer_lists')
      .select(['list_id', 'size', 'allocated'])
      .where('purpose', '=', purpose)
      .where('full', '=', 0)
      .orderBy('list_id')
      .limit(1)
      .executeTakeFirst()
    if (!list) {
      const last = await trx
        .selectFrom('issuer_lists')
        .select((eb) => eb.fn.max('list_id').as('max'))
        .executeTakeFirst()
      const listId = Number(last?.max ?? 0) + 1
      await trx
        .insertInto('issuer_lists')
        .values({ list_id: listId, purpose, size, allocated: 0, full: 0, on_chain: 0 })
        .execute()
      list = { list_id: listId, size, allocated: 0 }
    }
    const listId = Number(list.list_id)
    const listSize = Number(list.size)
    const want = Math.min(count - out.length, Math.max(1, listSize - Number(list.allocated)))
    const bitmap = new ListBitmap(trx, listId, listSize)
    const indices = await drawFreeIndices(bitmap, listSize, Number(list.allocated), want)
    if (indices.length > 0) await bitmap.save()
    const allocated = Number(list.allocated) + indices.length
    // Fewer free indices than wanted: the list is full (whatever its counter said).
    const full = allocated >= listSize || indices.length < want ? 1 : 0
    await trx.updateTable('issuer_lists').set({ allocated, full }).where('list_id', '=', listId).execute()
    for (const index of indices) out.push({ purpose, listId, index })
  }
  return out
}

/**
 * `want` distinct, uniformly random free indices of a list, marked taken in `bitmap`. While at
 * least half the list is free, random candidates are mostly free (their blocks read in one
 * query per round). Past that, rejection sampling would need ever more draws, so the rest are
 * picked by rank: the k-th free index for k uniform among the free count, found through each
 * block's free count (still uniform, still from the CSPRNG, and without listing every free
 * index: a nearly full list costs what a fresh one costs). Fewer than `want` only when the
 * list is full.
 */
async function drawFreeIndices(
  bitmap: ListBitmap,
  size: number,
  allocated: number,
  want: number,
): Promise<number[]> {
  const picked: number[] = []
  const sparse = () => size - allocated - picked.length >= size / 2
  for (let round = 0; round < POINT_DRAWS && picked.length < want && sparse(); round++) {
    const candidates = new Set<number>()
    while (candidates.size < want - picked.length) candidates.add(randomInt(size))
    await bitmap.load([...candidates].map((index) => Math.floor(index / BLOCK_BITS)))
    for (const candidate of candidates) if (bitmap.take(candidate)) picked.push(candidate)
  }
  if (picked.length >= want) return picked
  await bitmap.loadAll()
  const blocks = Math.ceil(size / BLOCK_BITS)
  const freeIn = new Array<number>(blocks)
  let free = 0
  for (let block = 0; block < blocks; block++) {
    freeIn[block] = bitmap.freeInBlock(block)
    free += freeIn[block]!
  }
  while (picked.length < want && free > 0) {
    let rank = randomInt(free)
    let block = 0
    while (rank >= freeIn[block]!) rank -= freeIn[block++]!
    const index = bitmap.nthFree(block, rank)
    bitmap.take(index)
    picked.push(index)
    freeIn[block]!--
    free--
  }
  return picked
}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, byte) => {
  let n = 0
  for (let b = byte; b !== 0; b >>= 1) n += b & 1
  return n
})

/** The blocks of one list read in this transaction, and which of them it changed. */
class ListBitmap {
  private readonly blocks = new Map<number, Uint8Array>()
  private readonly changed = new Set<number>()
  private all = false

  constructor(
    private readonly trx: Transaction<IssuerTables>,
    private readonly listId: number,
    private readonly size: number,
  ) {}

  async load(blockNumbers: readonly number[]): Promise<void> {
    if (this.all) return
    const missing = [...new Set(blockNumbers)].filter((b) => !this.blocks.has(b))
    for (let i = 0; i < missing.length; i += ROWS_PER_STATEMENT) {
      const part = missing.slice(i, i + ROWS_PER_STATEMENT)
      const rows = await this.trx
        .selectFrom('issuer_list_blocks')
        .select(['block', 'bits'])
        .where('list_id', '=', this.listId)
        .where('block', 'in', part)
        .execute()
      for (const row of rows) this.blocks.set(Number(row.block), this.copy(row.bits, Number(row.block)))
      for (const block of part)
        if (!this.blocks.has(block)) this.blocks.set(block, new Uint8Array(BLOCK_BYTES))
    }
  }

  async loadAll(): Promise<void> {
    if (this.all) return
    const rows = await this.trx
      .selectFrom('issuer_list_blocks')
      .select(['block', 'bits'])
      .where('list_id', '=', this.listId)
      .execute()
    for (const row of rows) {
      // Blocks read earlier in this transaction may carry this transaction's own picks.
      if (!this.blocks.has(Number(row.block)))
        this.blocks.set(Number(row.block), this.copy(row.bits, Number(row.block)))
    }
    const count = Math.ceil(this.size / BLOCK_BITS)
    for (let block = 0; block < count; block++) {
      if (!this.blocks.has(block)) this.blocks.set(block, new Uint8Array(BLOCK_BYTES))
    }
    this.all = true
  }

  isTaken(index: number): boolean {
    const bits = this.blocks.get(Math.floor(index / BLOCK_BITS))!
    const bit = index % BLOCK_BITS
    return (bits[bit >> 3]! & (0x80 >> (bit & 7))) !== 0
  }

  /** Indices of `block` below the list's size, less those taken. The block must be loaded. */
  freeInBlock(block: number): number {
    const bits = this.blocks.get(block)!
    const end = Math.min(BLOCK_BITS, this.size - block * BLOCK_BITS)
    let taken = 0
    for (let byte = 0; byte < end >> 3; byte++) taken += POPCOUNT[bits[byte]!]!
    // A list size is a multiple of 256 (whole bytes); a partial byte would be counted bit by bit.
    for (let bit = end & ~7; bit < end; bit++) if (bits[bit >> 3]! & (0x80 >> (bit & 7))) taken++
    return end - taken
  }

  /** The index of the `rank`-th (from 0) free index of `block`, in index order. */
  nthFree(block: number, rank: number): number {
    const bits = this.blocks.get(block)!
    const end = Math.min(BLOCK_BITS, this.size - block * BLOCK_BITS)
    let byte = 0
    // Whole bytes first: 8 - popcount free indices each.
    while ((byte + 1) * 8 <= end && rank >= 8 - POPCOUNT[bits[byte]!]!) rank -= 8 - POPCOUNT[bits[byte++]!]!
    for (let bit = byte * 8; bit < end; bit++) {
      if ((bits[bit >> 3]! & (0x80 >> (bit & 7))) === 0 && rank-- === 0) return block * BLOCK_BITS + bit
    }
    throw new CivitasError(
      'STORE_CORRUPT',
      `status list ${this.listId} counted a free index it does not hold`,
    )
  }

  /** Marks `index` taken; false when it already was. Its block must be loaded. */
  take(index: number): boolean {
    if (this.isTaken(index)) return false
    const block = Math.floor(index / BLOCK_BITS)
    const bit = index % BLOCK_BITS
    this.blocks.get(block)![bit >> 3]! |= 0x80 >> (bit & 7)
    this.changed.add(block)
    return true
  }

  async save(): Promise<void> {
    const rows = [...this.changed].map((block) => ({
      list_id: this.listId,
      block,
      bits: Buffer.from(this.blocks.get(block)!),
    }))
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      await this.trx
        .insertInto('issuer_list_blocks')
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.columns(['list_id', 'block']).doUpdateSet({ bits: (eb) => eb.ref('excluded.bits') }),
        )
        .execute()
    }
    this.changed.clear()
  }

  private copy(stored: unknown, block: number): Uint8Array {
    if (!(stored instanceof Uint8Array) || stored.length !== BLOCK_BYTES) {
      throw new CivitasError(
        'STORE_CORRUPT',
        `block ${block} of status list ${this.listId} is not a ${BLOCK_BYTES}-byte bitmap`,
        { details: { listId: this.listId, block } },
      )
    }
    return Uint8Array.from(stored)
  }
}

/**
 * Every index of `listId` handed out so far, ascending (for tests and audits): the set bits
 * of its blocks.
 */
export async function allocatedIndices(db: Kysely<IssuerTables>, listId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('issuer_list_blocks')
    .select(['block', 'bits'])
    .where('list_id', '=', listId)
    .orderBy('block')
    .execute()
  const out: number[] = []
  for (const row of rows) {
    const bits = row.bits
    for (let byte = 0; byte < bits.length; byte++) {
      if (bits[byte] === 0) continue
      for (let bit = 0; bit < 8; bit++) {
        if (bits[byte]! & (0x80 >> bit)) out.push(Number(row.block) * BLOCK_BITS + byte * 8 + bit)
      }
    }
  }
  return out
}

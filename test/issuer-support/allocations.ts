import type { Issuer } from '@civitas/issuer'

// The issuer's allocation bitmaps read and written as the schema documents them (512-byte
// blocks of 4,096 indices, most significant bit first), independently of the issuer's code:
// the tests check what is on disk, not what the allocator believes.

const BLOCK_BITS = 4096

interface BlockRow {
  list_id: number
  block: number
  bits: Uint8Array
}

type AnyDb = Issuer['store']['db']

/** Every allocated status slot, as `list:index`. */
export async function allocatedSlots(db: AnyDb): Promise<string[]> {
  const rows = (await db
    .selectFrom('issuer_list_blocks')
    .select(['list_id', 'block', 'bits'])
    .execute()) as BlockRow[]
  const slots: string[] = []
  for (const row of rows) {
    for (let byte = 0; byte < row.bits.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        if (row.bits[byte]! & (0x80 >> bit))
          slots.push(`${row.list_id}:${Number(row.block) * BLOCK_BITS + byte * 8 + bit}`)
      }
    }
  }
  return slots
}

/** How many status indices are allocated, in every list. */
export async function countAllocations(db: AnyDb): Promise<number> {
  return (await allocatedSlots(db)).length
}

/** Marks `indices` of `listId` taken, as earlier issuances would have (keeps what is taken already). */
export async function markTaken(db: AnyDb, listId: number, indices: Iterable<number>): Promise<void> {
  const existing = (await db
    .selectFrom('issuer_list_blocks')
    .select(['list_id', 'block', 'bits'])
    .where('list_id', '=', listId)
    .execute()) as BlockRow[]
  const blocks = new Map<number, Uint8Array>(existing.map((r) => [Number(r.block), Uint8Array.from(r.bits)]))
  for (const index of indices) {
    const block = Math.floor(index / BLOCK_BITS)
    let bits = blocks.get(block)
    if (!bits) {
      bits = new Uint8Array(BLOCK_BITS / 8)
      blocks.set(block, bits)
    }
    const bit = index % BLOCK_BITS
    bits[bit >> 3]! |= 0x80 >> (bit & 7)
  }
  await db.deleteFrom('issuer_list_blocks').where('list_id', '=', listId).execute()
  const rows = [...blocks].map(([block, bits]) => ({ list_id: listId, block, bits: Buffer.from(bits) }))
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto('issuer_list_blocks')
      .values(rows.slice(i, i + 100))
      .execute()
  }
}

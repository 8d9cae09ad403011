import { randomInt } from 'node:crypto'
import type { Transaction } from '@civitas/store'
import type { IssuerTables } from './schema.js'

export type StatusPurpose = 'revocation' | 'suspension'

export interface Allocation {
  purpose: StatusPurpose
  listId: number
  index: number
}

/** Random draws checked one by one before falling back to picking among the free indices. */
const POINT_DRAWS = 16

/**
 * Draws a status index for `purpose` inside the caller's transaction: the lowest open list
 * of that purpose (a new list row when none is open), an index drawn uniformly from the
 * list's free indices with a CSPRNG, and the list's counter. Runs inside `store.transaction`,
 * so it may run more than once: every run draws afresh and touches only the database.
 */
export async function allocateIndex(
  trx: Transaction<IssuerTables>,
  purpose: StatusPurpose,
  size: number,
  idHash: string,
): Promise<Allocation> {
  for (;;) {
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
    const index = await drawFreeIndex(trx, listId, listSize)
    if (index === undefined) {
      // The counter lagged behind the allocations (rows written by another tool): the list is full.
      await trx.updateTable('issuer_lists').set({ full: 1 }).where('list_id', '=', listId).execute()
      continue
    }
    await trx
      .insertInto('issuer_allocations')
      .values({ list_id: listId, idx: index, id_hash: idHash })
      .execute()
    const allocated = Number(list.allocated) + 1
    await trx
      .updateTable('issuer_lists')
      .set({ allocated, full: allocated >= listSize ? 1 : 0 })
      .where('list_id', '=', listId)
      .execute()
    return { purpose, listId, index }
  }
}

/**
 * A uniformly random free index. While the list is sparse a random draw is almost always
 * free; near the end, rejection sampling would loop, so the free indices are enumerated and
 * one of them is picked (still uniform, still from the CSPRNG).
 */
async function drawFreeIndex(
  trx: Transaction<IssuerTables>,
  listId: number,
  size: number,
): Promise<number | undefined> {
  for (let draw = 0; draw < POINT_DRAWS; draw++) {
    const candidate = randomInt(size)
    const taken = await trx
      .selectFrom('issuer_allocations')
      .select('idx')
      .where('list_id', '=', listId)
      .where('idx', '=', candidate)
      .executeTakeFirst()
    if (!taken) return candidate
  }
  const rows = await trx
    .selectFrom('issuer_allocations')
    .select('idx')
    .where('list_id', '=', listId)
    .execute()
  const used = new Uint8Array(size)
  for (const row of rows) used[Number(row.idx)] = 1
  const free = size - rows.length
  if (free <= 0) return undefined
  let pick = randomInt(free)
  for (let i = 0; i < size; i++) {
    if (used[i] === 0 && pick-- === 0) return i
  }
  return undefined
}

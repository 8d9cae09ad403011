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

/** Allocation ids per multi-row statement: well under SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 200

/**
 * Draws one status index per id hash for `purpose` inside the caller's transaction: from the
 * lowest open list of that purpose (a new list row when none is open, the next one when it
 * fills), indices drawn uniformly from the list's free indices with a CSPRNG, and the list's
 * counter. Multi-row statements: a group of issuances costs a handful of statements, not a
 * handful each. Runs inside `store.transaction`, so it may run more than once: every run draws
 * afresh and touches only the database. Results are in the order of `idHashes`.
 */
export async function allocateIndices(
  trx: Transaction<IssuerTables>,
  purpose: StatusPurpose,
  size: number,
  idHashes: readonly string[],
): Promise<Allocation[]> {
  const out: Allocation[] = []
  while (out.length < idHashes.length) {
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
    const want = Math.min(idHashes.length - out.length, Math.max(1, listSize - Number(list.allocated)))
    const indices = await drawFreeIndices(trx, listId, listSize, want)
    if (indices.length === 0) {
      // The counter lagged behind the allocations (rows written by another tool): the list is full.
      await trx.updateTable('issuer_lists').set({ full: 1 }).where('list_id', '=', listId).execute()
      continue
    }
    const rows = indices.map((idx, i) => ({ list_id: listId, idx, id_hash: idHashes[out.length + i]! }))
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      await trx
        .insertInto('issuer_allocations')
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .execute()
    }
    const allocated = Number(list.allocated) + indices.length
    // Fewer free indices than wanted: the list is full (whatever its counter said).
    const full = allocated >= listSize || indices.length < want ? 1 : 0
    await trx.updateTable('issuer_lists').set({ allocated, full }).where('list_id', '=', listId).execute()
    for (const index of indices) out.push({ purpose, listId, index })
  }
  return out
}

/**
 * `want` distinct, uniformly random free indices of a list. While the list is sparse, random
 * candidates are almost all free (checked in one query per round); near the end, rejection
 * sampling would loop, so the free indices are enumerated and the rest picked among them
 * (still uniform, still from the CSPRNG). Fewer than `want` only when the list is full.
 */
async function drawFreeIndices(
  trx: Transaction<IssuerTables>,
  listId: number,
  size: number,
  want: number,
): Promise<number[]> {
  const picked = new Set<number>()
  for (let round = 0; round < POINT_DRAWS && picked.size < want && want - picked.size <= size / 4; round++) {
    const candidates = new Set<number>()
    while (candidates.size < want - picked.size) {
      const candidate = randomInt(size)
      if (!picked.has(candidate)) candidates.add(candidate)
    }
    const list = [...candidates]
    const taken = new Set<number>()
    for (let i = 0; i < list.length; i += ROWS_PER_STATEMENT) {
      const rows = await trx
        .selectFrom('issuer_allocations')
        .select('idx')
        .where('list_id', '=', listId)
        .where('idx', 'in', list.slice(i, i + ROWS_PER_STATEMENT))
        .execute()
      for (const row of rows) taken.add(Number(row.idx))
    }
    for (const candidate of list) if (!taken.has(candidate)) picked.add(candidate)
  }
  if (picked.size >= want) return [...picked]
  const rows = await trx
    .selectFrom('issuer_allocations')
    .select('idx')
    .where('list_id', '=', listId)
    .execute()
  const used = new Uint8Array(size)
  for (const row of rows) used[Number(row.idx)] = 1
  for (const index of picked) used[index] = 1
  const free: number[] = []
  for (let i = 0; i < size; i++) if (used[i] === 0) free.push(i)
  // A partial Fisher-Yates shuffle draws the rest uniformly without replacement.
  const rest = Math.min(want - picked.size, free.length)
  for (let k = 0; k < rest; k++) {
    const j = k + randomInt(free.length - k)
    ;[free[k], free[j]] = [free[j]!, free[k]!]
    picked.add(free[k]!)
  }
  return [...picked]
}

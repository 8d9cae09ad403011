import { type StoredRecord, WALLET_TABLES, type WalletStore, type WalletTable } from './types.js'

interface Row {
  data: Uint8Array
  tags: ReadonlySet<string>
}

interface State {
  meta: Map<string, Uint8Array>
  tables: Record<WalletTable, Map<string, Row>>
  /** tag → ids, per table: a tag lookup touches the ids that have it, not every row. */
  index: Record<WalletTable, Map<string, Set<string>>>
}

function emptyState(): State {
  return {
    meta: new Map(),
    tables: { keys: new Map(), credentials: new Map(), log: new Map() },
    index: { keys: new Map(), credentials: new Map(), log: new Map() },
  }
}

function indexRow(state: State, table: WalletTable, id: string, tags: Iterable<string>): void {
  const index = state.index[table]
  for (const tag of tags) {
    let ids = index.get(tag)
    if (!ids) {
      ids = new Set()
      index.set(tag, ids)
    }
    ids.add(id)
  }
}

function unindexRow(state: State, table: WalletTable, id: string, tags: Iterable<string>): void {
  const index = state.index[table]
  for (const tag of tags) {
    const ids = index.get(tag)
    ids?.delete(id)
    if (ids?.size === 0) index.delete(tag)
  }
}

/** A copy to roll back to: the maps are copied (rows are immutable once stored), the index rebuilt. */
function copyState(state: State): State {
  const copy = emptyState()
  for (const [k, v] of state.meta) copy.meta.set(k, v)
  for (const table of WALLET_TABLES) {
    for (const [id, row] of state.tables[table]) {
      copy.tables[table].set(id, row)
      indexRow(copy, table, id, row.tags)
    }
  }
  return copy
}

/**
 * A store in this process's memory: for tests and short-lived wallets. Data is copied in
 * and out, so a caller mutating a buffer cannot alter a stored record (tests that tamper
 * do it through `put`). Erased rows are zeroed.
 */
export function createMemoryStore(): WalletStore {
  let state = emptyState()
  // Bytes of erased rows are zeroed, so an erased record does not linger in this process;
  // inside a transaction only once it commits (a rollback brings the rows back).
  let pendingWipes: Uint8Array[] | undefined
  const wipe = (data: Uint8Array | undefined) => {
    if (data === undefined) return
    if (pendingWipes) pendingWipes.push(data)
    else data.fill(0)
  }
  // Closing a wallet does not end a memory store: the object keeps the data, so a test or a
  // short-lived process can open the same wallet again.
  const check = () => undefined
  const store: WalletStore = {
    kind: 'memory',
    async getMeta(name) {
      check()
      const value = state.meta.get(name)
      return value === undefined ? undefined : new Uint8Array(value)
    },
    async setMeta(name, value) {
      check()
      const old = state.meta.get(name)
      state.meta.set(name, new Uint8Array(value))
      wipe(old)
    },
    async put(table, record, tags = []) {
      check()
      const old = state.tables[table].get(record.id)
      if (old) unindexRow(state, table, record.id, old.tags)
      state.tables[table].set(record.id, { data: new Uint8Array(record.data), tags: new Set(tags) })
      indexRow(state, table, record.id, tags)
      wipe(old?.data)
    },
    async get(table, id) {
      check()
      const row = state.tables[table].get(id)
      return row === undefined ? undefined : new Uint8Array(row.data)
    },
    async getMany(table, ids) {
      check()
      const out: StoredRecord[] = []
      for (const id of ids) {
        const row = state.tables[table].get(id)
        if (row) out.push({ id, data: new Uint8Array(row.data) })
      }
      return out
    },
    async all(table) {
      check()
      return [...state.tables[table]].map(
        ([id, row]): StoredRecord => ({ id, data: new Uint8Array(row.data) }),
      )
    },
    async idsWithTags(table, tags) {
      check()
      if (tags.length === 0) return [...state.tables[table].keys()]
      const sets: Set<string>[] = []
      for (const tag of tags) {
        const ids = state.index[table].get(tag)
        if (!ids) return []
        sets.push(ids)
      }
      sets.sort((a, b) => a.size - b.size)
      const [smallest, ...others] = sets as [Set<string>, ...Set<string>[]]
      if (others.length === 0) return [...smallest]
      const ids: string[] = []
      for (const id of smallest) if (others.every((set) => set.has(id))) ids.push(id)
      return ids
    },
    async delete(table, id) {
      check()
      const row = state.tables[table].get(id)
      if (row === undefined) return false
      state.tables[table].delete(id)
      unindexRow(state, table, id, row.tags)
      wipe(row.data)
      return true
    },
    async clear() {
      check()
      for (const value of state.meta.values()) wipe(value)
      for (const table of WALLET_TABLES) for (const row of state.tables[table].values()) wipe(row.data)
      state = emptyState()
    },
    async transaction(work) {
      check()
      if (pendingWipes) return work(store) // nested: part of the enclosing unit of work
      // Copy of the maps (rows are immutable once stored): a failed unit of work restores
      // the maps as they were.
      const before = copyState(state)
      pendingWipes = []
      try {
        const result = await work(store)
        for (const data of pendingWipes) data.fill(0)
        return result
      } catch (error) {
        state = before
        throw error
      } finally {
        pendingWipes = undefined
      }
    },
    async compact() {
      check()
    },
    async close() {},
  }
  return store
}

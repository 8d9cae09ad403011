/**
 * What the wallet asks of a storage backend. Everything that reaches a backend is already
 * encrypted (records) or keyed (tags): a backend never sees a claim, a type, an issuer or
 * a key. Implementations: {@link createMemoryStore} (tests, short-lived use) and the
 * SQLite one on @civitas/store.
 */
export type WalletTable = 'keys' | 'credentials' | 'log'

export const WALLET_TABLES: readonly WalletTable[] = ['keys', 'credentials', 'log']

export interface StoredRecord {
  readonly id: string
  readonly data: Uint8Array
}

export interface WalletStore {
  /** A short name for messages: `memory`, `sqlite`. */
  readonly kind: string
  /** The wallet header (KDF parameters and wrapped master key), or undefined for a new wallet. */
  getMeta(name: string): Promise<Uint8Array | undefined>
  setMeta(name: string, value: Uint8Array): Promise<void>
  /** Inserts or replaces a record and replaces its tags. */
  put(table: WalletTable, record: StoredRecord, tags?: readonly string[]): Promise<void>
  get(table: WalletTable, id: string): Promise<Uint8Array | undefined>
  /** The records of `ids` that exist, in no particular order (one round trip, not one per id). */
  getMany(table: WalletTable, ids: readonly string[]): Promise<StoredRecord[]>
  /** Every record of a table, in insertion order. */
  all(table: WalletTable): Promise<StoredRecord[]>
  /** Ids of the records that carry every one of `tags` (all ids for none), in insertion order. */
  idsWithTags(table: WalletTable, tags: readonly string[]): Promise<string[]>
  /** True when a record was deleted. */
  delete(table: WalletTable, id: string): Promise<boolean>
  /** Deletes every record, tag and meta entry. */
  clear(): Promise<void>
  /** Runs `work` atomically: all its writes land, or none. */
  transaction<T>(work: (store: WalletStore) => Promise<T>): Promise<T>
  /**
   * Makes deleted data unrecoverable from the backing medium where the backend can
   * (SQLite: secure_delete is on, then VACUUM and a truncating WAL checkpoint).
   */
  compact(): Promise<void>
  close(): Promise<void>
}

import { CivitasError } from '../errors/index.js'
import { assertFunction, assertRecord } from '../guards/index.js'

/**
 * The one least-recently-used cache of the package, with per-entry expiry: DID resolution
 * results (a TTL each) and imported platform keys (no expiry: `ttlMs` Infinity). A Map keeps
 * insertion order, so re-inserting on every hit makes its first key the least recently used.
 * The clock is injectable so that expiry is tested without waiting.
 */

export interface CacheStats {
  hits: number
  misses: number
  /** Entries dropped because the cache was full (least recently used first). */
  evictions: number
  /** Entries dropped because their time-to-live had passed. */
  expirations: number
  size: number
  maxEntries: number
}

export interface LruCacheOptions {
  /** The most entries held; the least recently used goes first. */
  maxEntries: number
  /** Milliseconds since an arbitrary epoch; defaults to `Date.now`. */
  now?: () => number
}

export interface LruCache<V> {
  get(key: string): V | undefined
  /** Stores `value` for `ttlMs` milliseconds (Infinity: until evicted); a ttl <= 0 stores nothing. */
  set(key: string, value: V, ttlMs: number): void
  delete(key: string): void
  clear(): void
  stats(): CacheStats
}

export function createLruCache<V>(options: LruCacheOptions): LruCache<V> {
  assertRecord(options, 'createLruCache options')
  const { maxEntries } = options
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new CivitasError('INVALID_ARGUMENT', 'cache maxEntries must be a positive integer')
  }
  if (options.now !== undefined) assertFunction(options.now, 'createLruCache options.now')
  const now = options.now ?? Date.now
  const entries = new Map<string, { value: V; expiresAt: number }>()
  const counters = { hits: 0, misses: 0, evictions: 0, expirations: 0 }

  return {
    get(key) {
      const entry = entries.get(key)
      if (entry === undefined) {
        counters.misses++
        return undefined
      }
      entries.delete(key)
      if (entry.expiresAt <= now()) {
        counters.expirations++
        counters.misses++
        return undefined
      }
      entries.set(key, entry)
      counters.hits++
      return entry.value
    },
    set(key, value, ttlMs) {
      // NaN or a BigInt would turn every later expiry check into a silent miss or a TypeError.
      if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
        throw new CivitasError('INVALID_ARGUMENT', 'cache ttlMs must be a number')
      }
      entries.delete(key)
      if (!(ttlMs > 0)) return
      entries.set(key, { value, expiresAt: now() + ttlMs })
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string
        entries.delete(oldest)
        counters.evictions++
      }
    },
    delete(key) {
      entries.delete(key)
    },
    clear() {
      entries.clear()
    },
    stats() {
      return { ...counters, size: entries.size, maxEntries }
    },
  }
}

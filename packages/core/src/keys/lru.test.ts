import { describe, expect, it } from 'vitest'
import { createLruCache } from './lru.js'

// The package's one LRU cache: eviction order, expiry on an injected clock, counters.

function clock(start = 0) {
  const state = { now: start }
  return {
    now: () => state.now,
    advance: (ms: number) => {
      state.now += ms
    },
  }
}

describe('createLruCache', () => {
  it('evicts the least recently used entry when full, and counts it', () => {
    const c = clock()
    const cache = createLruCache<number>({ maxEntries: 2, now: c.now })
    cache.set('a', 1, 1000)
    cache.set('b', 2, 1000)
    expect(cache.get('a')).toBe(1) // a is now the most recently used
    cache.set('c', 3, 1000)
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBe(1)
    expect(cache.get('c')).toBe(3)
    expect(cache.stats()).toEqual({
      hits: 3,
      misses: 1,
      evictions: 1,
      expirations: 0,
      size: 2,
      maxEntries: 2,
    })
  })

  it('expires entries after their ttl (injected clock) and never stores a ttl <= 0', () => {
    const c = clock()
    const cache = createLruCache<string>({ maxEntries: 10, now: c.now })
    cache.set('k', 'v', 100)
    c.advance(99)
    expect(cache.get('k')).toBe('v')
    c.advance(1)
    expect(cache.get('k')).toBeUndefined()
    cache.set('zero', 'v', 0)
    expect(cache.get('zero')).toBeUndefined()
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, expirations: 1, size: 0 })
  })

  it('refuses a non-positive maxEntries, missing options, a clock or ttl of the wrong type (INVALID_ARGUMENT)', () => {
    const invalid = expect.objectContaining({ code: 'INVALID_ARGUMENT' })
    expect(() => createLruCache({ maxEntries: 0 })).toThrow(invalid)
    expect(() => createLruCache(null as never)).toThrow(invalid)
    expect(() => createLruCache({ maxEntries: 2, now: 'yesterday' as never })).toThrow(invalid)
    const cache = createLruCache<number>({ maxEntries: 2 })
    expect(() => cache.set('k', 1, 10n as never)).toThrow(invalid)
    expect(() => cache.set('k', 1, Number.NaN)).toThrow(invalid)
  })

  it('an entry stored with ttl Infinity stays until evicted (the platform-key cache)', () => {
    const c = clock()
    const cache = createLruCache<string>({ maxEntries: 1, now: c.now })
    cache.set('key', 'KeyObject', Number.POSITIVE_INFINITY)
    c.advance(Number.MAX_SAFE_INTEGER)
    expect(cache.get('key')).toBe('KeyObject')
    cache.set('other', 'KeyObject', Number.POSITIVE_INFINITY)
    expect(cache.get('key')).toBeUndefined()
  })
})

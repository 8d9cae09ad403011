import { describe, expect, it } from 'vitest'
import { createMemoryNonceStore } from './nonce-store.js'

describe('createMemoryNonceStore', () => {
  it('refuses a nonce seen within its lifetime, accepts it again once expired', () => {
    let now = 1_000_000
    const store = createMemoryNonceStore({ now: () => now })
    expect(store.use('n-1', 1_300)).toBe(true)
    expect(store.use('n-1', 1_300)).toBe(false)
    expect(store.use('n-2', 1_300)).toBe(true)
    now = 1_300_000
    expect(store.use('n-1', 1_600)).toBe(true)
  })

  it('when full of live nonces it refuses new ones rather than forgetting one (which would allow its replay)', () => {
    let now = 0
    const store = createMemoryNonceStore({ maxEntries: 2, now: () => now })
    store.use('a', 10)
    store.use('b', 100)
    expect(() => store.use('c', 100)).toThrow(expect.objectContaining({ code: 'INPUT_TOO_LARGE' }))
    expect(store.use('a', 10)).toBe(false)
    now = 20_000 // 'a' has expired: swept to make room
    expect(store.use('c', 100)).toBe(true)
    expect(store.use('b', 100)).toBe(false)
  })
})

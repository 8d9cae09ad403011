import { CivitasError } from '@civitas/core'

/**
 * Remembers presentation nonces so that one presentation cannot be replayed. A shared store
 * (Redis, a database) implements the same one method for several verifier instances.
 */
export interface NonceStore {
  /**
   * Records `nonce` until `expiresAt` (seconds since the epoch). Resolves to false when the
   * nonce was already recorded and has not expired: the presentation is a replay.
   */
  use(nonce: string, expiresAt: number): boolean | Promise<boolean>
}

export interface MemoryNonceStoreOptions {
  /** Live nonces held at most (default 100,000); beyond, new nonces are refused, not old ones forgotten. */
  maxEntries?: number
  /** Milliseconds clock (default Date.now). */
  now?: () => number
}

/** An in-process {@link NonceStore}: expired nonces are swept as new ones arrive. */
export function createMemoryNonceStore(options: MemoryNonceStoreOptions = {}): NonceStore {
  const maxEntries = options.maxEntries ?? 100_000
  const clock = options.now ?? Date.now
  const seen = new Map<string, number>()
  const sweep = (now: number) => {
    for (const [nonce, expiresAt] of seen) {
      if (expiresAt <= now) seen.delete(nonce)
    }
  }
  return {
    use(nonce, expiresAt) {
      const now = clock() / 1000
      const known = seen.get(nonce)
      if (known !== undefined && known > now) return false
      if (seen.size >= maxEntries) sweep(now)
      // Forgetting a live nonce would let its presentation be replayed: refuse instead.
      if (seen.size >= maxEntries) {
        throw new CivitasError(
          'INPUT_TOO_LARGE',
          `the nonce store holds ${maxEntries} live nonces, its limit`,
        )
      }
      seen.delete(nonce)
      seen.set(nonce, expiresAt)
      return true
    },
  }
}

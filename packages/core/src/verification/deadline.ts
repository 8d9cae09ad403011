import { CivitasError } from '../errors/index.js'

/**
 * Default deadline of one verification call, enclosed credentials included: long enough for
 * a few did:web or did:ethr lookups (5 s each by default), short enough that a token naming
 * slow hosts cannot hold a request for minutes.
 */
export const DEFAULT_VERIFICATION_TIMEOUT_MS = 20_000

/** One overall deadline shared by every lookup of a verification. */
export interface Deadline {
  /** True once the deadline has passed: no further work should start. */
  readonly expired: boolean
  /**
   * `work`, or a `VERIFICATION_TIMEOUT` rejection if the deadline passes first. The work
   * itself is not cancelled (a DID resolver offers no signal); its own timeout ends it, and
   * its result is ignored.
   */
  race<T>(work: Promise<T>): Promise<T>
}

export function timeoutError(timeoutMs: number): CivitasError {
  return new CivitasError('VERIFICATION_TIMEOUT', `verification did not finish within ${timeoutMs} ms`, {
    details: { timeoutMs },
  })
}

/**
 * A deadline `timeoutMs` from now. Each `race` arms its own timer and clears it as soon as
 * the work settles, so a verification that never waits on anything remote (an explicit key)
 * costs no timer, and a fast one a single short-lived timer.
 */
export function createDeadline(timeoutMs: number): Deadline {
  const end = Date.now() + timeoutMs
  let expired = false
  return {
    get expired() {
      return expired || Date.now() >= end
    },
    race<T>(work: Promise<T>): Promise<T> {
      const remaining = end - Date.now()
      if (remaining <= 0) {
        expired = true
        work.catch(() => {})
        return Promise.reject(timeoutError(timeoutMs))
      }
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          expired = true
          reject(timeoutError(timeoutMs))
        }, remaining)
        work.then(
          (value) => {
            clearTimeout(timer)
            resolve(value)
          },
          (error: unknown) => {
            clearTimeout(timer)
            reject(error)
          },
        )
      })
    },
  }
}

/**
 * Maps `items` through `work` with at most `concurrency` in flight, in input order. Once
 * `deadline` has expired no further item is started: `skipped` answers for it instead.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  deadline: Deadline,
  work: (item: T, index: number) => Promise<R>,
  skipped: (item: T, index: number) => R,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      const item = items[index] as T
      results[index] = deadline.expired ? skipped(item, index) : await work(item, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

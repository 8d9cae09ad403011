import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isCivitasError } from '@civitas/core/errors'

/**
 * Runs `attempt` until it succeeds, retrying only STORE_CONFLICT (a serialization failure,
 * a deadlock, a lock still busy): those mean "run again", every other error is final.
 * The backoff is jittered so that the processes that collided do not collide again.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, attempts: number): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt()
    } catch (error) {
      if (n >= attempts || !isCivitasError(error, 'STORE_CONFLICT')) {
        if (n > 1 && isCivitasError(error, 'STORE_CONFLICT') && error.details) error.details.attempts = n
        throw error
      }
      await sleep(randomInt(1, 5 + Math.min(n, 8) * 10))
    }
  }
}

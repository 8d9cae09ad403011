import { isCivitasError } from '@civitas/core'

/** How long one async call may take before it counts as a hang (generous: CI machines are shared). */
export const PROBE_TIMEOUT_MS = 15_000

export type Outcome =
  | { kind: 'returned'; value: unknown }
  | { kind: 'civitas-error'; error: Error }
  | { kind: 'raw-error'; error: unknown }
  | { kind: 'hang' }

const HANG = Symbol('hang')

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/**
 * Runs `call` and classifies its answer. Async answers are bounded by `timeoutMs` with a
 * Promise.race: a call that never settles is a hang, not a slow test.
 */
export async function probe(call: () => unknown, timeoutMs = PROBE_TIMEOUT_MS): Promise<Outcome> {
  let value: unknown
  try {
    value = call()
    if (isThenable(value)) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const hang = new Promise<typeof HANG>((resolve) => {
        timer = setTimeout(() => resolve(HANG), timeoutMs)
      })
      try {
        value = await Promise.race([value, hang])
      } finally {
        clearTimeout(timer)
      }
      if (value === HANG) return { kind: 'hang' }
    }
  } catch (error) {
    return isCivitasError(error) ? { kind: 'civitas-error', error } : { kind: 'raw-error', error }
  }
  return { kind: 'returned', value }
}

/** One line naming the failure, safe for any thrown value. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 160)}`
  try {
    return `non-Error ${typeof error}: ${String(error).slice(0, 80)}`
  } catch {
    return `non-Error ${typeof error}`
  }
}

import { CivitasError, describeValue, isCivitasError, isRecord } from '@civitas/core'
import type { IssueInput } from './credential.js'

/** One row of `issueBatch`: an issue input and the caller's key for it (a row id, a student number). */
export interface IssueBatchRow extends Omit<IssueInput, 'idempotencyKey'> {
  /** Stored with the row's allocation: re-running the batch returns the stored credential for it. */
  key: string
}

/** What one row came to. */
export type IssueBatchRowResult =
  | {
      key: string
      ok: true
      id: string
      token: string
      /** True when the key had been issued before (an earlier run): nothing new was allocated. */
      resumed: boolean
    }
  | { key: string; ok: false; error: CivitasError }

export interface IssueBatchProgress {
  /** Rows finished so far (issued, resumed or failed). */
  done: number
  issued: number
  resumed: number
  failed: number
  /** The row that just finished. */
  row: IssueBatchRowResult
}

export interface IssueBatchOptions {
  /**
   * Rows being allocated and signed at once (1–256), default 32; as many more may be storing
   * their token. Rows in flight together share store transactions (group commit).
   */
  concurrency?: number
  /** Called after each row, in completion order. An exception it throws is ignored. */
  onProgress?(progress: IssueBatchProgress): void
  /** Stops taking new rows; rows in flight finish. The result says `aborted`. */
  signal?: AbortSignal
}

export interface IssueBatchResult {
  /** One entry per row taken, in row order. */
  rows: IssueBatchRowResult[]
  issued: number
  resumed: number
  failed: number
  /** The signal stopped the batch before every row was taken: run it again to finish (issued rows resume). */
  aborted: boolean
}

export interface IssueOutcome {
  id: string
  token: string
  resumed: boolean
}

const MAX_KEY_LENGTH = 256

function rowError(error: unknown): CivitasError {
  return isCivitasError(error)
    ? error
    : new CivitasError('INVALID_ARGUMENT', 'the row could not be issued', { cause: error })
}

/**
 * Issues rows with bounded concurrency. Each row's key is the idempotency key of its
 * issuance, committed with its status allocation: after a crash, running the same rows again
 * returns the stored credentials of the rows already issued and issues the rest. A row that
 * fails is reported, not thrown; the batch goes on.
 */
export async function runIssueBatch(
  rows: Iterable<IssueBatchRow> | AsyncIterable<IssueBatchRow>,
  options: IssueBatchOptions,
  /** Issues one row; calls `signed` once its token is signed (before it is stored). */
  issueOne: (input: IssueInput, signed: () => void) => Promise<IssueOutcome>,
): Promise<IssueBatchResult> {
  if (!isRecord(options as unknown)) {
    throw new CivitasError('INVALID_ARGUMENT', 'issueBatch options must be an object')
  }
  if (
    rows === null ||
    typeof rows !== 'object' ||
    (typeof (rows as Iterable<unknown>)[Symbol.iterator] !== 'function' &&
      typeof (rows as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function')
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'rows must be an iterable of { key, ...issue input }')
  }
  const concurrency = options.concurrency ?? 32
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `concurrency must be an integer from 1 to 256, got ${describeValue(concurrency)}`,
    )
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'onProgress must be a function')
  }
  const signal = options.signal
  const results: IssueBatchRowResult[] = []
  const counts = { done: 0, issued: 0, resumed: 0, failed: 0 }
  const seen = new Set<string>()
  const source = (
    Symbol.asyncIterator in rows
      ? rows[Symbol.asyncIterator]()
      : (rows as Iterable<IssueBatchRow>)[Symbol.iterator]()
  ) as AsyncIterator<IssueBatchRow> | Iterator<IssueBatchRow>
  let aborted = false

  async function runRow(row: unknown, signed: () => void): Promise<IssueBatchRowResult> {
    const key = isRecord(row) ? row.key : undefined
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      return {
        key: typeof key === 'string' ? key.slice(0, MAX_KEY_LENGTH) : '',
        ok: false,
        error: new CivitasError(
          'INVALID_ARGUMENT',
          `each row needs a key: a string of 1 to ${MAX_KEY_LENGTH} characters`,
        ),
      }
    }
    if (seen.has(key)) {
      return {
        key,
        ok: false,
        error: new CivitasError('INVALID_ARGUMENT', `key ${describeValue(key)} appears twice in the batch`),
      }
    }
    seen.add(key)
    const { key: _, ...input } = row as unknown as IssueBatchRow
    try {
      const outcome = await issueOne({ ...input, idempotencyKey: key }, signed)
      return { key, ok: true, ...outcome }
    } catch (error) {
      return { key, ok: false, error: rowError(error) }
    }
  }

  function record(position: number, result: IssueBatchRowResult): void {
    results[position] = result
    counts.done++
    if (!result.ok) counts.failed++
    else if (result.resumed) counts.resumed++
    else counts.issued++
    try {
      options.onProgress?.({ ...counts, row: result })
    } catch {
      // A progress callback must not stop the batch.
    }
  }

  // `concurrency` rows are being allocated and signed at once. A row gives its slot up once
  // signed, while its token is still being stored: that write then shares a transaction
  // with the next rows' allocations instead of costing one of its own.
  let active = 0
  let wake: (() => void) | undefined
  const running = new Set<Promise<void>>()
  try {
    for (;;) {
      // Bounded both ways: `concurrency` rows before their signature, as many again storing tokens.
      while (active >= concurrency || running.size >= 2 * concurrency) {
        await new Promise<void>((resolve) => (wake = resolve))
      }
      if (signal?.aborted) {
        aborted = true
        break
      }
      const step = await source.next()
      if (step.done) break
      const position = results.push(undefined as unknown as IssueBatchRowResult) - 1
      active++
      let released = false
      const release = () => {
        if (released) return
        released = true
        active--
        const w = wake
        wake = undefined
        w?.()
      }
      const run = runRow(step.value, release).then((result) => {
        record(position, result)
        running.delete(run)
        if (released) {
          const w = wake
          wake = undefined
          w?.()
        }
        release()
      })
      running.add(run)
    }
  } catch (error) {
    await Promise.all(running)
    throw isCivitasError(error)
      ? error
      : new CivitasError('INVALID_ARGUMENT', 'the rows could not be read', { cause: error })
  }
  await Promise.all(running)
  return { rows: results, issued: counts.issued, resumed: counts.resumed, failed: counts.failed, aborted }
}

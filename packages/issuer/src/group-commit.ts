import type { Store, Transaction } from '@civitas/store'

/**
 * Group commit: items queued while a transaction runs are committed together in the next
 * one, processed as one batch (multi-row statements), so concurrent issuances of one process
 * share one transaction (one fsync on SQLite, no serialization conflicts among themselves on
 * PostgreSQL) instead of queuing for one each. Every caller gets its result only once the
 * transaction holding its item has committed. Commits are not awaited to be on disk here
 * (`durability: 'deferred'`): a caller that acknowledges anything awaits `store.durable()`
 * first, so the disk flush overlaps its own work (signing) and the next group's transaction.
 */
export interface GroupCommit<Item, Result> {
  run(item: Item): Promise<Result>
}

interface Queued<Item> {
  item: Item
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** Most items in one transaction: bounds how long one transaction holds the write lock. */
const DEFAULT_MAX_GROUP = 128

export function createGroupCommit<DB, Item, Result>(
  store: Store<DB>,
  /** Processes a group inside its transaction; one result per item, in order. Runs again on a retried transaction. */
  process: (trx: Transaction<DB>, items: readonly Item[]) => Promise<Result[]>,
  options: { attempts: number; maxGroup?: number },
): GroupCommit<Item, Result> {
  const maxGroup = options.maxGroup ?? DEFAULT_MAX_GROUP
  const queue: Queued<Item>[] = []
  let running = false

  async function commit(group: Queued<Item>[]): Promise<void> {
    let results: Result[]
    try {
      results = await store.transaction(
        (trx) =>
          process(
            trx,
            group.map((q) => q.item),
          ),
        { attempts: options.attempts, durability: 'deferred' },
      )
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error)
        return
      }
      // One item failing (a constraint another process raced us to, a conflict that outlived
      // its retries) must not fail the others: each runs again in a transaction of its own.
      for (const queued of group) await commit([queued])
      return
    }
    // The flush starts now, ahead of the signatures its callers are about to queue on the same
    // thread pool; each caller awaits it (store.durable() joins the flush in flight) before it
    // acknowledges, and sees its error there.
    store.durable().catch(() => {})
    for (const [i, queued] of group.entries()) queued.resolve(results[i])
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await commit(queue.splice(0, maxGroup))
    } finally {
      running = false
    }
  }

  return {
    run(item: Item): Promise<Result> {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ item, resolve: resolve as (value: unknown) => void, reject })
        if (!running) {
          running = true
          // One turn of the event loop first: callers started together join the first group.
          setImmediate(() => void drain())
        }
      })
    },
  }
}

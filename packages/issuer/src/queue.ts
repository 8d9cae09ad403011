import { randomUUID } from 'node:crypto'
import { CivitasError } from '@civitas/core'
import { groupIndicesIntoMasks, type StatusPurpose, type WordMasks } from '@civitas/registry-contracts'
import type { Store } from '@civitas/store'
import { asChainError, type IssuerChain } from './chain.js'
import type { IssuerTables } from './schema.js'

export type StatusAction = 'revoke' | 'suspend' | 'reinstate'

/**
 * Queues one status change for the credential `id` (found by its id, or, once its holder's
 * data was erased, in the erased table by `idHash`, the HMAC of the id). Resolves once the intent and the
 * credential's new state are committed together, so a crash loses nothing and a second
 * revoke of the same credential is refused.
 */
export async function queueStatusChange(
  store: Store<IssuerTables>,
  id: string,
  idHash: () => string,
  action: StatusAction,
): Promise<void> {
  await store.transaction(async (trx) => {
    const columns = [
      'state',
      'revocation_list',
      'revocation_idx',
      'suspension_list',
      'suspension_idx',
    ] as const
    const stored = await trx
      .selectFrom('issuer_credentials')
      .select(['seq', ...columns])
      .where('credential_id', '=', id)
      .executeTakeFirst()
    const hash = stored === undefined ? idHash() : undefined
    const row =
      stored ??
      (hash !== undefined
        ? await trx.selectFrom('issuer_erased').select(columns).where('id_hash', '=', hash).executeTakeFirst()
        : undefined)
    if (!row) throw new CivitasError('CREDENTIAL_NOT_FOUND', 'this issuer issued no credential with that id')
    if (row.state === 'revoked')
      throw new CivitasError('ALREADY_REVOKED', 'the credential is already revoked')
    let target: { list: number | null; idx: number | null; purpose: StatusPurpose }
    let op: 'set' | 'clear'
    let state: string
    if (action === 'revoke') {
      target = { list: row.revocation_list, idx: row.revocation_idx, purpose: 'revocation' }
      op = 'set'
      state = 'revoked'
    } else {
      target = { list: row.suspension_list, idx: row.suspension_idx, purpose: 'suspension' }
      if (action === 'suspend') {
        if (row.state === 'suspended')
          throw new CivitasError('ALREADY_SUSPENDED', 'the credential is already suspended')
        op = 'set'
        state = 'suspended'
      } else {
        if (row.state !== 'suspended')
          throw new CivitasError('NOT_SUSPENDED', 'the credential is not suspended')
        op = 'clear'
        state = 'active'
      }
    }
    if (target.list === null || target.idx === null) {
      throw new CivitasError(
        'STATUS_PURPOSE_MISMATCH',
        `the credential has no ${target.purpose} status entry`,
        {
          details: { purpose: target.purpose },
        },
      )
    }
    await trx
      .insertInto('issuer_status_ops')
      .values({
        list_id: Number(target.list),
        idx: Number(target.idx),
        op,
        done: 0,
        tx_hash: null,
        created_at: new Date().toISOString(),
      })
      .execute()
    if (stored !== undefined) {
      await trx.updateTable('issuer_credentials').set({ state }).where('seq', '=', stored.seq).execute()
    } else {
      await trx.updateTable('issuer_erased').set({ state }).where('id_hash', '=', hash!).execute()
    }
  })
}

export async function pendingCount(store: Store<IssuerTables>): Promise<number> {
  const row = await store.db
    .selectFrom('issuer_status_ops')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('done', '=', 0)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export interface FlushResult {
  /** Status changes now on-chain. */
  applied: number
  /** Transactions sent. */
  transactions: number
  gasUsed: bigint
  hashes: string[]
  /** True when another issuer instance holds the flush lease: nothing was sent. */
  busy: boolean
}

export interface FlushContext {
  store: Store<IssuerTables>
  chain: IssuerChain
  /** Identifies this instance in the flush lease; a restarted instance with the same id resumes at once. */
  instanceId: string
  leaseMs: number
  /** Test seam: called before each transaction is sent and after its receipt. */
  hooks?: { beforeSend?(): void | Promise<void>; afterReceipt?(): void | Promise<void> }
}

const LEASE = 'flush_lease'

/**
 * Takes or renews the flush lease. Only one instance flushes at a time: two flushers
 * reading different snapshots of the queue could send a suspend after the reinstate
 * that followed it. The token fences a holder whose lease ran out while it waited.
 */
async function takeLease(ctx: FlushContext, token: string): Promise<boolean> {
  return ctx.store.transaction(async (trx) => {
    const row = await trx
      .selectFrom('issuer_meta')
      .select('value')
      .where('name', '=', LEASE)
      .executeTakeFirst()
    const now = Date.now()
    if (row) {
      const held = JSON.parse(row.value) as { instance: string; token: string; until: number }
      if (held.token !== token && held.instance !== ctx.instanceId && held.until > now) return false
    }
    const value = JSON.stringify({ instance: ctx.instanceId, token, until: now + ctx.leaseMs })
    await trx
      .insertInto('issuer_meta')
      .values({ name: LEASE, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute()
    return true
  })
}

async function releaseLease(ctx: FlushContext, token: string): Promise<void> {
  await ctx.store.transaction(async (trx) => {
    const row = await trx
      .selectFrom('issuer_meta')
      .select('value')
      .where('name', '=', LEASE)
      .executeTakeFirst()
    if (row && (JSON.parse(row.value) as { token: string }).token === token) {
      await trx.deleteFrom('issuer_meta').where('name', '=', LEASE).execute()
    }
  })
}

function chunk(masks: WordMasks, size: number): WordMasks[] {
  const out: WordMasks[] = []
  for (let i = 0; i < masks.wordIndices.length; i += size) {
    out.push({ wordIndices: masks.wordIndices.slice(i, i + size), masks: masks.masks.slice(i, i + size) })
  }
  return out
}

/**
 * Sends every pending status change: per list, the last change of each index wins (a
 * reinstate after a suspend clears), grouped by word into masks, clears then sets, in as
 * few transactions as the block gas limit allows. Each list's changes are marked done
 * only after their receipts. Re-sending after a crash is harmless: OR-ing a set bit or
 * clearing a clear bit changes nothing.
 */
export async function flushQueue(ctx: FlushContext): Promise<FlushResult> {
  const result: FlushResult = { applied: 0, transactions: 0, gasUsed: 0n, hashes: [], busy: false }
  const token = randomUUID()
  if (!(await takeLease(ctx, token))) return { ...result, busy: true }
  try {
    const ops = await ctx.store.db
      .selectFrom('issuer_status_ops')
      .select(['seq', 'list_id', 'idx', 'op'])
      .where('done', '=', 0)
      .orderBy('seq')
      .execute()
    if (ops.length === 0) return result
    const byList = new Map<number, { last: Map<number, string>; seqs: number[] }>()
    for (const op of ops) {
      const listId = Number(op.list_id)
      let entry = byList.get(listId)
      if (!entry) {
        entry = { last: new Map(), seqs: [] }
        byList.set(listId, entry)
      }
      entry.last.set(Number(op.idx), op.op)
      entry.seqs.push(Number(op.seq))
    }
    const owner = await ctx.chain.owner()
    const perTx = await ctx.chain.maxWordsPerTx()
    for (const [listId, { last, seqs }] of [...byList].sort((a, b) => a[0] - b[0])) {
      const list = await ctx.store.db
        .selectFrom('issuer_lists')
        .select(['purpose', 'size'])
        .where('list_id', '=', listId)
        .executeTakeFirstOrThrow()
      await ctx.chain
        .ensureList(listId, list.purpose as StatusPurpose, Number(list.size))
        .catch((error: unknown) => {
          throw asChainError(error, `status list ${listId} cannot be checked on-chain`)
        })
      const set: number[] = []
      const clear: number[] = []
      for (const [idx, op] of last) (op === 'set' ? set : clear).push(idx)
      const batches = [
        ...chunk(groupIndicesIntoMasks(clear), perTx).map((m) => ['clearMasks', m] as const),
        ...chunk(groupIndicesIntoMasks(set), perTx).map((m) => ['setMasks', m] as const),
      ]
      let lastHash: string | null = null
      for (const [method, masks] of batches) {
        // A holder whose lease lapsed must not send after a newer flusher did.
        if (!(await takeLease(ctx, token))) {
          throw new CivitasError('STORE_CONFLICT', 'the flush lease passed to another issuer instance', {
            details: { retryable: true },
          })
        }
        await ctx.hooks?.beforeSend?.()
        const write = await ctx.chain
          .serialized(() => ctx.chain.clients.status[method](owner, listId, masks))
          .catch((error: unknown) => {
            throw asChainError(error, `sending status list ${listId} changes failed`)
          })
        await ctx.hooks?.afterReceipt?.()
        result.transactions++
        result.gasUsed += write.gasUsed
        result.hashes.push(write.hash)
        lastHash = write.hash
      }
      await ctx.store.transaction(async (trx) => {
        for (let i = 0; i < seqs.length; i += 500) {
          await trx
            .updateTable('issuer_status_ops')
            .set({ done: 1, tx_hash: lastHash })
            .where('seq', 'in', seqs.slice(i, i + 500))
            .execute()
        }
      })
      result.applied += seqs.length
    }
    return result
  } finally {
    await releaseLease(ctx, token).catch(() => undefined)
  }
}

import { type Store, sql, type Transaction } from '@civitas/store'
import type { Selectable } from 'kysely'
import { type Allocation, allocateIndices, type StatusPurpose } from './allocate.js'
import { createGroupCommit } from './group-commit.js'
import type { IssuerTables } from './schema.js'

/** A credential row to allocate for (one per `issue`). */
export interface AllocationRequest {
  kind: 'allocate'
  credentialId: string
  subject: string | null
  key: string | null
  format: string
  type: string
  issuedAt: string
  purposes: readonly StatusPurpose[]
}

/** A signed token to store under its row (idempotent issuances return it later). */
export interface TokenWrite {
  kind: 'token'
  credentialId: string
  token: string
}

export type CredentialRow = Selectable<IssuerTables['issuer_credentials']>

export type AllocationOutcome = { existing: CredentialRow } | { allocations: Allocation[] }

export interface IssuanceCommits {
  /**
   * The row's status indices, committed; or the row stored earlier under the same key. Not yet
   * known to be on disk: await `durable()` before the credential leaves the issuer.
   */
  allocate(request: Omit<AllocationRequest, 'kind'>): Promise<AllocationOutcome>
  /** Stores the signed token under its row; resolves once it is on disk. */
  storeToken(credentialId: string, token: string): Promise<void>
  /** Resolves once every commit so far is on disk. */
  durable(): Promise<void>
}

const KEYS_PER_QUERY = 200
const ROWS_PER_INSERT = 50

async function processGroup(
  trx: Transaction<IssuerTables>,
  items: readonly (AllocationRequest | TokenWrite)[],
  size: number,
): Promise<(AllocationOutcome | undefined)[]> {
  const results: (AllocationOutcome | undefined)[] = items.map(() => undefined)
  const requests = items.flatMap((item, i) => (item.kind === 'allocate' ? [{ item, i }] : []))
  // Keys issued before (an earlier run, another process): their stored rows, nothing allocated.
  const keys = requests.flatMap(({ item }) => (item.key !== null ? [item.key] : []))
  const existing = new Map<string, CredentialRow>()
  for (let k = 0; k < keys.length; k += KEYS_PER_QUERY) {
    const rows = await trx
      .selectFrom('issuer_credentials')
      .selectAll()
      .where('idempotency_key', 'in', keys.slice(k, k + KEYS_PER_QUERY))
      .execute()
    for (const row of rows) existing.set(row.idempotency_key!, row)
  }
  const fresh = requests.filter(({ item, i }) => {
    const row = item.key !== null ? existing.get(item.key) : undefined
    if (row) results[i] = { existing: row }
    return row === undefined
  })
  const allocationsOf = new Map<number, Allocation[]>(fresh.map(({ i }) => [i, []]))
  for (const purpose of ['revocation', 'suspension'] as const) {
    const needing = fresh.filter(({ item }) => item.purposes.includes(purpose))
    if (needing.length === 0) continue
    const drawn = await allocateIndices(trx, purpose, size, needing.length)
    for (const [k, { i }] of needing.entries()) allocationsOf.get(i)!.push(drawn[k]!)
  }
  const rows = fresh.map(({ item, i }) => {
    const allocations = allocationsOf.get(i)!
    results[i] = { allocations }
    const revocation = allocations.find((a) => a.purpose === 'revocation')
    const suspension = allocations.find((a) => a.purpose === 'suspension')
    return {
      id_hash: null,
      credential_id: item.credentialId,
      subject: item.subject,
      idempotency_key: item.key,
      token: null,
      format: item.format,
      type: item.type,
      issued_at: item.issuedAt,
      revocation_list: revocation?.listId ?? null,
      revocation_idx: revocation?.index ?? null,
      suspension_list: suspension?.listId ?? null,
      suspension_idx: suspension?.index ?? null,
      state: 'active',
    }
  })
  for (let k = 0; k < rows.length; k += ROWS_PER_INSERT) {
    await trx
      .insertInto('issuer_credentials')
      .values(rows.slice(k, k + ROWS_PER_INSERT))
      .execute()
  }
  // Tokens of the group in one statement per chunk: UPDATE ... SET token = CASE credential_id WHEN ... END.
  const tokens = items.filter((item): item is TokenWrite => item.kind === 'token')
  for (let k = 0; k < tokens.length; k += ROWS_PER_INSERT) {
    const part = tokens.slice(k, k + ROWS_PER_INSERT)
    const cases = sql.join(
      part.map((t) => sql`WHEN ${t.credentialId} THEN ${t.token}`),
      sql` `,
    )
    await trx
      .updateTable('issuer_credentials')
      .set({ token: sql<string>`CASE credential_id ${cases} END` })
      .where(
        'credential_id',
        'in',
        part.map((t) => t.credentialId),
      )
      .execute()
  }
  return results
}

/**
 * The issuer's writes on the issuance path through one group commit: allocations of
 * concurrent `issue()` calls (and the tokens of keyed ones) share a transaction and its
 * multi-row statements; each caller resumes once its part is committed.
 */
export function createIssuanceCommits(
  store: Store<IssuerTables>,
  options: { attempts: number; size: number; maxGroup?: number },
): IssuanceCommits {
  const group = createGroupCommit<
    IssuerTables,
    AllocationRequest | TokenWrite,
    AllocationOutcome | undefined
  >(store, (trx, items) => processGroup(trx, items, options.size), options)
  return {
    allocate: async (request) => (await group.run({ kind: 'allocate', ...request }))!,
    storeToken: async (credentialId, token) => {
      await group.run({ kind: 'token', credentialId, token })
      await store.durable()
    },
    durable: () => store.durable(),
  }
}

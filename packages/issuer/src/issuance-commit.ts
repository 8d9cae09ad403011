import { type Store, type StoreDialect, sql, type Transaction } from '@civitas/store'
import { CompiledQuery, type Selectable } from 'kysely'
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

/** The credential columns a new row sets (the others start null; `seq` is assigned). */
const CREDENTIAL_COLUMNS = [
  'credential_id',
  'subject',
  'idempotency_key',
  'format',
  'type',
  'issued_at',
  'revocation_list',
  'revocation_idx',
  'suspension_list',
  'suspension_idx',
  'state',
] as const satisfies readonly (keyof IssuerTables['issuer_credentials'])[]

const insertSql = new Map<string, string>()

/**
 * `INSERT INTO issuer_credentials (...) VALUES (...), ...` for `rows` rows, in the dialect's
 * placeholder style. Why not the query builder: for a group of ~50 issuances it builds and
 * compiles a node per value, on the event loop, in every group commit, which cost more than
 * SQLite's own work for the insert. The text depends only on the row count: made once each.
 */
function credentialInsertSql(dialect: StoreDialect, rows: number): string {
  const key = `${dialect}:${rows}`
  let text = insertSql.get(key)
  if (text === undefined) {
    const width = CREDENTIAL_COLUMNS.length
    const tuple = (row: number) =>
      `(${CREDENTIAL_COLUMNS.map((_, c) => (dialect === 'postgres' ? `$${row * width + c + 1}` : '?')).join(', ')})`
    text = `insert into "issuer_credentials" (${CREDENTIAL_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${Array.from({ length: rows }, (_, r) => tuple(r)).join(', ')}`
    insertSql.set(key, text)
  }
  return text
}

async function processGroup(
  trx: Transaction<IssuerTables>,
  dialect: StoreDialect,
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
    const row: Record<(typeof CREDENTIAL_COLUMNS)[number], string | number | null> = {
      credential_id: item.credentialId,
      subject: item.subject,
      idempotency_key: item.key,
      format: item.format,
      type: item.type,
      issued_at: item.issuedAt,
      revocation_list: revocation?.listId ?? null,
      revocation_idx: revocation?.index ?? null,
      suspension_list: suspension?.listId ?? null,
      suspension_idx: suspension?.index ?? null,
      state: 'active',
    }
    // In the statement's column order, whatever the order above.
    return CREDENTIAL_COLUMNS.map((column) => row[column])
  })
  for (let k = 0; k < rows.length; k += ROWS_PER_INSERT) {
    const part = rows.slice(k, k + ROWS_PER_INSERT)
    await trx.executeQuery(CompiledQuery.raw(credentialInsertSql(dialect, part.length), part.flat()))
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
  >(store, (trx, items) => processGroup(trx, store.dialect, items, options.size), options)
  return {
    allocate: async (request) => (await group.run({ kind: 'allocate', ...request }))!,
    storeToken: async (credentialId, token) => {
      await group.run({ kind: 'token', credentialId, token })
      await store.durable()
    },
    durable: () => store.durable(),
  }
}

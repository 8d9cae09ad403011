import { type IssuerTables, issuerMigrations } from '@civitas/issuer'
import { createStatusRegistryClient } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { openStore, type Store } from '@civitas/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { markTaken } from './issuer-support/allocations.js'
import {
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9 issuance speed: concurrent issue() calls of one process share store transactions
// (group commit) and multi-row allocation statements; still one distinct random index per
// credential, committed before its token is returned, and a group that outgrows a list
// spills into the next one (created on-chain first). SQLite and PostgreSQL.

let chain: LocalChain
let databases: Databases
let identity: IssuerIdentity
let nextAccount = 1
beforeAll(async () => {
  ;[chain, databases, identity] = await Promise.all([
    startLocalChain({ accounts: 6 }),
    startDatabases(),
    issuerIdentity(),
  ])
})
afterAll(async () => {
  await Promise.all([chain?.stop(), databases?.stop()])
})

/** An open store whose transactions are counted. */
async function countingStore(url: string): Promise<{ store: Store<IssuerTables>; count: () => number }> {
  const opened = await openStore<IssuerTables>(url, { migrations: issuerMigrations })
  let transactions = 0
  const transaction = opened.transaction.bind(opened)
  const store = Object.assign(Object.create(opened) as Store<IssuerTables>, {
    transaction: ((fn, options) => {
      transactions++
      return transaction(fn, options)
    }) as Store<IssuerTables>['transaction'],
  })
  return { store, count: () => transactions }
}

describe.each([
  ['sqlite', async () => databases.sqlite()],
  ['postgres', async () => await databases.postgres()],
] as const)('group commit on %s', (_dialect, newStore) => {
  it('64 concurrent issuances commit in far fewer transactions, each with its own index, each committed before its token is returned', async () => {
    const { store, count } = await countingStore(await newStore())
    const issuer = await openIssuer(chain, identity, store as never, nextAccount++)
    await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 0 } })
    const before = count()
    const issued = await Promise.all(
      Array.from({ length: 64 }, async (_, n) => {
        const result = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n } })
        const row = await store.db
          .selectFrom('issuer_credentials')
          .select(['revocation_idx', 'suspension_idx'])
          .where('credential_id', '=', result.id)
          .executeTakeFirst()
        expect(row).toEqual({
          revocation_idx: result.status[0]!.index,
          suspension_idx: result.status[1]!.index,
        })
        return result
      }),
    )
    expect(count() - before).toBeLessThanOrEqual(8)
    const slots = issued.flatMap((r) => r.status.map((s) => `${s.listId}:${s.index}`))
    expect(new Set(slots).size).toBe(128)
    await issuer.close()
    await store.close()
  })

  it('a group larger than what is left of a list takes the last free indices and spills into the next list, created on-chain', async () => {
    const account = nextAccount++
    const issuer = await openIssuer(chain, identity, await newStore(), account, {
      statusLists: { baseUrl: 'https://uni.example/status', purposes: ['revocation'] },
    })
    const first = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 0 } })
    const taken = first.status[0]!.index
    // Leave three free indices in list 1, as 131,068 earlier issuances would have.
    const free = [1, 2, 3].map((k) => (taken + k * 30_000) % 131_072)
    const filler: number[] = []
    for (let idx = 0; idx < 131_072; idx++) if (idx !== taken && !free.includes(idx)) filler.push(idx)
    await markTaken(issuer.store.db, 1, filler)
    await issuer.store.db
      .updateTable('issuer_lists')
      .set({ allocated: 131_069 })
      .where('list_id', '=', 1)
      .execute()

    const issued = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n } }),
      ),
    )
    const statuses = issued.map((r) => r.status[0]!)
    expect(
      statuses
        .filter((s) => s.listId === 1)
        .map((s) => s.index)
        .sort(),
    ).toEqual([...free].sort())
    const second = statuses.filter((s) => s.listId === 2)
    expect(second).toHaveLength(7)
    expect(new Set(second.map((s) => s.index)).size).toBe(7)
    const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    expect(await registry.getList(chain.wallets[account]!.address, 2)).toEqual({
      purpose: 'revocation',
      length: 131_072,
    })
    await issuer.close()
  })
})

import { createHmac, randomBytes } from 'node:crypto'
import { isCivitasError } from '@civitas/core'
import { issuerMigrations } from '@civitas/issuer'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { type AnyDatabase, type Kysely, openStore } from '@civitas/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allocatedSlots } from './issuer-support/allocations.js'
import {
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9, storage: "Migrations are versioned and run on open". Schema v2 keeps allocations as
// bitmaps and appends credential rows; a v1 database (a row per allocated index, credentials
// keyed by the HMAC of their id) must open with nothing lost: every index it handed out stays
// taken, every credential (erased ones too) can still be revoked by its id.

let chain: LocalChain
let databases: Databases
let identity: IssuerIdentity
beforeAll(async () => {
  ;[chain, databases, identity] = await Promise.all([
    startLocalChain({ accounts: 3 }),
    startDatabases(),
    issuerIdentity(),
  ])
}, 120_000)
afterAll(async () => {
  await Promise.all([chain?.stop(), databases?.stop()])
})

const SIZE = 131_072
const LIVE = 'urn:uuid:6f1f0c3e-0000-4000-8000-000000000001'
const ERASED = 'urn:uuid:6f1f0c3e-0000-4000-8000-000000000002'

/** A v1 database: list 1 full but for one index, a live and an erased credential, a secret. */
async function writeV1(target: string, free: number): Promise<void> {
  const v1 = { namespace: issuerMigrations.namespace, steps: issuerMigrations.steps.slice(0, 1) }
  const store = await openStore(target, { migrations: v1 })
  const db = store.db as unknown as Kysely<AnyDatabase>
  const secret = randomBytes(32)
  const hash = (id: string) => createHmac('sha256', secret).update(id).digest('base64url')
  await db
    .insertInto('issuer_meta')
    .values({ name: 'id_hmac_secret', value: secret.toString('base64url') })
    .execute()
  await db
    .insertInto('issuer_lists')
    .values([
      { list_id: 1, purpose: 'revocation', size: SIZE, allocated: SIZE - 1, full: 0, on_chain: 0 },
      { list_id: 2, purpose: 'suspension', size: SIZE, allocated: 2, full: 0, on_chain: 0 },
    ])
    .execute()
  const rows: { list_id: number; idx: number; id_hash: string }[] = []
  for (let idx = 0; idx < SIZE; idx++)
    if (idx !== free) rows.push({ list_id: 1, idx, id_hash: `filler-${idx}` })
  rows.push({ list_id: 2, idx: 7, id_hash: hash(LIVE) }, { list_id: 2, idx: 131_071, id_hash: hash(ERASED) })
  for (let i = 0; i < rows.length; i += 5_000) {
    await db
      .insertInto('issuer_allocations')
      .values(rows.slice(i, i + 5_000))
      .execute()
  }
  const credential = {
    format: 'vc+jwt',
    type: 'VerifiableDiploma',
    token: null,
    revocation_list: 1,
    suspension_list: 2,
    state: 'active',
  }
  await db
    .insertInto('issuer_credentials')
    .values([
      {
        ...credential,
        id_hash: hash(LIVE),
        credential_id: LIVE,
        subject: 'did:example:ana',
        idempotency_key: 'row-1',
        issued_at: '2026-01-01T00:00:00.000Z',
        revocation_idx: 3,
        suspension_idx: 7,
      },
      {
        ...credential,
        id_hash: hash(ERASED),
        credential_id: null,
        subject: null,
        idempotency_key: null,
        issued_at: '',
        revocation_idx: 4,
        suspension_idx: 131_071,
      },
    ])
    .execute()
  await store.close()
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (error === undefined) return undefined
  expect(isCivitasError(error), String(error)).toBe(true)
  return (error as { code: string }).code
}

describe.each([
  ['SQLite', () => Promise.resolve(databases.sqlite())],
  ['PostgreSQL', () => databases.postgres()],
] as const)('a v1 issuer database on %s', (_, newTarget) => {
  it('opens as v2 with every allocated index still taken: the next issuance draws the one free index', async () => {
    const target = await newTarget()
    const free = 77_777
    await writeV1(target, free)
    const issuer = await openIssuer(chain, identity, target, 1, {
      statusLists: { baseUrl: 'https://uni.example/status', purposes: ['revocation'] },
    })
    try {
      expect(await issuer.store.version('issuer')).toBe(2)
      const slots = await allocatedSlots(issuer.store.db)
      expect(slots).toHaveLength(SIZE - 1 + 2)
      expect(slots).not.toContain(`1:${free}`)
      expect(slots).toContain('2:131071')
      const next = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } })
      expect(next.status[0]).toMatchObject({ listId: 1, index: free })
      // The list is now full: the one after draws from list 3 (list 2 is the suspension list).
      const after = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 2 } })
      expect(after.status[0]!.listId).toBe(3)
    } finally {
      await issuer.close()
    }
  })

  it('keeps the credentials: revoke by id works for the stored one and the erased one; an unknown id is CREDENTIAL_NOT_FOUND', async () => {
    const target = await newTarget()
    await writeV1(target, 0)
    const issuer = await openIssuer(chain, identity, target, 2)
    try {
      await issuer.suspend(LIVE)
      await issuer.revoke(ERASED)
      expect(await codeOf(issuer.revoke(ERASED))).toBe('ALREADY_REVOKED')
      expect(await codeOf(issuer.revoke('urn:uuid:6f1f0c3e-0000-4000-8000-00000000dead'))).toBe(
        'CREDENTIAL_NOT_FOUND',
      )
      const ops = await issuer.store.db
        .selectFrom('issuer_status_ops')
        .select(['list_id', 'idx', 'op'])
        .execute()
      expect(ops.map((o) => [Number(o.list_id), Number(o.idx), o.op])).toEqual([
        [2, 7, 'set'],
        [1, 4, 'set'],
      ])
      const exported = await issuer.exportSubject('did:example:ana')
      expect(exported.credentials).toEqual([
        expect.objectContaining({ id: LIVE, idempotencyKey: 'row-1', state: 'suspended' }),
      ])
      // Erasing the migrated holder keeps revoke(id) working (the row keeps its id hash).
      expect(await issuer.eraseSubject('did:example:ana')).toEqual({ erased: 1 })
      await issuer.reinstate(LIVE)
      await issuer.revoke(LIVE)
      expect(await codeOf(issuer.revoke(LIVE))).toBe('ALREADY_REVOKED')
    } finally {
      await issuer.close()
    }
  })
})

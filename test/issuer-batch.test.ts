import { createResolver, isCivitasError, verifyJwtVc } from '@civitas/core'
import type { IssueBatchProgress, IssueBatchRow, Issuer } from '@civitas/issuer'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { spawnChildScript } from '@civitas/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allocatedSlots } from './issuer-support/allocations.js'
import type { ChildConfig } from './issuer-support/child-config.js'
import {
  BASE_URL,
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9 issueBatch: thousands of rows with bounded concurrency and a progress callback,
// resumable: a row already issued under its caller-given key is returned, not issued again,
// also after the issuing process was killed with SIGKILL mid-batch (SQLite and PostgreSQL).

const resolver = createResolver({ web: false, cache: false })
const child = new URL('./issuer-support/child.ts', import.meta.url)
const PROCESS_TEST_TIMEOUT = 180_000

let chain: LocalChain
let databases: Databases
let identity: IssuerIdentity
let nextAccount = 1
beforeAll(async () => {
  ;[chain, databases, identity] = await Promise.all([
    startLocalChain({ accounts: 8 }),
    startDatabases(),
    issuerIdentity(),
  ])
})
afterAll(async () => {
  await Promise.all([chain?.stop(), databases?.stop()])
})

const row = (i: number, extra: Partial<IssueBatchRow> = {}): IssueBatchRow => ({
  key: `student-${i}`,
  format: 'vc+jwt',
  type: 'VerifiableDiploma',
  subject: `did:example:student-${i}`,
  claims: { n: i },
  ...extra,
})

async function credentialCount(issuer: Issuer): Promise<number> {
  const r = await issuer.store.db
    .selectFrom('issuer_credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

describe('issueBatch in one process (SQLite)', () => {
  let issuer: Issuer
  beforeAll(async () => {
    issuer = await openIssuer(chain, identity, databases.sqlite(), nextAccount++)
  })
  afterAll(async () => {
    await issuer?.close()
  })

  it('issues every row with at most `concurrency` rows signing and as many storing, reports progress per row, and keeps row order in the result', async () => {
    let inFlight = 0
    let most = 0
    const rows = (async function* () {
      for (let i = 0; i < 40; i++) {
        inFlight++
        most = Math.max(most, inFlight)
        yield row(i)
      }
    })()
    const progress: IssueBatchProgress[] = []
    const result = await issuer.issueBatch(rows, {
      concurrency: 5,
      onProgress: (p) => {
        inFlight--
        progress.push(p)
      },
    })
    expect(result).toMatchObject({ issued: 40, resumed: 0, failed: 0, aborted: false })
    expect(result.rows.map((r) => r.key)).toEqual(Array.from({ length: 40 }, (_, i) => `student-${i}`))
    expect(most).toBeLessThanOrEqual(10)
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    const first = result.rows[0]!
    expect(first.ok && (await verifyJwtVc(first.token, { resolver })).errors).toEqual([])
  })

  it('run again, the same keys return the stored credentials (same id and token), nothing new is allocated', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(100 + i))
    const first = await issuer.issueBatch(rows)
    const count = await credentialCount(issuer)
    const again = await issuer.issueBatch(rows, { concurrency: 3 })
    expect(again).toMatchObject({ issued: 0, resumed: 10, failed: 0 })
    expect(again.rows).toEqual(first.rows.map((r) => ({ ...r, resumed: true })))
    expect(await credentialCount(issuer)).toBe(count)
  })

  it('a bad row fails alone with its code (CLAIM_INVALID, a missing key, a key twice in the batch); the others are issued', async () => {
    const result = await issuer.issueBatch([
      row(200),
      row(201, { template: 'diploma', type: undefined, claims: { givenNames: 'x' } }),
      { ...row(202), key: '' },
      row(200),
      row(203),
    ])
    expect(result.rows.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'CLAIM_INVALID',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'ok',
    ])
    expect(result).toMatchObject({ issued: 2, failed: 3 })
    for (const r of result.rows) if (!r.ok) expect(isCivitasError(r.error)).toBe(true)
  })

  it('concurrent issue() calls with one idempotency key give one credential, not two signatures of one allocation', async () => {
    const input = { ...row(300), idempotencyKey: 'same-key' }
    const results = await Promise.all([0, 1, 2, 3].map(() => issuer.issue(input)))
    expect(new Set(results.map((r) => r.token)).size).toBe(1)
    expect(results.filter((r) => !r.resumed)).toHaveLength(1)
  })

  it('an aborted signal stops taking rows; the rows taken are reported, and a re-run finishes the rest', async () => {
    const controller = new AbortController()
    const rows = Array.from({ length: 30 }, (_, i) => row(400 + i))
    const partial = await issuer.issueBatch(rows, {
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 5) controller.abort()
      },
    })
    expect(partial.aborted).toBe(true)
    expect(partial.rows.length).toBeLessThan(30)
    const rest = await issuer.issueBatch(rows)
    expect(rest.resumed).toBe(partial.rows.length)
    expect(rest.issued).toBe(30 - partial.rows.length)
  })

  it('bad arguments are INVALID_ARGUMENT: rows that are not iterable, a concurrency out of range', async () => {
    for (const [rows, options] of [
      [42, {}],
      [null, {}],
      [[], { concurrency: 0 }],
      [[], { concurrency: 1.5 }],
      [[], { onProgress: 'x' }],
    ] as const) {
      const error = await issuer.issueBatch(rows as never, options as never).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect((error as { code?: string }).code).toBe('INVALID_ARGUMENT')
    }
  })
})

describe.each([
  ['sqlite', async () => databases.sqlite()],
  ['postgres', async () => await databases.postgres()],
] as const)('%s: a batch killed with SIGKILL mid-run', (_dialect, newStore) => {
  it(
    're-run with the same rows, it returns the credentials stored before the kill (including one allocated but never signed) and issues each other row once',
    async () => {
      const store = await newStore()
      const account = nextAccount++
      const ROWS = 24
      const config = (extra: Partial<ChildConfig>): string =>
        JSON.stringify({
          mode: 'batch',
          store,
          manifest: chain.manifest,
          did: identity.did,
          kid: identity.kid,
          issuerJwk: identity.privateJwk,
          txKey: chain.wallets[account]!.privateKey,
          baseUrl: BASE_URL,
          count: ROWS,
          concurrency: 4,
          ...extra,
        } satisfies ChildConfig)
      const acks = (lines: readonly string[]) =>
        new Map(
          lines
            .filter((l) => l.startsWith('ack '))
            .map((l) => {
              const [, key, id, resumed] = l.split(' ')
              return [key!, { id: id!, resumed: resumed === 'true' }]
            }),
        )

      const killed = await spawnChildScript(child, [config({ killAtSign: 9 })]).exited
      expect(killed.signal, killed.stderr).toBe('SIGKILL')
      const before = acks(killed.lines)
      expect(before.size).toBeLessThan(9)

      const issuer = await openIssuer(chain, identity, store, account)
      const stored = await issuer.store.db
        .selectFrom('issuer_credentials')
        .select(['idempotency_key', 'credential_id', 'token'])
        .execute()
      // The row killed inside its signature: allocation committed, no token.
      expect(stored.some((r) => r.token === null)).toBe(true)
      for (const [key, ack] of before) {
        expect(stored.find((r) => r.idempotency_key === key)?.credential_id).toBe(ack.id)
      }

      const rerun = await spawnChildScript(child, [config({})]).exited
      expect(rerun.code, rerun.stderr).toBe(0)
      const after = acks(rerun.lines)
      expect(after.size).toBe(ROWS)
      for (const r of stored) {
        expect(after.get(r.idempotency_key!)).toEqual({ id: r.credential_id, resumed: true })
      }
      expect([...after.values()].filter((a) => !a.resumed)).toHaveLength(ROWS - stored.length)

      const final = await issuer.store.db
        .selectFrom('issuer_credentials')
        .select(['idempotency_key', 'credential_id', 'token'])
        .execute()
      const allocations = await allocatedSlots(issuer.store.db)
      await issuer.close()
      expect(final).toHaveLength(ROWS)
      expect(allocations).toHaveLength(2 * ROWS)
      expect(new Set(final.map((r) => r.idempotency_key)).size).toBe(ROWS)
      for (const r of final) {
        expect(r.token).not.toBeNull()
        const verified = await verifyJwtVc(r.token!, { resolver })
        expect(verified.errors).toEqual([])
        expect((verified.credential as { id?: string }).id).toBe(r.credential_id)
      }
    },
    PROCESS_TEST_TIMEOUT,
  )
})

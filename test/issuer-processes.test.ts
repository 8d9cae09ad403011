import type { Issuer } from '@civitas/issuer'
import { createStatusRegistryClient } from '@civitas/registry-contracts'
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

// Issue #9, "the hard part", with real OS processes: several issuer processes sharing one
// store never hand out the same status index (SQLite WAL file, PostgreSQL database), and an
// issuer killed with SIGKILL in the middle of a flush loses nothing after a restart.

const child = new URL('./issuer-support/child.ts', import.meta.url)
const PROCESSES = 4
const PER_PROCESS = 15
// Starting a TypeScript child costs about a second of CPU; on a loaded machine, more.
const PROCESS_TEST_TIMEOUT = 180_000

let chain: LocalChain
let databases: Databases
let identity: IssuerIdentity
// Each case writes lists of its own chain account: list ids start at 1 in every new store.
let nextAccount = 1
beforeAll(async () => {
  ;[chain, databases, identity] = await Promise.all([
    startLocalChain({ accounts: 12 }),
    startDatabases(),
    issuerIdentity(),
  ])
})
afterAll(async () => {
  await Promise.all([chain?.stop(), databases?.stop()])
})

function config(store: string, account: number, extra: Partial<ChildConfig>): string {
  const c: ChildConfig = {
    mode: 'issue',
    store,
    manifest: chain.manifest,
    did: identity.did,
    kid: identity.kid,
    issuerJwk: identity.privateJwk,
    txKey: chain.wallets[account]!.privateKey,
    baseUrl: BASE_URL,
    ...extra,
  }
  return JSON.stringify(c)
}

const dialects = [
  ['sqlite', async () => databases.sqlite()],
  ['postgres', async () => await databases.postgres()],
] as const

describe.each(dialects)('%s shared by several issuer processes', (_dialect, newStore) => {
  it(
    'never hands out one status index twice, and every acknowledged allocation is in the store',
    async () => {
      const store = await newStore()
      const account = nextAccount++
      const children = Array.from({ length: PROCESSES }, () =>
        spawnChildScript(child, [config(store, account, { mode: 'issue', count: PER_PROCESS })]),
      )
      const exits = await Promise.all(children.map((c) => c.exited))
      for (const exit of exits) expect(exit.code, exit.stderr).toBe(0)
      const acked = exits.flatMap((exit) => exit.lines.filter((l) => l.startsWith('ack ')))
      expect(acked).toHaveLength(PROCESSES * PER_PROCESS)
      const slots = acked.flatMap((line) => line.split(' ').slice(2))
      expect(slots).toHaveLength(2 * PROCESSES * PER_PROCESS)
      expect(new Set(slots).size).toBe(slots.length)

      const issuer = await openIssuer(chain, identity, store, account)
      const rows = await allocatedSlots(issuer.store.db)
      const lists = await issuer.store.db.selectFrom('issuer_lists').selectAll().execute()
      await issuer.close()
      const stored = new Set(rows)
      for (const slot of slots) expect(stored.has(slot.slice(slot.indexOf(':') + 1))).toBe(true)
      expect(rows).toHaveLength(slots.length)
      // One list per purpose, created on-chain once although four processes raced for it.
      expect(lists.map((l) => [l.purpose, Number(l.on_chain)]).sort()).toEqual([
        ['revocation', 1],
        ['suspension', 1],
      ])
    },
    PROCESS_TEST_TIMEOUT,
  )
})

describe.each(dialects)('%s: an issuer killed with SIGKILL during flush', (_dialect, newStore) => {
  it.each(['before-send', 'after-send', 'after-receipt'] as const)(
    'killed %s: after a restart the chain holds every intended status, in order, and nothing stays queued',
    async (crashAt) => {
      const store = await newStore()
      const account = nextAccount++
      const owner = chain.wallets[account]!.address
      const issuer: Issuer = await openIssuer(chain, identity, store, account, { instanceId: 'front' })
      const [a, b, c, d] = await Promise.all(
        [0, 1, 2, 3].map(() =>
          issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } }),
        ),
      )
      await issuer.revoke(a!.id)
      await issuer.suspend(b!.id)
      await issuer.suspend(c!.id)
      await issuer.reinstate(c!.id)
      await issuer.revoke(d!.id)

      const crashed = spawnChildScript(child, [
        config(store, account, { mode: 'flush', crashAt, instanceId: 'worker' }),
      ])
      const exit = await crashed.exited
      expect(exit.signal, exit.stderr).toBe('SIGKILL')
      expect(exit.lines.some((l) => l.startsWith('flushed'))).toBe(false)
      const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
      const bit = (s: { listId: number; index: number }) => registry.isSet(owner, s.listId, s.index)
      // The kill point: before the first transaction nothing is on-chain; after it, the
      // revocations (the first list's batch) are, yet still queued.
      expect(await bit(a!.status[0]!)).toBe(crashAt !== 'before-send')
      expect(await issuer.pending()).toBe(5)

      // The crashed worker's lease keeps other instances from flushing out of order...
      expect((await issuer.flush()).busy).toBe(true)
      // ...while new changes keep being queued: b is reinstated after the crash.
      await issuer.reinstate(b!.id)

      // The worker restarts (same instance id) and resumes.
      const restarted = await openIssuer(chain, identity, store, account, { instanceId: 'worker' })
      const result = await restarted.flush()
      expect(result.busy).toBe(false)
      expect(await restarted.pending()).toBe(0)
      await restarted.close()
      await issuer.close()

      const [rev, sus] = [0, 1]
      expect(await bit(a!.status[rev]!)).toBe(true)
      expect(await bit(b!.status[rev]!)).toBe(false)
      expect(await bit(b!.status[sus]!)).toBe(false)
      expect(await bit(c!.status[sus]!)).toBe(false)
      expect(await bit(d!.status[rev]!)).toBe(true)
      expect(await bit(a!.status[sus]!)).toBe(false)
    },
    PROCESS_TEST_TIMEOUT,
  )
})

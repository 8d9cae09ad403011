import { createHash } from 'node:crypto'
import { type CivitasErrorCode, isCivitasError } from '@civitas/core'
import { createIssuer, type Issuer } from '@civitas/issuer'
import { createStatusRegistryClient } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { openStore } from '@civitas/store'
import { keccak256, toUtf8Bytes, Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allocatedSlots, markTaken } from './issuer-support/allocations.js'
import {
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  issuerOptions,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9: status allocation and the revocation queue on a real chain and SQLite: a full
// list opens the next one on-chain; a chain that is down keeps revocations queued
// (CHAIN_UNAVAILABLE); no holder data reaches the chain; each bad input has its own code.

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

async function rejectsWith(promise: Promise<unknown>, code: CivitasErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isCivitasError(error), String(error)).toBe(true)
  expect((error as { code: string }).code).toBe(code)
}

describe('status lists', () => {
  it('a full list opens the next one, created on-chain; the last free index of the full list is still drawn', async () => {
    const account = nextAccount++
    const owner = chain.wallets[account]!.address
    const issuer = await openIssuer(chain, identity, databases.sqlite(), account, {
      statusLists: { baseUrl: 'https://uni.example/status', purposes: ['revocation'] },
    })
    const first = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 0 } })
    const taken = first.status[0]!.index
    // Fill list 1 except one index, as 131,070 earlier issuances would have.
    const free = (taken + 65_536) % 131_072
    const filler: number[] = []
    for (let idx = 0; idx < 131_072; idx++) if (idx !== taken && idx !== free) filler.push(idx)
    await markTaken(issuer.store.db, 1, filler)
    await issuer.store.db
      .updateTable('issuer_lists')
      .set({ allocated: 131_071 })
      .where('list_id', '=', 1)
      .execute()

    const last = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } })
    expect(last.status[0]).toMatchObject({ listId: 1, index: free })
    const full = await issuer.store.db
      .selectFrom('issuer_lists')
      .select('full')
      .where('list_id', '=', 1)
      .executeTakeFirst()
    expect(Number(full?.full)).toBe(1)
    const next = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 2 } })
    expect(next.status[0]!.listId).toBe(2)
    const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    expect(await registry.getList(owner, 2)).toEqual({ purpose: 'revocation', length: 131_072 })
    await issuer.close()
  })

  it('many revocations are flushed together: one transaction per list while the words fit in a block', async () => {
    const account = nextAccount++
    const issuer = await openIssuer(chain, identity, databases.sqlite(), account)
    const issued = []
    for (let i = 0; i < 120; i++) {
      issued.push(await issuer.issue({ format: 'jwt_vc_json', type: 'VerifiableDiploma', claims: { n: i } }))
    }
    for (const c of issued.slice(0, 100)) await issuer.revoke(c.id)
    for (const c of issued.slice(100)) await issuer.suspend(c.id)
    expect(await issuer.pending()).toBe(120)
    const result = await issuer.flush()
    expect(result).toMatchObject({ applied: 120, transactions: 2, busy: false })
    expect(await issuer.pending()).toBe(0)
    // Nothing left: a second flush sends nothing.
    expect((await issuer.flush()).transactions).toBe(0)
    await issuer.close()
  })
})

describe('idempotent issuance', () => {
  it('issuing again with the same idempotencyKey returns the first credential and allocates nothing new', async () => {
    const issuer = await openIssuer(chain, identity, databases.sqlite(), nextAccount++)
    const input = {
      format: 'vc+jwt',
      type: 'VerifiableDiploma',
      claims: { n: 1 },
      idempotencyKey: 'row-17',
    } as const
    const first = await issuer.issue(input)
    const again = await issuer.issue(input)
    expect(again.id).toBe(first.id)
    expect(again.token).toBe(first.token)
    expect(again.status).toEqual(first.status)
    const rows = await allocatedSlots(issuer.store.db)
    expect(rows).toHaveLength(2)
    await issuer.close()
  })
})

describe('chain unavailable', () => {
  it('revocations stay queued, flush reports CHAIN_UNAVAILABLE, and a later flush applies them', async () => {
    const account = nextAccount++
    const store = databases.sqlite()
    const up = await openIssuer(chain, identity, store, account, { instanceId: 'up' })
    const { id, status } = await up.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } })
    // The same issuer, its RPC endpoint unreachable.
    const down = await createIssuer(
      issuerOptions(chain, identity, store, account, {
        instanceId: 'down',
        chain: {
          manifest: chain.manifest,
          rpcUrl: 'http://127.0.0.1:9',
          txSigner: new Wallet(chain.wallets[account]!.privateKey),
        },
      }),
    )
    await down.revoke(id)
    await rejectsWith(down.flush(), 'CHAIN_UNAVAILABLE')
    expect(await down.pending()).toBe(1)
    await down.close()

    expect((await up.flush()).applied).toBe(1)
    const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    expect(await registry.isSet(chain.wallets[account]!.address, status[0]!.listId, status[0]!.index)).toBe(
      true,
    )
    await up.close()
  })
})

describe('GDPR by construction', () => {
  it('no holder data on-chain: no transaction input or log the issuer caused holds a name, DID, claim value or credential id, or their SHA-256 / keccak-256', async () => {
    const account = nextAccount++
    const owner = chain.wallets[account]!.address.toLowerCase()
    const issuer = await openIssuer(chain, identity, databases.sqlite(), account)
    const start = await chain.provider.getBlockNumber()
    const secrets: string[] = []
    const people = [
      ['did:example:ana-garcia', 'Ana', 'García', '1999-04-12'],
      ['did:example:jan-novak', 'Jan', 'Novák', '2001-11-30'],
      ['did:example:eva-lind', 'Eva', 'Lind', '1987-02-01'],
    ] as const
    for (const [did, given, family, birth] of people) {
      for (const format of ['jwt_vc_json', 'vc+jwt', 'dc+sd-jwt'] as const) {
        const { id } = await issuer.issue({
          format,
          type: 'VerifiableDiploma',
          subject: did,
          claims: { givenName: given, familyName: family, dateOfBirth: birth },
        })
        await issuer.revoke(id)
        secrets.push(id)
      }
      secrets.push(did, given, family, birth)
    }
    const suspended = await issuer.issue({
      format: 'vc+jwt',
      type: 'VerifiableDiploma',
      subject: people[0][0],
      claims: { x: 1 },
    })
    await issuer.suspend(suspended.id)
    await issuer.flush()
    await issuer.reinstate(suspended.id)
    await issuer.flush()
    await issuer.close()

    const needles = secrets.flatMap((s) => {
      const bytes = toUtf8Bytes(s)
      return [
        Buffer.from(bytes).toString('hex'),
        createHash('sha256').update(bytes).digest('hex'),
        keccak256(bytes).slice(2),
      ]
    })
    const end = await chain.provider.getBlockNumber()
    let scanned = 0
    for (let n = start + 1; n <= end; n++) {
      const block = await chain.provider.getBlock(n, true)
      for (const tx of block!.prefetchedTransactions) {
        if (tx.from.toLowerCase() !== owner) continue
        const receipt = await chain.provider.getTransactionReceipt(tx.hash)
        const haystack = [
          tx.data,
          ...receipt!.logs.flatMap((log: { data: string; topics: readonly string[] }) => [
            log.data,
            ...log.topics,
          ]),
        ]
          .join('')
          .toLowerCase()
        for (const needle of needles) expect(haystack.includes(needle.toLowerCase())).toBe(false)
        scanned++
      }
    }
    // createList x2 and the status batches: the scan saw the issuer's traffic.
    expect(scanned).toBeGreaterThanOrEqual(4)
  })
})

describe('bad input: each failure has its own code', () => {
  let issuer: Issuer
  beforeAll(async () => {
    issuer = await openIssuer(chain, identity, databases.sqlite(), nextAccount++)
  })
  afterAll(async () => {
    await issuer?.close()
  })

  it('an unknown format is FORMAT_UNSUPPORTED', async () => {
    await rejectsWith(
      issuer.issue({ format: 'ldp_vc' as never, type: 'VerifiableDiploma', claims: {} }),
      'FORMAT_UNSUPPORTED',
    )
  })
  it('an unknown template is TEMPLATE_NOT_FOUND, also for inherited names', async () => {
    await rejectsWith(issuer.issue({ format: 'vc+jwt', template: 'nope', claims: {} }), 'TEMPLATE_NOT_FOUND')
    await rejectsWith(
      issuer.issue({ format: 'vc+jwt', template: 'constructor', claims: {} }),
      'TEMPLATE_NOT_FOUND',
    )
  })
  it('revoking an unknown id is CREDENTIAL_NOT_FOUND; revoking twice is ALREADY_REVOKED', async () => {
    await rejectsWith(issuer.revoke('urn:uuid:00000000-0000-4000-8000-000000000000'), 'CREDENTIAL_NOT_FOUND')
    const { id } = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } })
    await issuer.revoke(id)
    await rejectsWith(issuer.revoke(id), 'ALREADY_REVOKED')
    await rejectsWith(issuer.suspend(id), 'ALREADY_REVOKED')
  })
  it('suspending twice is ALREADY_SUSPENDED, reinstating an active credential NOT_SUSPENDED, suspending an SD-JWT VC (no suspension list) STATUS_PURPOSE_MISMATCH', async () => {
    const { id } = await issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } })
    await rejectsWith(issuer.reinstate(id), 'NOT_SUSPENDED')
    await issuer.suspend(id)
    await rejectsWith(issuer.suspend(id), 'ALREADY_SUSPENDED')
    const sd = await issuer.issue({ format: 'dc+sd-jwt', type: 'urn:example:pid', claims: { a: 1 } })
    await rejectsWith(issuer.suspend(sd.id), 'STATUS_PURPOSE_MISMATCH')
  })
  it('a list shorter than 131,072 entries is STATUS_LIST_TOO_SHORT', async () => {
    await rejectsWith(
      createIssuer(
        issuerOptions(chain, identity, databases.sqlite(), 1, {
          statusLists: { baseUrl: 'https://uni.example/status', size: 65_536 },
        }),
      ),
      'STATUS_LIST_TOO_SHORT',
    )
  })
  it('a store written by a newer issuer is STORE_VERSION_UNSUPPORTED', async () => {
    const url = databases.sqlite()
    const store = await openStore(url, {
      migrations: {
        namespace: 'issuer',
        steps: [1, 2, 3].map((version) => ({ version, name: `future ${version}`, up: async () => {} })),
      },
    })
    await store.close()
    await rejectsWith(createIssuer(issuerOptions(chain, identity, url, 1)), 'STORE_VERSION_UNSUPPORTED')
  })
  it('validUntil before validFrom is TIME_ORDER_INVALID, and no index is left allocated to nothing visible', async () => {
    await rejectsWith(
      issuer.issue({
        format: 'vc+jwt',
        type: 'VerifiableDiploma',
        claims: { n: 1 },
        validFrom: '2030-01-01T00:00:00Z',
        validUntil: '2029-01-01T00:00:00Z',
      }),
      'TIME_ORDER_INVALID',
    )
  })
})

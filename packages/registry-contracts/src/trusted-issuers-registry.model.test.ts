import { isCivitasError } from '@civitas/core'
import type { Wallet } from 'ethers'
import { id as keccakUtf8 } from 'ethers'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalChain } from './local-chain.js'
import { increaseTime, latestTimestamp, revert, snapshot, startTestChain } from './test-utils/chain.js'
import {
  createTrustedIssuersRegistryClient,
  credentialTypeHash,
  type TrustedIssuersRegistryClient,
} from './trusted-issuers-registry.js'

// Random accreditation histories (appointments, accreditations, revocations, time passing)
// against a model of the rules: each hop only narrows types and window, accreditors must be
// live, depth is bounded; then `isAccreditedAt` at random past and present times must agree
// with the model walking the same chain.

const ENTITIES = 5
const TYPES = ['VerifiableDiploma', 'VerifiableId', 'VerifiableMortgage'] as const
const STEP = 10_000 // time advances in whole steps; window edges sit mid-step, far from "now"
const MAX_DEPTH = 4

type Role = 'TAO' | 'TrustedIssuer'
type Op =
  | { kind: 'appoint'; subject: number; types: number[]; from: number; until: number }
  | {
      kind: 'accredit'
      /** Picks the accreditor's record among the existing ones, or else a missing one. */
      pick: number
      existing: boolean
      subject: number
      role: Role
      types: number[]
      from: number
      until: number
    }
  | { kind: 'revoke'; pick: number; by: 'accreditor' | 'gov' | number }
  | { kind: 'advance' }

const entity = fc.integer({ min: 0, max: ENTITIES - 1 })
const types = fc.uniqueArray(fc.integer({ min: 0, max: TYPES.length - 1 }), { minLength: 1, maxLength: 3 })
// Window edges in steps relative to the start (mid-step), `until` as an offset after `from`.
const from = fc.integer({ min: -1, max: 3 })
const until = fc.integer({ min: 1, max: 6 })
const appoint: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant<'appoint'>('appoint'),
  subject: entity,
  types,
  from,
  until,
})
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: appoint },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant<'accredit'>('accredit'),
      pick: fc.nat(),
      existing: fc.integer({ min: 0, max: 9 }).map((n) => n < 8),
      subject: entity,
      role: fc.constantFrom<Role>('TAO', 'TAO', 'TrustedIssuer'),
      types,
      from,
      until,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant<'revoke'>('revoke'),
      pick: fc.nat(),
      by: fc.oneof(fc.constant<'accreditor'>('accreditor'), fc.constant<'gov'>('gov'), entity),
    }),
  },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'advance' }) },
)

interface Rec {
  accreditor: number | 'gov'
  parentIndex: number
  role: 'RootTAO' | Role
  depth: number
  from: number
  until: number
  revokedAt: number
  types: number[]
}

describe('TrustedIssuersRegistry against a model (fast-check)', () => {
  let chain: LocalChain
  let gov: TrustedIssuersRegistryClient
  let wallets: Wallet[]
  let clients: TrustedIssuersRegistryClient[]

  beforeAll(async () => {
    chain = await startTestChain()
    const create = (w: Wallet) =>
      createTrustedIssuersRegistryClient(chain.contracts.TrustedIssuersRegistry, w)
    gov = create(chain.wallets[0]!)
    wallets = chain.wallets.slice(1, 1 + ENTITIES)
    clients = wallets.map(create)
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('random accreditation histories agree with the model, now and at past times', {
    timeout: 300_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(appoint, fc.array(op, { minLength: 1, maxLength: 16 })),
        async ([first, rest]) => {
          const ops = [first, ...rest]
          const snap = await snapshot(chain)
          const t0 = await latestTimestamp(chain)
          const edge = (steps: number) => t0 + steps * STEP + STEP / 2
          let step = 0
          const records: Rec[][] = Array.from({ length: ENTITIES }, () => [])
          const activeAt = (r: Rec, at: number) =>
            at >= r.from && at < r.until && (r.revokedAt === 0 || at < r.revokedAt)
          const hashes = (ts: number[]) => ts.map((t) => TYPES[t]!)
          // The accreditor's record and every hop above it, at the current step. A revocation
          // happened at or before the chain's clock, so a revoked hop is never live now.
          const liveNow = (subject: number, index: number): boolean => {
            const now = t0 + step * STEP // within a few seconds of the chain's clock
            for (;;) {
              const r = records[subject]![index]!
              if (r.revokedAt !== 0 || now < r.from || now >= r.until) return false
              if (r.role === 'RootTAO') return true
              subject = r.accreditor as number
              index = r.parentIndex
            }
          }
          try {
            for (const o of ops) {
              if (o.kind === 'advance') {
                await increaseTime(chain, STEP)
                step++
                continue
              }
              let expected: string | undefined
              if (o.kind === 'appoint') {
                const rec: Rec = {
                  accreditor: 'gov',
                  parentIndex: 0,
                  role: 'RootTAO',
                  depth: 0,
                  from: edge(o.from),
                  until: edge(o.from + o.until),
                  revokedAt: 0,
                  types: o.types,
                }
                const result = await runOp(
                  () =>
                    gov.appointRootTao(wallets[o.subject]!.address, {
                      types: hashes(o.types),
                      validFrom: rec.from,
                      validUntil: rec.until,
                      documentHash: keccakUtf8('doc'),
                      documentUri: 'https://gov.example/doc',
                    }),
                  undefined,
                )
                if (result) records[o.subject]!.push(rec)
              } else if (o.kind === 'accredit') {
                // Mostly build on a record that exists (any role), sometimes on one that does not.
                const all = records.flatMap((list, subject) => list.map((_, index) => ({ subject, index })))
                const chosen =
                  o.existing && all.length > 0
                    ? all[o.pick % all.length]!
                    : { subject: o.pick % ENTITIES, index: records[o.pick % ENTITIES]!.length }
                const by = chosen.subject
                const parent = records[by]![chosen.index]
                const rec: Rec = {
                  accreditor: by,
                  parentIndex: chosen.index,
                  role: o.role,
                  depth: (parent?.depth ?? 0) + 1,
                  from: edge(o.from),
                  until: edge(o.from + o.until),
                  revokedAt: 0,
                  types: o.types,
                }
                if (!parent) expected = 'AccreditationNotFound'
                else if (parent.role === 'TrustedIssuer') expected = 'NotAccreditor'
                else if (!liveNow(by, chosen.index)) expected = 'AccreditorInactive'
                else if (parent.depth >= MAX_DEPTH) expected = 'ChainTooDeep'
                else if (rec.from < parent.from || rec.until > parent.until) expected = 'WindowExceedsParent'
                else if (o.types.some((t) => !parent.types.includes(t))) expected = 'TypeNotHeld'
                const result = await runOp(
                  () =>
                    clients[by]!.accredit(wallets[o.subject]!.address, o.role, chosen.index, {
                      types: hashes(o.types),
                      validFrom: rec.from,
                      validUntil: rec.until,
                      documentHash: keccakUtf8('doc'),
                      documentUri: 'https://tao.example/doc',
                    }),
                  expected,
                )
                if (result) records[o.subject]!.push(rec)
              } else {
                const all = records.flatMap((list, subject) => list.map((_, index) => ({ subject, index })))
                const chosen = all.length > 0 ? all[o.pick % all.length]! : { subject: 0, index: 0 }
                const rec = records[chosen.subject]![chosen.index]
                const by = o.by === 'accreditor' ? (rec?.accreditor ?? 'gov') : o.by
                const revoker = by === 'gov' ? gov : clients[by]!
                if (!rec) expected = 'AccreditationNotFound'
                else if (by !== 'gov' && by !== rec.accreditor) expected = 'NotRevoker'
                else if (rec.revokedAt !== 0) expected = 'AlreadyRevoked'
                const result = await runOp(
                  () => revoker.revoke(wallets[chosen.subject]!.address, chosen.index),
                  expected,
                )
                if (result) {
                  rec!.revokedAt = Number(result.events[0]!.args.revokedAt)
                  expect(rec!.revokedAt).toBe((await chain.provider.getBlock(result.blockNumber))!.timestamp)
                }
              }
            }
            // Every record, every type, at every mid-step time and around every revocation.
            const times = new Set<number>()
            for (let s = -2; s <= step + 6; s++) times.add(t0 + s * STEP)
            for (const list of records)
              for (const r of list) if (r.revokedAt) times.add(r.revokedAt).add(r.revokedAt - 1)
            // The newest accredited record per (subject, type, time): what findAccreditation returns.
            const newest = new Map<string, number>()
            for (let s = 0; s < ENTITIES; s++) {
              for (let i = 0; i < records[s]!.length; i++) {
                const chainRecord = await gov.getAccreditation(wallets[s]!.address, i)
                expect(chainRecord.revokedAt).toBe(BigInt(records[s]![i]!.revokedAt))
                expect(chainRecord.depth).toBe(records[s]![i]!.depth)
                for (const [t, type] of TYPES.entries()) {
                  for (const at of times) {
                    let accredited = true
                    let subject = s
                    let index = i
                    let root = s
                    for (;;) {
                      const r = records[subject]![index]!
                      if (!activeAt(r, at) || !r.types.includes(t)) accredited = false
                      if (r.role === 'RootTAO') {
                        root = subject
                        break
                      }
                      subject = r.accreditor as number
                      index = r.parentIndex
                    }
                    const onChain = await gov.isAccreditedAt(
                      wallets[s]!.address,
                      i,
                      credentialTypeHash(type),
                      at,
                    )
                    expect(onChain).toEqual({ accredited, rootTao: wallets[root]!.address })
                    if (accredited) newest.set(`${s}:${t}:${at}`, i)
                  }
                }
              }
            }
            for (let s = 0; s < ENTITIES; s++) {
              for (const [t, type] of TYPES.entries()) {
                for (const at of times) {
                  const found = await gov.findAccreditation(wallets[s]!.address, type, { at })
                  expect(found?.index).toBe(newest.get(`${s}:${t}:${at}`))
                }
              }
            }
          } finally {
            await revert(chain, snap)
          }
        },
      ),
      { numRuns: 10 },
    )
  })
})

/** Runs a write and checks it failed with `expected` (a Solidity error name) or succeeded when undefined. */
async function runOp<T>(call: () => Promise<T>, expected: string | undefined): Promise<T | undefined> {
  try {
    const result = await call()
    expect(expected, 'the write went through').toBeUndefined()
    return result
  } catch (error) {
    if (!isCivitasError(error)) throw error
    expect(error.details?.error).toBe(expected)
    return undefined
  }
}

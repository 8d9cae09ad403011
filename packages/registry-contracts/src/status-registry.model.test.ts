import { type CivitasError, isCivitasError } from '@civitas/core'
import type { Wallet } from 'ethers'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalChain } from './local-chain.js'
import { createStatusRegistryClient, type StatusRegistryClient } from './status-registry.js'
import { increaseTime, revert, snapshot, startTestChain } from './test-utils/chain.js'

// Random operation sequences against a real StatusRegistry, compared after every step with
// a plain in-memory model: outcome (applied / which custom error), every changed word's
// event, and the whole list read back from chain.

const LENGTH = 131_072
const LISTS = { revocation: 1, suspension: 2 } as const
type ListName = keyof typeof LISTS
type Actor = 'issuer' | 'delegate' | 'stranger'

type Op =
  | { kind: 'set'; actor: Actor; list: ListName; index: number }
  | { kind: 'clear'; actor: Actor; list: ListName; index: number }
  | { kind: 'update'; actor: Actor; list: ListName; set: number[]; clear: number[] }
  | { kind: 'delegate'; on: boolean }
  | { kind: 'expire' }

// Few words so that operations collide; a few indices past the end.
const index = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(fc.constantFrom(0, 1, 2, 511), fc.integer({ min: 0, max: 255 }))
      .map(([w, b]) => w * 256 + b),
  },
  { weight: 1, arbitrary: fc.integer({ min: LENGTH, max: LENGTH + 300 }) },
)
const actor = fc.constantFrom<Actor>('issuer', 'issuer', 'delegate', 'stranger')
const list = fc.constantFrom<ListName>('revocation', 'suspension')
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('set' as const, 'clear' as const),
    actor,
    list,
    index,
  }) as fc.Arbitrary<Op>,
  fc.record({
    kind: fc.constant<'update'>('update'),
    actor,
    list,
    set: fc.array(index, { maxLength: 12 }),
    clear: fc.array(index, { maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant<'delegate'>('delegate'), on: fc.boolean() }),
  fc.constant<Op>({ kind: 'expire' }),
)

interface Model {
  bits: Record<ListName, Set<number>>
  delegateActive: boolean
}

/** The client refuses an update that sets and clears the same index before sending anything. */
const BOTH_SET_AND_CLEARED = 'client: index both set and cleared'

/** What the contract must answer, in its own order of checks (an update sends clears, then sets). */
function expectedError(model: Model, o: Exclude<Op, { kind: 'delegate' | 'expire' }>): string | undefined {
  // An empty batch sends no transaction at all.
  if (o.kind === 'update' && o.set.length === 0 && o.clear.length === 0) return undefined
  if (o.kind === 'update' && o.set.some((i) => o.clear.includes(i))) return BOTH_SET_AND_CLEARED
  if (o.actor === 'stranger' || (o.actor === 'delegate' && !model.delegateActive))
    return 'NotIssuerOrDelegate'
  if (o.kind === 'set' || o.kind === 'clear') {
    if (o.kind === 'clear' && o.list === 'revocation') return 'WrongPurpose'
    return o.index >= LENGTH ? 'IndexOutOfRange' : undefined
  }
  if (o.clear.length > 0 && o.list === 'revocation') return 'WrongPurpose'
  if (o.clear.some((i) => i >= LENGTH)) return 'WordOutOfRange'
  if (o.set.some((i) => i >= LENGTH)) return 'WordOutOfRange'
  return undefined
}

function wordOf(bits: Set<number>, word: number): bigint {
  let value = 0n
  for (const i of bits) if (i >> 8 === word) value |= 1n << BigInt(255 - (i & 255))
  return value
}

describe('StatusRegistry against a model (fast-check)', () => {
  let chain: LocalChain
  let issuer: Wallet
  let clients: Record<Actor, StatusRegistryClient>

  beforeAll(async () => {
    chain = await startTestChain()
    const [, a, b, c] = chain.wallets as [Wallet, Wallet, Wallet, Wallet]
    issuer = a
    clients = {
      issuer: createStatusRegistryClient(chain.contracts.StatusRegistry, a),
      delegate: createStatusRegistryClient(chain.contracts.StatusRegistry, b),
      stranger: createStatusRegistryClient(chain.contracts.StatusRegistry, c),
    }
    await clients.issuer.createList(LISTS.revocation, 'revocation')
    await clients.issuer.createList(LISTS.suspension, 'suspension')
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('random operation sequences leave chain state, events and errors as the model says', {
    timeout: 300_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const snap = await snapshot(chain)
        const model: Model = { bits: { revocation: new Set(), suspension: new Set() }, delegateActive: false }
        const delegate = (await chain.wallets[2]!.getAddress()) as string
        try {
          for (const o of ops) {
            if (o.kind === 'expire') {
              await increaseTime(chain, 2_000_000)
              model.delegateActive = false
              continue
            }
            if (o.kind === 'delegate') {
              const now = (await chain.provider.getBlock('latest'))!.timestamp
              await clients.issuer.setDelegate(delegate, o.on ? now + 1_000_000 : 0)
              model.delegateActive = o.on
              continue
            }
            const client = clients[o.actor]
            const listId = LISTS[o.list]
            const expected = expectedError(model, o)
            const before = new Set(model.bits[o.list])
            let events: { name: string; args: Record<string, unknown> }[] = []
            try {
              if (o.kind === 'set') events = (await client.set(issuer.address, listId, o.index)).events
              else if (o.kind === 'clear')
                events = (await client.clear(issuer.address, listId, o.index)).events
              else {
                const results = await client.update(issuer.address, listId, { set: o.set, clear: o.clear })
                events = results.flatMap((r) => r.events)
              }
            } catch (error) {
              if (!isCivitasError(error)) throw error
              const details = (error as CivitasError).details
              if (expected === BOTH_SET_AND_CLEARED) {
                expect(error.code).toBe('INVALID_ARGUMENT')
                expect(details?.error).toBeUndefined()
                continue
              }
              expect(details?.error).toBe(expected)
              // A batch may fail after its clear transaction went through; replay that part in the model.
              if (o.kind === 'update' && String(details?.method).startsWith('setMasks')) {
                for (const i of o.clear) model.bits[o.list].delete(i)
              }
              continue
            }
            expect(expected).toBeUndefined()
            const bits = model.bits[o.list]
            if (o.kind === 'set') bits.add(o.index)
            else if (o.kind === 'clear') bits.delete(o.index)
            else {
              for (const i of o.clear) bits.delete(i)
              for (const i of o.set) bits.add(i)
            }
            // One event per changed word, carrying the word's new value.
            const changedWords = new Set<number>()
            for (const i of new Set([...before, ...bits])) {
              const w = i >> 8
              if (wordOf(before, w) !== wordOf(bits, w)) changedWords.add(w)
            }
            const lastByWord = new Map<number, bigint>()
            for (const e of events) lastByWord.set(Number(e.args.wordIndex), e.args.word as bigint)
            for (const w of changedWords) expect(lastByWord.get(w)).toBe(wordOf(bits, w))
            for (const [w, word] of lastByWord) expect(word).toBe(wordOf(bits, w))
          }
          for (const name of Object.keys(LISTS) as ListName[]) {
            const words = await clients.stranger.readAllWords(issuer.address, LISTS[name])
            const expectedWords = words.map((_, w) => wordOf(model.bits[name], w))
            expect(words).toEqual(expectedWords)
          }
        } finally {
          await revert(chain, snap)
        }
      }),
      { numRuns: 25 },
    )
  })
})

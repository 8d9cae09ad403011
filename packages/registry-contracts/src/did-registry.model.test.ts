import { isCivitasError } from '@civitas/core'
import { type Wallet, ZeroAddress } from 'ethers'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDidRegistryClient, type DidRegistryClient, type DidRegistryOperation } from './did-registry.js'
import type { LocalChain } from './local-chain.js'
import { increaseTime, latestTimestamp, revert, snapshot, startTestChain } from './test-utils/chain.js'

// Random sequences of owner-sent and relayed writes on one identity, compared with a model
// of ERC-1056 semantics plus final deactivation: outcome, owner, delegate validity, the
// `changed` head and the previousChange link of every event.

type Who = 'A' | 'B' | 'C'
type Target = Who | 'zero'
type DelegateType = 'veriKey' | 'sigAuth'
type Op =
  | { kind: 'changeOwner'; by: Who; to: Target; signed: boolean }
  | { kind: 'addDelegate'; by: Who; type: DelegateType; delegate: Target; long: boolean; signed: boolean }
  | { kind: 'revokeDelegate'; by: Who; type: DelegateType; delegate: Target; signed: boolean }
  | { kind: 'setAttribute'; by: Who; signed: boolean }
  | { kind: 'deactivate'; by: Who; signed: boolean }
  | { kind: 'expire' }

const who = fc.constantFrom<Who>('A', 'A', 'B', 'C')
const target = fc.constantFrom<Target>('A', 'B', 'C', 'zero')
const type = fc.constantFrom<DelegateType>('veriKey', 'sigAuth')
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant<'changeOwner'>('changeOwner'), by: who, to: target, signed: fc.boolean() }),
  fc.record({
    kind: fc.constant<'addDelegate'>('addDelegate'),
    by: who,
    type,
    delegate: target,
    long: fc.boolean(),
    signed: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant<'revokeDelegate'>('revokeDelegate'),
    by: who,
    type,
    delegate: target,
    signed: fc.boolean(),
  }),
  fc.record({ kind: fc.constant<'setAttribute'>('setAttribute'), by: who, signed: fc.boolean() }),
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant<'deactivate'>('deactivate'), by: who, signed: fc.boolean() }),
  },
  fc.constant<Op>({ kind: 'expire' }),
)

const SHORT = 600
const LONG = 10_000_000
const JUMP = 100_000

describe('DIDRegistry against a model (fast-check)', () => {
  let chain: LocalChain
  let wallets: Record<Who, Wallet>
  let clients: Record<Who, DidRegistryClient>
  let relayer: DidRegistryClient

  beforeAll(async () => {
    chain = await startTestChain()
    const [r, a, b, c] = chain.wallets as [Wallet, Wallet, Wallet, Wallet]
    wallets = { A: a, B: b, C: c }
    clients = {
      A: createDidRegistryClient(chain.contracts.DIDRegistry, a),
      B: createDidRegistryClient(chain.contracts.DIDRegistry, b),
      C: createDidRegistryClient(chain.contracts.DIDRegistry, c),
    }
    relayer = createDidRegistryClient(chain.contracts.DIDRegistry, r)
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('random write sequences agree with the model', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const snap = await snapshot(chain)
        const identity = wallets.A.address
        const addr = (t: Target) => (t === 'zero' ? ZeroAddress : wallets[t].address)
        const model = {
          owner: identity,
          deactivated: false,
          changed: 0n,
          // `${type}:${delegate}` -> expiry, in "jumps" (0 = expired / revoked, 1 = short, 2 = long)
          delegates: new Map<string, number>(),
        }
        try {
          for (const o of ops) {
            if (o.kind === 'expire') {
              await increaseTime(chain, JUMP)
              for (const [k, v] of model.delegates) if (v === 1) model.delegates.set(k, 0)
              continue
            }
            let expected: string | undefined
            if (model.deactivated) expected = 'IdentityDeactivated'
            else if (addr(o.by) !== model.owner) expected = o.signed ? 'InvalidSignature' : 'NotIdentityOwner'
            else if (o.kind === 'changeOwner' && o.to === 'zero') expected = 'ZeroAddress'
            else if ((o.kind === 'addDelegate' || o.kind === 'revokeDelegate') && o.delegate === 'zero')
              expected = 'ZeroAddress'

            let operation: DidRegistryOperation
            switch (o.kind) {
              case 'changeOwner':
                operation = { type: 'ChangeOwner', identity, newOwner: addr(o.to) }
                break
              case 'addDelegate':
                operation = {
                  type: 'AddDelegate',
                  identity,
                  delegateType: o.type,
                  delegate: addr(o.delegate),
                  validity: o.long ? LONG : SHORT,
                }
                break
              case 'revokeDelegate':
                operation = {
                  type: 'RevokeDelegate',
                  identity,
                  delegateType: o.type,
                  delegate: addr(o.delegate),
                }
                break
              case 'setAttribute':
                operation = {
                  type: 'SetAttribute',
                  identity,
                  name: 'did/svc/Model',
                  value: 'x',
                  validity: SHORT,
                }
                break
              case 'deactivate':
                operation = { type: 'Deactivate', identity }
                break
            }
            let result: Awaited<ReturnType<DidRegistryClient['submitSigned']>> | undefined
            try {
              if (o.signed) {
                const deadline = (await latestTimestamp(chain)) + 3600
                result = await relayer.submitSigned(
                  operation,
                  await relayer.sign(wallets[o.by], operation, { deadline }),
                )
              } else {
                result = await sendUnsigned(clients[o.by], operation)
              }
            } catch (error) {
              if (!isCivitasError(error)) throw error
              expect(error.details?.error).toBe(expected)
            }
            if (result) {
              expect(expected).toBeUndefined()
              expect(result.events).toHaveLength(1)
              expect(result.events[0]!.args.previousChange).toBe(model.changed)
              model.changed = BigInt(result.blockNumber)
              if (o.kind === 'changeOwner') model.owner = addr(o.to)
              if (o.kind === 'deactivate') model.deactivated = true
              if (o.kind === 'addDelegate') model.delegates.set(`${o.type}:${o.delegate}`, o.long ? 2 : 1)
              if (o.kind === 'revokeDelegate') model.delegates.set(`${o.type}:${o.delegate}`, 0)
            }
            expect(await relayer.identityOwner(identity)).toBe(model.deactivated ? ZeroAddress : model.owner)
            expect(await relayer.changed(identity)).toBe(model.changed)
            for (const t of ['veriKey', 'sigAuth'] as const) {
              for (const d of ['A', 'B', 'C'] as const) {
                const valid = !model.deactivated && (model.delegates.get(`${t}:${d}`) ?? 0) > 0
                expect(await relayer.validDelegate(identity, t, wallets[d].address)).toBe(valid)
              }
            }
          }
        } finally {
          await revert(chain, snap)
        }
      }),
      { numRuns: 20 },
    )
  })
})

function sendUnsigned(client: DidRegistryClient, op: DidRegistryOperation) {
  switch (op.type) {
    case 'ChangeOwner':
      return client.changeOwner(op.identity, op.newOwner)
    case 'AddDelegate':
      return client.addDelegate(op.identity, op.delegateType, op.delegate, op.validity)
    case 'RevokeDelegate':
      return client.revokeDelegate(op.identity, op.delegateType, op.delegate)
    case 'SetAttribute':
      return client.setAttribute(op.identity, op.name, op.value, op.validity)
    case 'RevokeAttribute':
      return client.revokeAttribute(op.identity, op.name, op.value)
    case 'Deactivate':
      return client.deactivate(op.identity)
  }
}

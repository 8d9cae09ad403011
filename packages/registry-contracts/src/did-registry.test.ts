import { isCivitasError } from '@civitas/core'
import {
  hexlify,
  Signature,
  TypedDataEncoder,
  toUtf8Bytes,
  verifyTypedData,
  type Wallet,
  ZeroAddress,
} from 'ethers'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createDidRegistryClient,
  type DidRegistryClient,
  type DidRegistryOperation,
  toBytes32,
} from './did-registry.js'
import type { LocalChain } from './local-chain.js'
import { startLocalChain } from './local-chain.js'
import {
  expectRevert,
  increaseTime,
  latestTimestamp,
  revert,
  setNextBlockTimestamp,
  snapshot,
  startTestChain,
} from './test-utils/chain.js'

const VERI_KEY = 'veriKey'
const SIG_AUTH = 'sigAuth'
const PUB_KEY = 'did/pub/Secp256k1/veriKey/hex'
const SERVICE = 'did/svc/LinkedDomains'
const DAY = 86_400

describe('DIDRegistry (ERC-1056 compatible)', () => {
  let chain: LocalChain
  let snap: string
  let owner: Wallet
  let other: Wallet
  let relayer: Wallet
  let delegate: Wallet
  let asOwner: DidRegistryClient
  let asOther: DidRegistryClient
  let asRelayer: DidRegistryClient

  beforeAll(async () => {
    chain = await startTestChain()
    ;[relayer, owner, other, delegate] = chain.wallets as [Wallet, Wallet, Wallet, Wallet]
    asOwner = createDidRegistryClient(chain.contracts.DIDRegistry, owner)
    asOther = createDidRegistryClient(chain.contracts.DIDRegistry, other)
    asRelayer = createDidRegistryClient(chain.contracts.DIDRegistry, relayer)
  })
  afterAll(async () => {
    await chain?.stop()
  })
  beforeEach(async () => {
    snap = await snapshot(chain)
  })
  afterEach(async () => {
    await revert(chain, snap)
  })

  describe('owner-sent writes', () => {
    it('an identity owns itself until changed; changed() starts at 0', async () => {
      expect(await asOwner.identityOwner(owner.address)).toBe(owner.address)
      expect(await asOwner.changed(owner.address)).toBe(0n)
      expect(await asOwner.isDeactivated(owner.address)).toBe(false)
    })

    it('keeps the ERC-1056 getters: owners and delegates', async () => {
      expect(await asOwner.owners(owner.address)).toBe(ZeroAddress)
      const added = await asOwner.addDelegate(owner.address, VERI_KEY, delegate.address, DAY)
      expect(await asOwner.delegateValidTo(owner.address, VERI_KEY, delegate.address)).toBe(
        added.events[0]!.args.validTo,
      )
      await asOwner.changeOwner(owner.address, other.address)
      expect(await asOwner.owners(owner.address)).toBe(other.address)
    })

    it('changeOwner moves control, emits DIDOwnerChanged and links previousChange', async () => {
      const first = await asOwner.setAttribute(owner.address, SERVICE, 'https://uni.example', DAY)
      const result = await asOwner.changeOwner(owner.address, other.address)
      expect(result.events).toEqual([
        {
          name: 'DIDOwnerChanged',
          args: { identity: owner.address, owner: other.address, previousChange: BigInt(first.blockNumber) },
        },
      ])
      expect(await asOwner.identityOwner(owner.address)).toBe(other.address)
      expect(await asOwner.changed(owner.address)).toBe(BigInt(result.blockNumber))
      // The old owner lost control, the new one has it.
      await expectRevert(
        asOwner.changeOwner(owner.address, owner.address),
        'UNAUTHORIZED',
        'NotIdentityOwner',
      )
      await asOther.changeOwner(owner.address, owner.address)
      expect(await asOwner.identityOwner(owner.address)).toBe(owner.address)
    })

    it('only the owner writes: every unsigned write from another account is NotIdentityOwner', async () => {
      const id = owner.address
      await expectRevert(asOther.changeOwner(id, other.address), 'UNAUTHORIZED', 'NotIdentityOwner')
      await expectRevert(
        asOther.addDelegate(id, VERI_KEY, other.address, DAY),
        'UNAUTHORIZED',
        'NotIdentityOwner',
      )
      await expectRevert(
        asOther.revokeDelegate(id, VERI_KEY, other.address),
        'UNAUTHORIZED',
        'NotIdentityOwner',
      )
      await expectRevert(asOther.setAttribute(id, SERVICE, 'x', DAY), 'UNAUTHORIZED', 'NotIdentityOwner')
      await expectRevert(asOther.revokeAttribute(id, SERVICE, 'x'), 'UNAUTHORIZED', 'NotIdentityOwner')
      await expectRevert(asOther.deactivate(id), 'UNAUTHORIZED', 'NotIdentityOwner')
      // A delegate is a key of the DID document, not a controller.
      await asOwner.addDelegate(id, VERI_KEY, other.address, DAY)
      await expectRevert(asOther.setAttribute(id, SERVICE, 'x', DAY), 'UNAUTHORIZED', 'NotIdentityOwner')
    })

    it('zero addresses are refused with ZeroAddress', async () => {
      await expectRevert(asOwner.changeOwner(owner.address, ZeroAddress), 'INVALID_ARGUMENT', 'ZeroAddress')
      await expectRevert(
        asOwner.addDelegate(owner.address, VERI_KEY, ZeroAddress, DAY),
        'INVALID_ARGUMENT',
        'ZeroAddress',
      )
      await expectRevert(
        asOwner.revokeDelegate(owner.address, VERI_KEY, ZeroAddress),
        'INVALID_ARGUMENT',
        'ZeroAddress',
      )
    })

    it('addDelegate / validDelegate / revokeDelegate, with expiry; events agree with state', async () => {
      const id = owner.address
      const added = await asOwner.addDelegate(id, SIG_AUTH, delegate.address, DAY)
      const now = await latestTimestamp(chain)
      expect(added.events).toEqual([
        {
          name: 'DIDDelegateChanged',
          args: {
            identity: id,
            delegateType: toBytes32(SIG_AUTH),
            delegate: delegate.address,
            validTo: BigInt(now + DAY),
            previousChange: 0n,
          },
        },
      ])
      expect(await asOwner.validDelegate(id, SIG_AUTH, delegate.address)).toBe(true)
      expect(await asOwner.validDelegate(id, VERI_KEY, delegate.address)).toBe(false)

      const revoked = await asOwner.revokeDelegate(id, SIG_AUTH, delegate.address)
      expect(revoked.events[0]!.args.previousChange).toBe(BigInt(added.blockNumber))
      expect(await asOwner.validDelegate(id, SIG_AUTH, delegate.address)).toBe(false)
      // Already in the past at the revocation block, for validDelegate and for resolvers
      // (ethr-did-resolver keeps a delegate while validTo >= the block's timestamp).
      const revokedAt = (await chain.provider.getBlock(revoked.blockNumber))!.timestamp
      expect(revoked.events[0]!.args.validTo).toBe(BigInt(revokedAt - 1))
      expect(await asOwner.delegateValidTo(id, SIG_AUTH, delegate.address)).toBe(BigInt(revokedAt - 1))

      const short = await asOwner.addDelegate(id, VERI_KEY, delegate.address, 60)
      const validTo = Number(short.events[0]!.args.validTo)
      expect(await asOwner.validDelegate(id, VERI_KEY, delegate.address)).toBe(true)
      // ERC-1056: valid while validTo > block.timestamp, so the validTo second itself is out.
      await setNextBlockTimestamp(chain, validTo - 1)
      await chain.provider.send('evm_mine', [])
      expect(await asOwner.validDelegate(id, VERI_KEY, delegate.address)).toBe(true)
      // Pin the second exactly: evm_increaseTime would add wall-clock drift between the two blocks.
      await setNextBlockTimestamp(chain, validTo)
      await chain.provider.send('evm_mine', [])
      expect(await latestTimestamp(chain)).toBe(validTo)
      expect(await asOwner.validDelegate(id, VERI_KEY, delegate.address)).toBe(false)
    })

    it('setAttribute / revokeAttribute emit DIDAttributeChanged with the value and validTo', async () => {
      const id = owner.address
      const key = '0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71'
      const set = await asOwner.setAttribute(id, PUB_KEY, key, DAY)
      const now = await latestTimestamp(chain)
      expect(set.events[0]).toEqual({
        name: 'DIDAttributeChanged',
        args: {
          identity: id,
          name: toBytes32(PUB_KEY),
          value: key,
          validTo: BigInt(now + DAY),
          previousChange: 0n,
        },
      })
      const gone = await asOwner.revokeAttribute(id, PUB_KEY, key)
      expect(gone.events[0]!.args).toMatchObject({
        value: key,
        validTo: 0n,
        previousChange: BigInt(set.blockNumber),
      })
      const service = await asOwner.setAttribute(id, SERVICE, 'https://uni.example', DAY)
      expect(service.events[0]!.args.value).toBe(hexlify(toUtf8Bytes('https://uni.example')))
      expect(await asOwner.changed(id)).toBe(BigInt(service.blockNumber))
    })

    it('refuses a validity that would overflow with ValidityTooLong', async () => {
      await expectRevert(
        asOwner.setAttribute(owner.address, SERVICE, 'x', 2n ** 64n),
        'INVALID_ARGUMENT',
        'ValidityTooLong',
      )
      await expectRevert(
        asOwner.addDelegate(owner.address, VERI_KEY, delegate.address, 2n ** 255n),
        'INVALID_ARGUMENT',
        'ValidityTooLong',
      )
    })

    it('names longer than 32 bytes are refused before sending', () => {
      expect(() => toBytes32('x'.repeat(33))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    })
  })

  describe('deactivate', () => {
    it('is final: DIDOwnerChanged(identity, 0x0), no owner, no valid delegate, no further write', async () => {
      const id = owner.address
      await asOwner.addDelegate(id, VERI_KEY, delegate.address, DAY)
      const result = await asOwner.deactivate(id)
      expect(result.events).toEqual([
        {
          name: 'DIDOwnerChanged',
          args: { identity: id, owner: ZeroAddress, previousChange: expect.any(BigInt) },
        },
      ])
      expect(await asOwner.identityOwner(id)).toBe(ZeroAddress)
      expect(await asOwner.isDeactivated(id)).toBe(true)
      expect(await asOwner.validDelegate(id, VERI_KEY, delegate.address)).toBe(false)
      expect(await asOwner.changed(id)).toBe(BigInt(result.blockNumber))

      await expectRevert(asOwner.changeOwner(id, owner.address), 'DID_DEACTIVATED', 'IdentityDeactivated')
      await expectRevert(
        asOwner.addDelegate(id, VERI_KEY, other.address, DAY),
        'DID_DEACTIVATED',
        'IdentityDeactivated',
      )
      await expectRevert(
        asOwner.revokeDelegate(id, VERI_KEY, other.address),
        'DID_DEACTIVATED',
        'IdentityDeactivated',
      )
      await expectRevert(
        asOwner.setAttribute(id, SERVICE, 'x', DAY),
        'DID_DEACTIVATED',
        'IdentityDeactivated',
      )
      await expectRevert(asOwner.revokeAttribute(id, SERVICE, 'x'), 'DID_DEACTIVATED', 'IdentityDeactivated')
      await expectRevert(asOwner.deactivate(id), 'DID_DEACTIVATED', 'IdentityDeactivated')
      // Nobody else can revive it either, and no signature is accepted.
      await expectRevert(asOther.changeOwner(id, other.address), 'DID_DEACTIVATED', 'IdentityDeactivated')
      const deadline = (await latestTimestamp(chain)) + 600
      const op: DidRegistryOperation = { type: 'ChangeOwner', identity: id, newOwner: owner.address }
      const sig = await asRelayer.sign(owner, op, { deadline })
      await expectRevert(asRelayer.submitSigned(op, sig), 'DID_DEACTIVATED', 'IdentityDeactivated')
    })

    it('also works after an owner change, by the new owner only', async () => {
      const id = owner.address
      await asOwner.changeOwner(id, other.address)
      await expectRevert(asOwner.deactivate(id), 'UNAUTHORIZED', 'NotIdentityOwner')
      await asOther.deactivate(id)
      expect(await asOther.identityOwner(id)).toBe(ZeroAddress)
    })
  })

  describe('EIP-712 signed (relayed) writes', () => {
    const deadlineIn = async (seconds: number) => (await latestTimestamp(chain)) + seconds

    it('each signed variant is applied when relayed by anyone, and consumes a nonce', async () => {
      const id = owner.address
      const deadline = await deadlineIn(600)
      const ops: DidRegistryOperation[] = [
        {
          type: 'AddDelegate',
          identity: id,
          delegateType: VERI_KEY,
          delegate: delegate.address,
          validity: DAY,
        },
        { type: 'SetAttribute', identity: id, name: SERVICE, value: 'https://uni.example', validity: DAY },
        { type: 'RevokeAttribute', identity: id, name: SERVICE, value: 'https://uni.example' },
        { type: 'RevokeDelegate', identity: id, delegateType: VERI_KEY, delegate: delegate.address },
      ]
      for (const [i, op] of ops.entries()) {
        expect(await asRelayer.nonce(id)).toBe(BigInt(i))
        const result = await asRelayer.submitSigned(op, await asRelayer.sign(owner, op, { deadline }))
        expect(result.events).toHaveLength(1)
        expect(result.events[0]!.name).toBe(
          op.type.endsWith('Delegate') ? 'DIDDelegateChanged' : 'DIDAttributeChanged',
        )
      }
      expect(await asRelayer.nonce(id)).toBe(4n)
      expect(await asRelayer.validDelegate(id, VERI_KEY, delegate.address)).toBe(false)

      const change: DidRegistryOperation = { type: 'ChangeOwner', identity: id, newOwner: other.address }
      await asRelayer.submitSigned(change, await asRelayer.sign(owner, change, { deadline }))
      expect(await asRelayer.identityOwner(id)).toBe(other.address)
      // Now only the new owner's signature counts.
      const back: DidRegistryOperation = { type: 'ChangeOwner', identity: id, newOwner: owner.address }
      await expectRevert(
        asRelayer.submitSigned(back, await asRelayer.sign(owner, back, { deadline })),
        'SIGNATURE_INVALID',
        'InvalidSignature',
      )
      const deactivate: DidRegistryOperation = { type: 'Deactivate', identity: id }
      await asRelayer.submitSigned(deactivate, await asRelayer.sign(other, deactivate, { deadline }))
      expect(await asRelayer.isDeactivated(id)).toBe(true)
    })

    it('binds signatures to the EIP-712 domain { CivitasDIDRegistry, 1, chainId, this registry }', async () => {
      const domain = {
        name: 'CivitasDIDRegistry',
        version: '1',
        chainId: chain.chainId,
        verifyingContract: chain.contracts.DIDRegistry,
      }
      expect(await asRelayer.domainSeparator()).toBe(TypedDataEncoder.hashDomain(domain))
      // The signature the client builds is plain EIP-712: ethers recovers the owner from it.
      const op: DidRegistryOperation = {
        type: 'ChangeOwner',
        identity: owner.address,
        newOwner: other.address,
      }
      const sig = await asRelayer.sign(owner, op, { deadline: 10n ** 10n })
      const types = {
        ChangeOwner: [
          { name: 'identity', type: 'address' },
          { name: 'newOwner', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      }
      const message = { identity: owner.address, newOwner: other.address, nonce: 0n, deadline: 10n ** 10n }
      expect(verifyTypedData(domain, types, message, Signature.from(sig))).toBe(owner.address)
    })

    it('rejects the same signature twice (replay)', async () => {
      const op: DidRegistryOperation = {
        type: 'SetAttribute',
        identity: owner.address,
        name: SERVICE,
        value: 'a',
        validity: DAY,
      }
      const sig = await asRelayer.sign(owner, op, { deadline: await deadlineIn(600) })
      await asRelayer.submitSigned(op, sig)
      await expectRevert(asRelayer.submitSigned(op, sig), 'SIGNATURE_INVALID', 'InvalidSignature')
    })

    it('rejects an expired deadline with SignatureExpired', async () => {
      const op: DidRegistryOperation = {
        type: 'ChangeOwner',
        identity: owner.address,
        newOwner: other.address,
      }
      const sig = await asRelayer.sign(owner, op, { deadline: await deadlineIn(30) })
      await increaseTime(chain, 31)
      await expectRevert(asRelayer.submitSigned(op, sig), 'SIGNATURE_EXPIRED', 'SignatureExpired')
      expect(await asRelayer.identityOwner(owner.address)).toBe(owner.address)
    })

    it('the deadline second itself still authorises, the next one does not', async () => {
      const op: DidRegistryOperation = {
        type: 'SetAttribute',
        identity: owner.address,
        name: SERVICE,
        value: 'edge',
        validity: DAY,
      }
      const deadline = await deadlineIn(100)
      await setNextBlockTimestamp(chain, deadline)
      await asRelayer.submitSigned(op, await asRelayer.sign(owner, op, { deadline }))
      const late = await asRelayer.sign(owner, op, { deadline })
      await setNextBlockTimestamp(chain, deadline + 1)
      await expectRevert(asRelayer.submitSigned(op, late), 'SIGNATURE_EXPIRED', 'SignatureExpired')
    })

    it('rejects a signature made for another chainId, here or on a twin deployment of that chain', async () => {
      const op: DidRegistryOperation = {
        type: 'ChangeOwner',
        identity: owner.address,
        newOwner: other.address,
      }
      const deadline = await deadlineIn(3600)
      const forOtherChain = await asRelayer.sign(owner, op, { deadline, chainId: 1338 })
      await expectRevert(asRelayer.submitSigned(op, forOtherChain), 'SIGNATURE_INVALID', 'InvalidSignature')

      // A second chain with the same deployer gets the registry at the same address:
      // a signature valid here must not be accepted there.
      const twin = await startLocalChain({ chainId: 1338, accounts: 2 })
      try {
        expect(twin.contracts.DIDRegistry).toBe(chain.contracts.DIDRegistry)
        const onThisChain = await asRelayer.sign(owner, op, { deadline })
        const twinRelayer = createDidRegistryClient(twin.contracts.DIDRegistry, twin.wallets[0]!)
        await expectRevert(twinRelayer.submitSigned(op, onThisChain), 'SIGNATURE_INVALID', 'InvalidSignature')
        await twinRelayer.submitSigned(op, forOtherChain)
        expect(await twinRelayer.identityOwner(owner.address)).toBe(other.address)
        // ...and the one for this chain still works here.
        await asRelayer.submitSigned(op, onThisChain)
        expect(await asRelayer.identityOwner(owner.address)).toBe(other.address)
      } finally {
        await twin.stop()
      }
    })

    it('rejects signatures by someone else, for another registry, or with tampered arguments', async () => {
      const op: DidRegistryOperation = {
        type: 'ChangeOwner',
        identity: owner.address,
        newOwner: other.address,
      }
      const deadline = await deadlineIn(600)
      await expectRevert(
        asRelayer.submitSigned(op, await asRelayer.sign(other, op, { deadline })),
        'SIGNATURE_INVALID',
        'InvalidSignature',
      )
      const otherRegistry = createDidRegistryClient(chain.contracts.StatusRegistry, relayer)
      await expectRevert(
        asRelayer.submitSigned(op, await otherRegistry.sign(owner, op, { deadline, nonce: 0n })),
        'SIGNATURE_INVALID',
        'InvalidSignature',
      )
      const sig = await asRelayer.sign(owner, op, { deadline })
      await expectRevert(
        asRelayer.submitSigned({ ...op, newOwner: relayer.address }, sig),
        'SIGNATURE_INVALID',
        'InvalidSignature',
      )
      await expectRevert(
        asRelayer.submitSigned(op, { ...sig, deadline: sig.deadline + 1n }),
        'SIGNATURE_INVALID',
        'InvalidSignature',
      )
    })

    it('a zero or malformed signature never authorises anything', async () => {
      const deadline = BigInt(await deadlineIn(600))
      const zero = '0x'.padEnd(66, '0')
      // With a deactivated-looking zero owner nowhere, ecrecover's 0 must still not match.
      const op: DidRegistryOperation = {
        type: 'ChangeOwner',
        identity: owner.address,
        newOwner: other.address,
      }
      const good = await asRelayer.sign(owner, op, { deadline })
      const bad = [
        { deadline, v: 27, r: zero, s: zero },
        { deadline, v: 28, r: zero, s: zero },
        { deadline, v: 0, r: good.r, s: good.s },
        { deadline, v: 29, r: good.r, s: good.s },
        // The high-s twin of a valid signature.
        {
          deadline,
          v: good.v === 27 ? 28 : 27,
          r: good.r,
          s: `0x${(0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n - BigInt(good.s)).toString(16).padStart(64, '0')}`,
        },
        { deadline, v: good.v, r: `0x${'ff'.repeat(32)}`, s: good.s },
      ]
      for (const sig of bad) {
        await expectRevert(asRelayer.submitSigned(op, sig), 'SIGNATURE_INVALID', 'InvalidSignature')
      }
      // An identity nobody controls (address 0) can not be written with a zero signature either.
      const ghost: DidRegistryOperation = {
        type: 'SetAttribute',
        identity: ZeroAddress,
        name: SERVICE,
        value: 'x',
        validity: 1,
      }
      await expectRevert(asRelayer.submitSigned(ghost, bad[0]!), 'SIGNATURE_INVALID', 'InvalidSignature')
      expect(await asRelayer.nonce(owner.address)).toBe(0n)
    })
  })

  it('maps malformed arguments to INVALID_ARGUMENT before anything is sent', async () => {
    await expect(asOwner.changeOwner(owner.address, '0xnot-an-address')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(asOwner.addDelegate(owner.address, VERI_KEY, delegate.address, -1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    // Rejected promises, never synchronous throws out of a promise-returning method.
    await expect(asOwner.addDelegate(owner.address, VERI_KEY, delegate.address, 0.5)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(asOwner.setAttribute(owner.address, 'x'.repeat(33), 'v', DAY)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    const deactivation: DidRegistryOperation = { type: 'Deactivate', identity: owner.address }
    await expect(asRelayer.sign(owner, deactivation, { deadline: 1.5 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  it('maps an unreachable node to CHAIN_UNAVAILABLE', async () => {
    const { createRegistryProvider } = await import('./contract.js')
    const dead = createDidRegistryClient(
      chain.contracts.DIDRegistry,
      createRegistryProvider('http://127.0.0.1:9', 31337),
    )
    const error = await dead.identityOwner(owner.address).catch((e: unknown) => e)
    expect(isCivitasError(error, 'CHAIN_UNAVAILABLE')).toBe(true)
  })
})

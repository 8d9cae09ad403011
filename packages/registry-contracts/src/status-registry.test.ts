import { BITSTRING_STATUS_LIST_MIN_ENTRIES } from '@civitas/core'
import { Contract, type Wallet, ZeroAddress } from 'ethers'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { decodeRegistryRevert } from './errors.js'
import { statusRegistryAbi } from './generated/statusRegistry.js'
import type { LocalChain } from './local-chain.js'
import {
  createStatusRegistryClient,
  groupIndicesIntoMasks,
  MIN_STATUS_LIST_LENGTH,
  type StatusRegistryClient,
  wordsToBitstring,
  wordsToTokenStatusList,
} from './status-registry.js'
import {
  expectRevert,
  increaseTime,
  latestTimestamp,
  revert,
  setNextBlockTimestamp,
  snapshot,
  startTestChain,
} from './test-utils/chain.js'

const REVOCATION = 1n
const SUSPENSION = 2n
const WORDS = MIN_STATUS_LIST_LENGTH / 256

describe('StatusRegistry', () => {
  let chain: LocalChain
  let snap: string
  let issuer: Wallet
  let operator: Wallet
  let stranger: Wallet
  let asIssuer: StatusRegistryClient
  let asOperator: StatusRegistryClient
  let asStranger: StatusRegistryClient

  beforeAll(async () => {
    chain = await startTestChain()
    ;[, issuer, operator, stranger] = chain.wallets as [Wallet, Wallet, Wallet, Wallet]
    asIssuer = createStatusRegistryClient(chain.contracts.StatusRegistry, issuer)
    asOperator = createStatusRegistryClient(chain.contracts.StatusRegistry, operator)
    asStranger = createStatusRegistryClient(chain.contracts.StatusRegistry, stranger)
  })
  afterAll(async () => {
    await chain?.stop()
  })
  beforeEach(async () => {
    snap = await snapshot(chain)
    await asIssuer.createList(REVOCATION, 'revocation')
    await asIssuer.createList(SUSPENSION, 'suspension', MIN_STATUS_LIST_LENGTH * 2)
  })
  afterEach(async () => {
    await revert(chain, snap)
  })

  it('one 131,072 minimum: the contract, this client and core (W3C Bitstring Status List) agree', async () => {
    const contract = new Contract(chain.contracts.StatusRegistry, statusRegistryAbi, chain.provider)
    expect(await contract.getFunction('MIN_LIST_LENGTH')()).toBe(BigInt(MIN_STATUS_LIST_LENGTH))
    expect(MIN_STATUS_LIST_LENGTH).toBe(BITSTRING_STATUS_LIST_MIN_ENTRIES)
  })

  describe('lists', () => {
    it('lives in the issuer namespace with a purpose and a length >= 131,072', async () => {
      expect(await asIssuer.getList(issuer.address, REVOCATION)).toEqual({
        purpose: 'revocation',
        length: 131_072,
      })
      expect(await asIssuer.getList(issuer.address, SUSPENSION)).toEqual({
        purpose: 'suspension',
        length: 262_144,
      })
      expect(await asIssuer.getList(stranger.address, REVOCATION)).toBeUndefined()
      // The same list id in another namespace is another list.
      const created = await asStranger.createList(REVOCATION, 'suspension')
      expect(created.events).toEqual([
        {
          name: 'StatusListCreated',
          args: { issuer: stranger.address, listId: REVOCATION, purpose: 2n, length: 131_072n },
        },
      ])
      expect(await asIssuer.getList(stranger.address, REVOCATION)).toEqual({
        purpose: 'suspension',
        length: 131_072,
      })
    })

    it('refuses a list smaller than the minimum, a bad length, a reused id and no purpose', async () => {
      await expectRevert(
        asIssuer.createList(9, 'revocation', 131_071),
        'STATUS_LIST_TOO_SHORT',
        'ListTooShort',
      )
      await expectRevert(asIssuer.createList(9, 'revocation', 1024), 'STATUS_LIST_TOO_SHORT', 'ListTooShort')
      await expectRevert(
        asIssuer.createList(9, 'revocation', 131_072 + 100),
        'INVALID_ARGUMENT',
        'InvalidListLength',
      )
      await expectRevert(
        asIssuer.createList(9, 'revocation', 2 ** 32 + 256),
        'INVALID_ARGUMENT',
        'InvalidListLength',
      )
      await expectRevert(asIssuer.createList(REVOCATION, 'suspension'), 'ALREADY_EXISTS', 'ListAlreadyExists')
      for (const purpose of ['none', 'constructor', 'toString']) {
        await expectRevert(
          asIssuer.createList(9, purpose as unknown as 'revocation'),
          'STATUS_PURPOSE_MISMATCH',
          'InvalidPurpose',
        )
      }
      // Any purpose code but 1 and 2 gets the custom error, not a bare ABI-decoding revert.
      const raw = new Contract(chain.contracts.StatusRegistry, statusRegistryAbi, issuer)
      const error = await raw
        .getFunction('createList')
        .staticCall(9, 3, 131_072)
        .catch((e: unknown) => e)
      expect(decodeRegistryRevert((error as { data: string }).data)).toEqual({
        name: 'InvalidPurpose',
        signature: 'InvalidPurpose(uint8)',
        args: { purpose: 3 },
      })
    })
  })

  describe('single entries', () => {
    it('set() revokes one index; isSet and the word agree with the StatusWordChanged event', async () => {
      const result = await asIssuer.set(issuer.address, REVOCATION, 1000)
      const word = 1n << (255n - (1000n % 256n))
      expect(result.events).toEqual([
        {
          name: 'StatusWordChanged',
          args: { issuer: issuer.address, listId: REVOCATION, wordIndex: 3n, word },
        },
      ])
      expect(await asIssuer.isSet(issuer.address, REVOCATION, 1000)).toBe(true)
      expect(await asIssuer.isSet(issuer.address, REVOCATION, 1001)).toBe(false)
      expect(await asIssuer.getWords(issuer.address, REVOCATION, 3, 1)).toEqual([word])
      // Setting again changes nothing and logs nothing.
      expect((await asIssuer.set(issuer.address, REVOCATION, 1000)).events).toEqual([])
    })

    it('revocation is irreversible: clear() and clearMasks() fail with WrongPurpose', async () => {
      await asIssuer.set(issuer.address, REVOCATION, 7)
      await expectRevert(
        asIssuer.clear(issuer.address, REVOCATION, 7),
        'STATUS_PURPOSE_MISMATCH',
        'WrongPurpose',
      )
      await expectRevert(
        asIssuer.update(issuer.address, REVOCATION, { clear: [7] }),
        'STATUS_PURPOSE_MISMATCH',
        'WrongPurpose',
      )
      expect(await asIssuer.isSet(issuer.address, REVOCATION, 7)).toBe(true)
      // A mixed update on a revocation list fails before its sets are written.
      await expectRevert(
        asIssuer.update(issuer.address, REVOCATION, { set: [8], clear: [7] }),
        'STATUS_PURPOSE_MISMATCH',
        'WrongPurpose',
      )
      expect(await asIssuer.isSet(issuer.address, REVOCATION, 8)).toBe(false)
    })

    it('suspension is reversible', async () => {
      await asIssuer.set(issuer.address, SUSPENSION, 262_143)
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 262_143)).toBe(true)
      const cleared = await asIssuer.clear(issuer.address, SUSPENSION, 262_143)
      expect(cleared.events[0]!.args).toMatchObject({ wordIndex: 1023n, word: 0n })
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 262_143)).toBe(false)
    })

    it('refuses out-of-range indices and unknown lists', async () => {
      await expectRevert(
        asIssuer.set(issuer.address, REVOCATION, 131_072),
        'STATUS_INDEX_OUT_OF_RANGE',
        'IndexOutOfRange',
      )
      await expectRevert(
        asIssuer.clear(issuer.address, SUSPENSION, 2n ** 200n),
        'STATUS_INDEX_OUT_OF_RANGE',
        'IndexOutOfRange',
      )
      await expectRevert(
        asIssuer.isSet(issuer.address, REVOCATION, 131_072),
        'STATUS_INDEX_OUT_OF_RANGE',
        'IndexOutOfRange',
      )
      await expectRevert(asIssuer.set(issuer.address, 42, 1), 'NOT_FOUND', 'ListNotFound')
      await expectRevert(asIssuer.isSet(ZeroAddress, REVOCATION, 1), 'NOT_FOUND', 'ListNotFound')
    })
  })

  it('guards inputs before sending: negative or fractional indices, malformed addresses', async () => {
    await expect(asIssuer.set(issuer.address, REVOCATION, -1)).rejects.toMatchObject({
      code: 'STATUS_INDEX_OUT_OF_RANGE',
    })
    await expect(asIssuer.isSet(issuer.address, REVOCATION, 1.5)).rejects.toMatchObject({
      code: 'STATUS_INDEX_OUT_OF_RANGE',
    })
    expect(() => groupIndicesIntoMasks([3, -2])).toThrow(
      expect.objectContaining({ code: 'STATUS_INDEX_OUT_OF_RANGE' }),
    )
    await expect(asOperator.set('0x1234', REVOCATION, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(asIssuer.setDelegate('not an address', 10n ** 12n)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    // Fractional numbers: a rejected promise with a typed error, not a synchronous RangeError.
    await expect(asIssuer.createList(1.5, 'revocation')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { listId: '1.5' },
    })
    await expect(asIssuer.setDelegate(operator.address, 0.5)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(asIssuer.getWords(issuer.address, REVOCATION, 0.5, 1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  it('the issuer may also use the ...For form on its own lists', async () => {
    const registry = new Contract(chain.contracts.StatusRegistry, statusRegistryAbi, issuer)
    const receipt = await (await registry.getFunction('setFor')(issuer.address, REVOCATION, 77)).wait()
    expect(receipt.status).toBe(1)
    expect(await asIssuer.isSet(issuer.address, REVOCATION, 77)).toBe(true)
  })

  describe('access control', () => {
    it('nobody but the issuer or a live delegate writes', async () => {
      await expectRevert(asStranger.set(issuer.address, REVOCATION, 1), 'UNAUTHORIZED', 'NotIssuerOrDelegate')
      await expectRevert(
        asStranger.clear(issuer.address, SUSPENSION, 1),
        'UNAUTHORIZED',
        'NotIssuerOrDelegate',
      )
      await expectRevert(
        asStranger.update(issuer.address, REVOCATION, { set: [1, 2, 3] }),
        'UNAUTHORIZED',
        'NotIssuerOrDelegate',
      )
      await expectRevert(asOperator.set(issuer.address, REVOCATION, 1), 'UNAUTHORIZED', 'NotIssuerOrDelegate')
    })

    it('a delegate writes until its expiry, and no longer once removed', async () => {
      const validUntil = (await latestTimestamp(chain)) + 3600
      const added = await asIssuer.setDelegate(operator.address, validUntil)
      expect(added.events[0]).toEqual({
        name: 'StatusDelegateChanged',
        args: { issuer: issuer.address, delegate: operator.address, validUntil: BigInt(validUntil) },
      })
      expect(await asIssuer.isDelegate(issuer.address, operator.address)).toBe(true)
      expect(await asIssuer.delegateValidUntil(issuer.address, operator.address)).toBe(BigInt(validUntil))
      await asOperator.set(issuer.address, REVOCATION, 5)
      await asOperator.update(issuer.address, SUSPENSION, { set: [1, 2] })
      await asOperator.clear(issuer.address, SUSPENSION, 1)
      // A delegate of one issuer has no power over another issuer's lists, nor to delegate.
      await asStranger.createList(1, 'revocation')
      await expectRevert(asOperator.set(stranger.address, 1, 5), 'UNAUTHORIZED', 'NotIssuerOrDelegate')

      await increaseTime(chain, 3601)
      expect(await asIssuer.isDelegate(issuer.address, operator.address)).toBe(false)
      await expectRevert(asOperator.set(issuer.address, REVOCATION, 6), 'UNAUTHORIZED', 'NotIssuerOrDelegate')

      await asIssuer.setDelegate(operator.address, (await latestTimestamp(chain)) + 3600)
      await asOperator.set(issuer.address, REVOCATION, 6)
      await asIssuer.setDelegate(operator.address, 0)
      await expectRevert(asOperator.set(issuer.address, REVOCATION, 7), 'UNAUTHORIZED', 'NotIssuerOrDelegate')
    })

    it('a delegate writes up to the second before validUntil, not at it', async () => {
      const validUntil = (await latestTimestamp(chain)) + 100
      await asIssuer.setDelegate(operator.address, validUntil)
      await setNextBlockTimestamp(chain, validUntil - 1)
      await asOperator.set(issuer.address, REVOCATION, 1)
      await setNextBlockTimestamp(chain, validUntil)
      await expectRevert(asOperator.set(issuer.address, REVOCATION, 2), 'UNAUTHORIZED', 'NotIssuerOrDelegate')
      // The refused write was never mined: mine the validUntil block for the view.
      await chain.provider.send('evm_mine', [])
      expect(await latestTimestamp(chain)).toBe(validUntil)
      expect(await asIssuer.isDelegate(issuer.address, operator.address)).toBe(false)
      // An expiry equal to the current block's time is already in the past.
      await setNextBlockTimestamp(chain, validUntil + 10)
      await expectRevert(
        asIssuer.setDelegate(operator.address, validUntil + 10),
        'INVALID_ARGUMENT',
        'ExpiryInPast',
      )
    })

    it('refuses a zero delegate and an expiry in the past', async () => {
      await expectRevert(asIssuer.setDelegate(ZeroAddress, 2n ** 40n), 'INVALID_ARGUMENT', 'ZeroAddress')
      await expectRevert(asIssuer.setDelegate(operator.address, 1), 'INVALID_ARGUMENT', 'ExpiryInPast')
    })
  })

  describe('batched updates', () => {
    it('groups indices by word into masks', () => {
      expect(groupIndicesIntoMasks([513, 0, 1, 255, 512])).toEqual({
        wordIndices: [0n, 2n],
        masks: [(1n << 255n) | (1n << 254n) | 1n, (1n << 255n) | (1n << 254n)],
      })
    })

    it('one transaction sets many indices across words, one event per changed word', async () => {
      const indices = [3, 4, 300, 131_071, 65_536, 65_537, 65_538]
      const [result, ...rest] = await asIssuer.update(issuer.address, REVOCATION, { set: indices })
      expect(rest).toEqual([])
      expect(result!.events.map((e) => e.args.wordIndex)).toEqual([0n, 1n, 256n, 511n])
      for (const event of result!.events) {
        const [word] = await asIssuer.getWords(issuer.address, REVOCATION, Number(event.args.wordIndex), 1)
        expect(event.args.word).toBe(word)
      }
      for (const i of indices) expect(await asIssuer.isSet(issuer.address, REVOCATION, i)).toBe(true)
      // Re-applying: the already-set word 0 emits nothing, the new bit's word does.
      const [again] = await asIssuer.update(issuer.address, REVOCATION, { set: [3, 4, 5] })
      expect(again!.events.map((e) => e.args.wordIndex)).toEqual([0n])
    })

    it('sets and clears a suspension list in one call, splitting batches by maxWordsPerTx', async () => {
      const set = Array.from({ length: 10 }, (_, k) => k * 300)
      const results = await asIssuer.update(issuer.address, SUSPENSION, { set }, { maxWordsPerTx: 4 })
      expect(results).toHaveLength(3)
      const both = await asIssuer.update(issuer.address, SUSPENSION, { set: [1], clear: [0, 300] })
      expect(both).toHaveLength(2)
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 0)).toBe(false)
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 1)).toBe(true)
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 300)).toBe(false)
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 600)).toBe(true)
    })

    it('refuses unsorted or duplicate words, mismatched arrays and words out of range', async () => {
      await expectRevert(
        asIssuer.setMasks(issuer.address, REVOCATION, { wordIndices: [2n, 1n], masks: [1n, 1n] }),
        'INVALID_ARGUMENT',
        'WordsNotAscending',
      )
      await expectRevert(
        asIssuer.setMasks(issuer.address, REVOCATION, { wordIndices: [2n, 2n], masks: [1n, 1n] }),
        'INVALID_ARGUMENT',
        'WordsNotAscending',
      )
      await expectRevert(
        asIssuer.setMasks(issuer.address, REVOCATION, { wordIndices: [2n], masks: [1n, 1n] }),
        'INVALID_ARGUMENT',
        'LengthMismatch',
      )
      await expectRevert(
        asIssuer.setMasks(issuer.address, REVOCATION, { wordIndices: [BigInt(WORDS)], masks: [1n] }),
        'STATUS_INDEX_OUT_OF_RANGE',
        'WordOutOfRange',
      )
      await expectRevert(
        asIssuer.clearMasks(issuer.address, SUSPENSION, { wordIndices: [BigInt(WORDS * 2)], masks: [1n] }),
        'STATUS_INDEX_OUT_OF_RANGE',
        'WordOutOfRange',
      )
      await expect(
        asIssuer.update(issuer.address, REVOCATION, { set: [1] }, { maxWordsPerTx: 0 }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      })
      await expect(
        asIssuer.update(issuer.address, SUSPENSION, { set: [1, 700], clear: [2, 700] }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { index: '700' } })
      expect(await asIssuer.isSet(issuer.address, SUSPENSION, 1)).toBe(false)
    })

    it('256 revocations in one word cost one word write', async () => {
      const all = Array.from({ length: 256 }, (_, k) => 512 + k)
      const [result] = await asIssuer.update(issuer.address, REVOCATION, { set: all })
      expect(result!.events).toHaveLength(1)
      expect(result!.events[0]!.args.word).toBe(2n ** 256n - 1n)
    })
  })

  describe('views for rebuilding status lists', () => {
    it('getWords returns ranges; readAllWords feeds Bitstring and Token Status Lists', async () => {
      await asIssuer.update(issuer.address, REVOCATION, { set: [0, 9, 131_071] })
      await expectRevert(
        asIssuer.getWords(issuer.address, REVOCATION, WORDS - 1, 2),
        'STATUS_INDEX_OUT_OF_RANGE',
        'WordOutOfRange',
      )
      expect(await asIssuer.getWords(issuer.address, REVOCATION, WORDS, 0)).toEqual([])
      const words = await asIssuer.readAllWords(issuer.address, REVOCATION)
      expect(words).toHaveLength(WORDS)
      const bitstring = wordsToBitstring(words)
      expect(bitstring.length).toBe(131_072 / 8)
      expect(bitstring[0]).toBe(0b1000_0000) // index 0 = MSB of byte 0
      expect(bitstring[1]).toBe(0b0100_0000) // index 9
      expect(bitstring[16_383]).toBe(0b0000_0001)
      const token = wordsToTokenStatusList(words)
      expect(token[0]).toBe(0b0000_0001) // index 0 = LSB of byte 0
      expect(token[1]).toBe(0b0000_0010)
      expect(token[16_383]).toBe(0b1000_0000)
      await expect(asIssuer.readAllWords(stranger.address, 77)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })
  })
})

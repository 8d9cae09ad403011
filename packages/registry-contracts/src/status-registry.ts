import {
  assertRecord,
  BITSTRING_STATUS_LIST_MIN_ENTRIES,
  CivitasError,
  convertBitOrder,
  describeValue,
  limitOption,
  MAX_STATUS_LIST_BYTES,
  optionsRecord,
} from '@civitas/core'
import type { ContractRunner } from 'ethers'
import { assertAddress, assertIterable, assertMaxItems, assertRunner, toUint } from './arguments.js'
import { bindContract, type RegistryClientOptions, type WriteResult } from './contract.js'
import { statusRegistryAbi } from './generated/statusRegistry.js'

export type StatusPurpose = 'revocation' | 'suspension'

/** Entries per storage word. */
export const ENTRIES_PER_WORD = 256
/**
 * The smallest list the contract accepts: W3C Bitstring Status List's herd-privacy minimum,
 * core's {@link BITSTRING_STATUS_LIST_MIN_ENTRIES} (one constant; status-registry.test.ts
 * checks the contract's MIN_LIST_LENGTH against it).
 */
export const MIN_STATUS_LIST_LENGTH = BITSTRING_STATUS_LIST_MIN_ENTRIES
/** Words per transaction in {@link StatusRegistryClient.update}: keeps a batch well inside a block. */
export const DEFAULT_MAX_WORDS_PER_TX = 128
/** Words one mask transaction may carry: ~1,024 storage writes already fill a block's gas. */
export const MAX_WORDS_PER_TX = 1024
/** The largest list the contract holds (its MAX_LIST_LENGTH): 2**32 entries. */
export const MAX_STATUS_LIST_LENGTH = 2 ** 32
/**
 * Default cap of {@link StatusRegistryClient.readAllWords}: the entries of a 1-bit list that
 * status-list decoders accept by default (MAX_STATUS_LIST_BYTES of @civitas/core, 16 MiB).
 */
export const DEFAULT_MAX_READ_LENGTH = MAX_STATUS_LIST_BYTES * 8
/** Words per eth_call when reading a whole list. */
const WORDS_PER_READ = 1024
const WORD_MAX = 2n ** 256n - 1n
/** listId is a uint64 in the contract. */
const LIST_ID_MAX = 2n ** 64n - 1n

const PURPOSE_CODES: Record<StatusPurpose, number> = { revocation: 1, suspension: 2 }

function purposeName(code: number): StatusPurpose | undefined {
  return code === 1 ? 'revocation' : code === 2 ? 'suspension' : undefined
}

/**
 * A status index as the contract takes it (a uint256); a negative or fractional one is out
 * of range of every list, a value of another type is misuse. Which indices a list holds is
 * the contract's to say (IndexOutOfRange).
 */
function toIndex(index: bigint | number): bigint {
  if (typeof index !== 'bigint' && typeof index !== 'number') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `a status index must be an integer, got ${describeValue(index)}`,
      {
        details: { argument: 'index' },
      },
    )
  }
  if (
    typeof index === 'bigint' ? index >= 0n && index <= WORD_MAX : Number.isSafeInteger(index) && index >= 0
  )
    return BigInt(index)
  throw new CivitasError(
    'STATUS_INDEX_OUT_OF_RANGE',
    `status index ${describeValue(index)} is not a non-negative integer`,
    {
      details: { index: describeValue(index) },
    },
  )
}

const toListId = (listId: bigint | number) => toUint(listId, 'listId', LIST_ID_MAX)

/** Masks as the contract's mask functions take them, checked: equal lengths, uint256 values. */
function checkMasks(masks: unknown): WordMasks {
  assertRecord(masks, 'masks')
  const { wordIndices, masks: values } = masks
  // Equal lengths, ascending words: the contract's rules (LengthMismatch, WordsNotAscending).
  if (!Array.isArray(wordIndices) || !Array.isArray(values)) {
    throw new CivitasError('INVALID_ARGUMENT', 'masks must be { wordIndices, masks }: two arrays', {
      details: { argument: 'masks' },
    })
  }
  assertMaxItems(wordIndices, 'masks.wordIndices', MAX_WORDS_PER_TX)
  assertMaxItems(values, 'masks.masks', MAX_WORDS_PER_TX)
  return {
    wordIndices: wordIndices.map((w, i) => toUint(w, `masks.wordIndices[${i}]`)),
    masks: values.map((m, i) => toUint(m, `masks.masks[${i}]`)),
  }
}

/** Indices grouped by storage word, as the contract's mask functions take them. */
export interface WordMasks {
  wordIndices: bigint[]
  masks: bigint[]
}

/**
 * Groups status indices by word, ascending, each as a mask with entry `i` at bit
 * `255 - i % 256` (index 0 is the most significant bit, as in a Bitstring Status List).
 */
export function groupIndicesIntoMasks(indices: Iterable<number | bigint>): WordMasks {
  assertIterable(indices, 'indices')
  const byWord = new Map<bigint, bigint>()
  for (const raw of indices) {
    const index = toIndex(raw)
    const word = index >> 8n
    const bit = 1n << (255n - (index & 255n))
    byWord.set(word, (byWord.get(word) ?? 0n) | bit)
  }
  const wordIndices = [...byWord.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return { wordIndices, masks: wordIndices.map((w) => byWord.get(w)!) }
}

/**
 * On-chain words as the bytes of a W3C Bitstring Status List (index 0 = MSB of byte 0).
 * Each word is a uint256 bigint; at most MAX_STATUS_LIST_BYTES of output (INPUT_TOO_LARGE).
 */
export function wordsToBitstring(words: readonly bigint[]): Uint8Array {
  if (!Array.isArray(words)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `words must be an array of uint256 bigints, got ${describeValue(words)}`,
      {
        details: { argument: 'words' },
      },
    )
  }
  if (words.length * 32 > MAX_STATUS_LIST_BYTES) {
    throw new CivitasError('INPUT_TOO_LARGE', `${words.length} words exceed ${MAX_STATUS_LIST_BYTES} bytes`, {
      details: { words: words.length, maxBytes: MAX_STATUS_LIST_BYTES },
    })
  }
  const out = new Uint8Array(words.length * 32)
  for (let w = 0; w < words.length; w++) {
    const word: unknown = words[w]
    if (typeof word !== 'bigint' || word < 0n || word > WORD_MAX) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `words[${w}] must be a uint256 bigint, got ${describeValue(word)}`,
        {
          details: { argument: `words[${w}]` },
        },
      )
    }
    // 64 hex digits are the word's 32 bytes, most significant first.
    out.set(Buffer.from(word.toString(16).padStart(64, '0'), 'hex'), w * 32)
  }
  return out
}

/**
 * On-chain words as an IETF Token Status List with 1-bit statuses: index `i` is bit
 * `i % 8` (least significant first) of byte `i / 8`.
 */
export function wordsToTokenStatusList(words: readonly bigint[]): Uint8Array {
  return convertBitOrder(wordsToBitstring(words), 1, 'msb-first', 'lsb-first')
}

/**
 * A list's purpose and length as a node reports them, checked against what the contract
 * can hold: a node that answers otherwise is broken (or lying), so nothing it says about
 * the list is used. Purpose 0 means no such list.
 */
function listInfoFromChain(purpose: bigint, length: bigint): StatusListInfo | undefined {
  if (purpose === 0n && length === 0n) return undefined
  const name = purposeName(Number(purpose))
  if (
    name === undefined ||
    length < BigInt(MIN_STATUS_LIST_LENGTH) ||
    length > BigInt(MAX_STATUS_LIST_LENGTH) ||
    length % BigInt(ENTRIES_PER_WORD) !== 0n
  ) {
    throw new CivitasError(
      'CHAIN_UNAVAILABLE',
      `the node reported a list no StatusRegistry can hold (purpose ${purpose}, length ${length})`,
      { details: { purpose: String(purpose), length: String(length) } },
    )
  }
  return { purpose: name, length: Number(length) }
}

export interface StatusListInfo {
  purpose: StatusPurpose
  length: number
}

export interface StatusUpdate {
  /** Indices to set (revoke / suspend). */
  set?: Iterable<number | bigint>
  /** Indices to clear (lift a suspension); suspension lists only. */
  clear?: Iterable<number | bigint>
}

export interface StatusRegistryClient {
  readonly address: string
  /** Creates list `listId` in the runner's namespace. */
  createList(listId: bigint | number, purpose: StatusPurpose, length?: number): Promise<WriteResult>
  /** Lets `delegate` write the runner's lists until `validUntil` (unix seconds); 0 removes it. */
  setDelegate(delegate: string, validUntil: bigint | number): Promise<WriteResult>
  set(issuer: string, listId: bigint | number, index: bigint | number): Promise<WriteResult>
  clear(issuer: string, listId: bigint | number, index: bigint | number): Promise<WriteResult>
  setMasks(issuer: string, listId: bigint | number, masks: WordMasks): Promise<WriteResult>
  clearMasks(issuer: string, listId: bigint | number, masks: WordMasks): Promise<WriteResult>
  /**
   * Applies many changes with as few transactions as the batch size allows: indices are
   * grouped per word into masks, clears first, then sets, so that a revocation list refuses
   * the clears before anything was written. An index both set and cleared is refused before
   * sending. Resolves to every receipt.
   */
  update(
    issuer: string,
    listId: bigint | number,
    update: StatusUpdate,
    options?: { maxWordsPerTx?: number },
  ): Promise<WriteResult[]>

  getList(issuer: string, listId: bigint | number): Promise<StatusListInfo | undefined>
  isSet(issuer: string, listId: bigint | number, index: bigint | number): Promise<boolean>
  getWords(issuer: string, listId: bigint | number, fromWord: number, count: number): Promise<bigint[]>
  /**
   * Every word of the list, read in chunks of 1,024. The length the node reports is checked
   * against what the contract can hold, and each chunk must bring exactly the words asked
   * for (CHAIN_UNAVAILABLE otherwise); a list longer than `maxLength` entries (default
   * {@link DEFAULT_MAX_READ_LENGTH}) is INPUT_TOO_LARGE before anything is read.
   */
  readAllWords(issuer: string, listId: bigint | number, options?: { maxLength?: number }): Promise<bigint[]>
  isDelegate(issuer: string, delegate: string): Promise<boolean>
  delegateValidUntil(issuer: string, delegate: string): Promise<bigint>
}

export function createStatusRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): StatusRegistryClient {
  assertAddress(address, 'address')
  assertRunner(runner)
  const bound = bindContract('StatusRegistry', address, statusRegistryAbi, runner, options)
  const issuerOf = (issuer: unknown): string => {
    assertAddress(issuer, 'issuer')
    return issuer
  }

  const chunks = (masks: WordMasks, size: number): WordMasks[] => {
    const out: WordMasks[] = []
    for (let i = 0; i < masks.wordIndices.length; i += size) {
      out.push({ wordIndices: masks.wordIndices.slice(i, i + size), masks: masks.masks.slice(i, i + size) })
    }
    return out
  }

  // The issuer writes its own lists with the short form (no issuer in calldata: cheapest);
  // anyone else (a delegate) uses the `...For` form naming the issuer.
  let sender: Promise<string | undefined> | undefined
  const ownList = async (issuer: string): Promise<boolean> => {
    issuerOf(issuer)
    sender ??=
      'getAddress' in runner && typeof runner.getAddress === 'function'
        ? (runner as { getAddress(): Promise<string> }).getAddress().catch(() => undefined)
        : Promise.resolve(undefined)
    const address = await sender
    return address !== undefined && address.toLowerCase() === issuer.toLowerCase()
  }
  const writeOne = async (
    method: 'set' | 'clear',
    issuer: string,
    listId: bigint | number,
    index: bigint | number,
  ) =>
    (await ownList(issuer))
      ? bound.write(method, [toListId(listId), toIndex(index)])
      : bound.write(`${method}For`, [issuer, toListId(listId), toIndex(index)])
  const writeMasks = async (
    method: 'setMasks' | 'clearMasks',
    issuer: string,
    listId: bigint | number,
    masks: WordMasks,
  ) => {
    const m = checkMasks(masks)
    return (await ownList(issuer))
      ? bound.write(method, [toListId(listId), m.wordIndices, m.masks])
      : bound.write(`${method}For`, [issuer, toListId(listId), m.wordIndices, m.masks])
  }

  const client: StatusRegistryClient = {
    address,
    createList: async (listId, purpose, length = MIN_STATUS_LIST_LENGTH) =>
      bound.write('createList', [
        toListId(listId),
        // 0 is no purpose: the contract answers InvalidPurpose, the client a typed error.
        typeof purpose === 'string' && Object.hasOwn(PURPOSE_CODES, purpose) ? PURPOSE_CODES[purpose] : 0,
        toUint(length, 'length'),
      ]),
    setDelegate: async (delegate, validUntil) => {
      assertAddress(delegate, 'delegate')
      return bound.write('setDelegate', [delegate, toUint(validUntil, 'validUntil')])
    },
    set: (issuer, listId, index) => writeOne('set', issuer, listId, index),
    clear: (issuer, listId, index) => writeOne('clear', issuer, listId, index),
    setMasks: (issuer, listId, m) => writeMasks('setMasks', issuer, listId, m),
    clearMasks: (issuer, listId, m) => writeMasks('clearMasks', issuer, listId, m),

    async update(issuer, listId, update, options = {}) {
      issuerOf(issuer)
      toListId(listId)
      assertRecord(update, 'update')
      const size = limitOption(
        optionsRecord(options).maxWordsPerTx,
        'options.maxWordsPerTx',
        DEFAULT_MAX_WORDS_PER_TX,
        MAX_WORDS_PER_TX,
      )
      const { set = [], clear = [] } = update as StatusUpdate
      const toSet = groupIndicesIntoMasks(set)
      const toClear = groupIndicesIntoMasks(clear)
      const setMask = new Map(toSet.wordIndices.map((w, k) => [w, toSet.masks[k]!]))
      toClear.wordIndices.forEach((w, k) => {
        const both = (setMask.get(w) ?? 0n) & toClear.masks[k]!
        if (both !== 0n) {
          const index = w * 256n + 255n - BigInt(both.toString(2).length - 1)
          throw new CivitasError('INVALID_ARGUMENT', `status index ${index} is both set and cleared`, {
            details: { index: String(index) },
          })
        }
      })
      const results: WriteResult[] = []
      for (const batch of chunks(toClear, size)) {
        results.push(await client.clearMasks(issuer, listId, batch))
      }
      for (const batch of chunks(toSet, size)) {
        results.push(await client.setMasks(issuer, listId, batch))
      }
      return results
    },

    async getList(issuer, listId) {
      const [purpose, length] = await bound.read<[bigint, bigint]>('getList', [
        issuerOf(issuer),
        toListId(listId),
      ])
      return listInfoFromChain(purpose, length)
    },
    isSet: async (issuer, listId, index) =>
      bound.read<boolean>('isSet', [issuerOf(issuer), toListId(listId), toIndex(index)]),
    async getWords(issuer, listId, fromWord, count) {
      const wanted = toUint(count, 'count', BigInt(MAX_STATUS_LIST_LENGTH / ENTRIES_PER_WORD))
      const words = await bound.read<bigint[]>('getWords', [
        issuerOf(issuer),
        toListId(listId),
        toUint(fromWord, 'fromWord'),
        wanted,
      ])
      // A node answering with another number of words (or no array) is not to be read from.
      if (!Array.isArray(words) || BigInt(words.length) !== wanted) {
        throw new CivitasError(
          'CHAIN_UNAVAILABLE',
          `the node returned ${Array.isArray(words) ? words.length : 'no'} words for ${wanted} asked`,
          { details: { asked: Number(wanted) } },
        )
      }
      return [...words]
    },
    async readAllWords(issuer, listId, options = {}) {
      const maxLength = limitOption(
        optionsRecord(options).maxLength,
        'options.maxLength',
        DEFAULT_MAX_READ_LENGTH,
        MAX_STATUS_LIST_LENGTH,
      )
      const info = await client.getList(issuer, listId)
      if (!info) {
        throw new CivitasError('NOT_FOUND', `status list ${toListId(listId)} of ${issuer} does not exist`, {
          details: { issuer, listId: String(toListId(listId)) },
        })
      }
      if (info.length > maxLength) {
        throw new CivitasError(
          'INPUT_TOO_LARGE',
          `status list of ${info.length} entries is longer than maxLength ${maxLength}`,
          { details: { length: info.length, maxLength } },
        )
      }
      // info.length is checked (a multiple of 256 within the contract's bounds): the loop is
      // bounded, and getWords refuses any chunk that is not exactly the words asked for.
      const total = info.length / ENTRIES_PER_WORD
      const words: bigint[] = []
      for (let from = 0; from < total; from += WORDS_PER_READ) {
        const chunk = await client.getWords(issuer, listId, from, Math.min(WORDS_PER_READ, total - from))
        for (const word of chunk) words.push(word)
      }
      return words
    },
    isDelegate: async (issuer, delegate) => {
      assertAddress(delegate, 'delegate')
      return bound.read<boolean>('isDelegate', [issuerOf(issuer), delegate])
    },
    delegateValidUntil: async (issuer, delegate) => {
      assertAddress(delegate, 'delegate')
      return bound.read<bigint>('delegateValidUntil', [issuerOf(issuer), delegate])
    },
  }
  return client
}

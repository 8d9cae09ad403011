import { BITSTRING_STATUS_LIST_MIN_ENTRIES, CivitasError } from '@civitas/core'
import type { ContractRunner } from 'ethers'
import { bindContract, type RegistryClientOptions, toUint, type WriteResult } from './contract.js'
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
/** Words per eth_call when reading a whole list. */
const WORDS_PER_READ = 1024

const PURPOSE_CODES: Record<StatusPurpose, number> = { revocation: 1, suspension: 2 }

function purposeName(code: number): StatusPurpose | undefined {
  return code === 1 ? 'revocation' : code === 2 ? 'suspension' : undefined
}

/** A status index as the contract takes it; anything but a non-negative integer is out of range. */
function toIndex(index: bigint | number): bigint {
  if (typeof index === 'bigint' ? index >= 0n : Number.isSafeInteger(index) && index >= 0)
    return BigInt(index)
  throw new CivitasError(
    'STATUS_INDEX_OUT_OF_RANGE',
    `status index ${String(index)} is not a non-negative integer`,
    {
      details: { index: String(index) },
    },
  )
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

/** On-chain words as the bytes of a W3C Bitstring Status List (index 0 = MSB of byte 0). */
export function wordsToBitstring(words: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(words.length * 32)
  words.forEach((word, w) => {
    for (let b = 0; b < 32; b++) out[w * 32 + b] = Number((word >> BigInt(8 * (31 - b))) & 0xffn)
  })
  return out
}

/**
 * On-chain words as an IETF Token Status List with 1-bit statuses: index `i` is bit
 * `i % 8` (least significant first) of byte `i / 8`.
 */
export function wordsToTokenStatusList(words: readonly bigint[]): Uint8Array {
  const bitstring = wordsToBitstring(words)
  const out = new Uint8Array(bitstring.length)
  for (let i = 0; i < bitstring.length; i++) {
    let byte = bitstring[i]!
    let reversed = 0
    for (let b = 0; b < 8; b++) {
      reversed = (reversed << 1) | (byte & 1)
      byte >>= 1
    }
    out[i] = reversed
  }
  return out
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
  /** Every word of the list, read in chunks. */
  readAllWords(issuer: string, listId: bigint | number): Promise<bigint[]>
  isDelegate(issuer: string, delegate: string): Promise<boolean>
  delegateValidUntil(issuer: string, delegate: string): Promise<bigint>
}

export function createStatusRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): StatusRegistryClient {
  const bound = bindContract('StatusRegistry', address, statusRegistryAbi, runner, options)

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
      ? bound.write(method, [toUint(listId, 'listId'), toIndex(index)])
      : bound.write(`${method}For`, [issuer, toUint(listId, 'listId'), toIndex(index)])
  const writeMasks = async (
    method: 'setMasks' | 'clearMasks',
    issuer: string,
    listId: bigint | number,
    m: WordMasks,
  ) =>
    (await ownList(issuer))
      ? bound.write(method, [toUint(listId, 'listId'), m.wordIndices, m.masks])
      : bound.write(`${method}For`, [issuer, toUint(listId, 'listId'), m.wordIndices, m.masks])

  const client: StatusRegistryClient = {
    address,
    createList: async (listId, purpose, length = MIN_STATUS_LIST_LENGTH) =>
      bound.write('createList', [
        toUint(listId, 'listId'),
        // 0 is no purpose: the contract answers InvalidPurpose, the client a typed error.
        Object.hasOwn(PURPOSE_CODES, purpose) ? PURPOSE_CODES[purpose] : 0,
        toUint(length, 'length'),
      ]),
    setDelegate: async (delegate, validUntil) =>
      bound.write('setDelegate', [delegate, toUint(validUntil, 'validUntil')]),
    set: (issuer, listId, index) => writeOne('set', issuer, listId, index),
    clear: (issuer, listId, index) => writeOne('clear', issuer, listId, index),
    setMasks: (issuer, listId, m) => writeMasks('setMasks', issuer, listId, m),
    clearMasks: (issuer, listId, m) => writeMasks('clearMasks', issuer, listId, m),

    async update(issuer, listId, update, options = {}) {
      const size = options.maxWordsPerTx ?? DEFAULT_MAX_WORDS_PER_TX
      if (!Number.isInteger(size) || size < 1) {
        throw new CivitasError('INVALID_ARGUMENT', 'maxWordsPerTx must be a positive integer', {
          details: { maxWordsPerTx: size },
        })
      }
      const toSet = groupIndicesIntoMasks(update.set ?? [])
      const toClear = groupIndicesIntoMasks(update.clear ?? [])
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
        issuer,
        toUint(listId, 'listId'),
      ])
      const name = purposeName(Number(purpose))
      return name ? { purpose: name, length: Number(length) } : undefined
    },
    isSet: async (issuer, listId, index) =>
      bound.read<boolean>('isSet', [issuer, toUint(listId, 'listId'), toIndex(index)]),
    async getWords(issuer, listId, fromWord, count) {
      const words = await bound.read<bigint[]>('getWords', [
        issuer,
        toUint(listId, 'listId'),
        toUint(fromWord, 'fromWord'),
        toUint(count, 'count'),
      ])
      return [...words]
    },
    async readAllWords(issuer, listId) {
      const info = await client.getList(issuer, listId)
      if (!info) {
        throw new CivitasError('NOT_FOUND', `status list ${listId} of ${issuer} does not exist`, {
          details: { issuer, listId: String(listId) },
        })
      }
      const total = info.length / ENTRIES_PER_WORD
      const words: bigint[] = []
      for (let from = 0; from < total; from += WORDS_PER_READ) {
        words.push(...(await client.getWords(issuer, listId, from, Math.min(WORDS_PER_READ, total - from))))
      }
      return words
    },
    isDelegate: (issuer, delegate) => bound.read<boolean>('isDelegate', [issuer, delegate]),
    delegateValidUntil: (issuer, delegate) => bound.read<bigint>('delegateValidUntil', [issuer, delegate]),
  }
  return client
}

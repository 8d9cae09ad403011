import { CivitasError, createLruCache, isCivitasError } from '@civitas/core'
import type { ChainReader, RegistryReaders } from '../chain/reader.js'
import type { StatusChainRef } from './entries.js'

/** Where on-chain status words come from: the live chain, or a trust snapshot. */
export interface ChainStatusSource {
  readonly kind: 'chain' | 'snapshot'
  /** Whether entry `index` of the list `ref` names is set, and the block that says so. */
  read(ref: StatusChainRef, index: number): Promise<{ set: boolean; block: number }>
}

export interface ChainStatusOptions {
  /**
   * Words fetched per read (default 512 = 131,072 entries, one minimum-size list). A list is
   * read in aligned chunks of this many words, so that the thousand credentials of one list
   * cost one eth_call per block however their random indices fall.
   */
  chunkWords?: number
  /** Chunks kept (default 256: 4 MiB of words at most). */
  maxChunks?: number
}

const WORD_BITS = 256

/** The bit of `index` in a word: entry i is bit 255 - i % 256 (a W3C bitstring, MSB first). */
export function bitOf(word: bigint, index: number): boolean {
  return ((word >> BigInt(WORD_BITS - 1 - (index % WORD_BITS))) & 1n) === 1n
}

/** Whether `ref` names the registry this verifier reads. */
export function checkRegistry(ref: StatusChainRef, chainId: number, registry: string): void {
  if (ref.chainId !== chainId || ref.registry.toLowerCase() !== registry.toLowerCase()) {
    throw new CivitasError(
      'STATUS_UNAVAILABLE',
      `the status is kept on chain ${ref.chainId} in registry ${ref.registry}, which this verifier does not read`,
      { details: { chainId: ref.chainId, registry: ref.registry } },
    )
  }
}

/** Status words read from the StatusRegistry at the reader's confirmed block, cached per chunk and block. */
export function createChainStatusSource(
  reader: ChainReader,
  options: ChainStatusOptions = {},
): ChainStatusSource {
  const chunkWords = options.chunkWords ?? 512
  const chunks = createLruCache<Promise<bigint[]>>({ maxEntries: options.maxChunks ?? 256 })
  // A list's length never changes: learnt once from a read that ran past its end.
  const listWords = new Map<string, number>()
  const registry = reader.manifest.contracts.StatusRegistry.address

  async function readChunk(ref: StatusChainRef, chunk: number, readers: RegistryReaders): Promise<bigint[]> {
    const listKey = `${ref.owner.toLowerCase()}/${ref.listId}`
    const from = chunk * chunkWords
    const known = listWords.get(listKey)
    const count = known === undefined ? chunkWords : Math.min(chunkWords, known - from)
    if (count <= 0) throw outOfRange(ref, from * WORD_BITS)
    try {
      return await readers.status.getWords(ref.owner, ref.listId, from, count)
    } catch (error) {
      if (isCivitasError(error) && error.details?.error === 'WordOutOfRange' && known === undefined) {
        const total = Number((error.details.args as Record<string, unknown> | undefined)?.words)
        if (Number.isSafeInteger(total) && total > 0) {
          listWords.set(listKey, total)
          if (from >= total) throw outOfRange(ref, from * WORD_BITS)
          return await readers.status.getWords(ref.owner, ref.listId, from, total - from)
        }
      }
      throw error
    }
  }

  return {
    kind: 'chain',
    async read(ref, index) {
      checkRegistry(ref, reader.chainId, registry)
      const readers = await reader.at()
      const block = readers.block
      const word = Math.floor(index / WORD_BITS)
      const chunk = Math.floor(word / chunkWords)
      const key = `${ref.owner.toLowerCase()}/${ref.listId}/${chunk}@${block}`
      let words = chunks.get(key)
      if (words === undefined) {
        words = readChunk(ref, chunk, readers)
        chunks.set(key, words, Number.POSITIVE_INFINITY)
        // A failed read is not reused: the next credential asks the chain again.
        words.catch(() => chunks.delete(key))
      }
      const loaded = await words
      const value = loaded[word - chunk * chunkWords]
      if (value === undefined) throw outOfRange(ref, index)
      return { set: bitOf(value, index), block }
    },
  }
}

function outOfRange(ref: StatusChainRef, index: number): CivitasError {
  return new CivitasError(
    'STATUS_INDEX_OUT_OF_RANGE',
    `status index ${index} is beyond the end of list ${ref.listId} of ${ref.owner}`,
    { details: { owner: ref.owner, listId: ref.listId.toString(), index } },
  )
}

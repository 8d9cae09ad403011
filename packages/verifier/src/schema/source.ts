import { createHash } from 'node:crypto'
import { CivitasError, createLruCache, describeValue, isCivitasError } from '@civitas/core'
import { schemaIdOf } from '@civitas/registry-contracts'
import { keccak256 } from 'ethers'
import type { ChainReader, RegistryReaders } from '../chain/reader.js'
import { parseJson } from '../guards.js'
import { type FetchLike, fetchBounded } from '../http/bounded-fetch.js'

/** A schema version as the SchemaRegistry records it. */
export interface RegisteredSchema {
  /** The id the credential used (`credentialSchema.id` or `vct`). */
  readonly id: string
  readonly version: number
  /** SHA-256 or keccak-256 of the document's bytes, 0x-hex. */
  readonly hash: string
  readonly uri: string
  readonly publisher: string
}

/** A registered schema with its document, whose hash matched the registered one. */
export interface SchemaDocument {
  readonly registered: RegisteredSchema
  readonly document: unknown
  /** The block the registry was read at (live chain or snapshot). */
  readonly block: number
}

/** Where schemas come from: the live SchemaRegistry plus HTTP, or a trust snapshot. */
export interface SchemaSource {
  readonly kind: 'chain' | 'snapshot'
  /** The registered document for `id`; undefined when nothing is registered under it. */
  document(id: string): Promise<SchemaDocument | undefined>
}

export interface SchemaSourceOptions {
  /** Largest schema document, bytes (default 256 KiB). */
  maxBytes?: number
  /** Whole request, ms (default 5,000). */
  timeoutMs?: number
  /** Documents kept, keyed by their hash (default 64). */
  maxEntries?: number
}

/**
 * Whether `bytes` hash to `registered`. The registry stores a 32-byte hash without naming
 * the function: SHA-256 (what EBSI's schema registry uses) and keccak-256 (what Solidity
 * tools compute) are both accepted; either binds the document.
 */
export function hashMatches(bytes: Uint8Array, registered: string): boolean {
  const expected = registered.toLowerCase()
  if (`0x${createHash('sha256').update(bytes).digest('hex')}` === expected) return true
  return keccak256(bytes).toLowerCase() === expected
}

/** The bytes of a schema document, checked against its registered hash, parsed. */
export function parseSchemaDocument(bytes: Uint8Array, registered: RegisteredSchema): unknown {
  if (!hashMatches(bytes, registered.hash)) {
    throw new CivitasError(
      'SCHEMA_HASH_MISMATCH',
      `the schema served at ${describeValue(registered.uri, 200)} is not the one registered for ${describeValue(registered.id, 200)} (hash differs)`,
      { details: { id: registered.id, uri: registered.uri, hash: registered.hash } },
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (error) {
    throw new CivitasError('SCHEMA_UNAVAILABLE', 'the schema document is not UTF-8 text', { cause: error })
  }
  return parseJson(text, 'SCHEMA_UNAVAILABLE', { what: 'the schema document', maxDepth: 32 })
}

/** Fetches a registered schema's bytes (bounded). */
export function createSchemaFetcher(fetch: FetchLike, options: SchemaSourceOptions = {}) {
  return (uri: string) =>
    fetchBounded(uri, {
      fetch,
      maxBytes: options.maxBytes ?? 256 * 1024,
      timeoutMs: options.timeoutMs ?? 5_000,
      accept: 'application/schema+json, application/json',
      unavailable: 'SCHEMA_UNAVAILABLE',
      what: 'schema',
    })
}

/** Looks `id` up in the SchemaRegistry at the reader's block; undefined when not registered. */
export async function lookupSchema(
  readers: RegistryReaders,
  id: string,
): Promise<{ registered?: RegisteredSchema; block: number }> {
  const count = await readers.schemas.versionCount(schemaIdOf(id))
  if (count === 0) return { block: readers.block }
  const latest = await readers.schemas.latestVersion(schemaIdOf(id))
  return {
    block: readers.block,
    registered: {
      id,
      version: latest.version,
      hash: latest.hash,
      uri: latest.uri,
      publisher: latest.publisher,
    },
  }
}

/** The live source: the registry read per (id, block), documents fetched once per hash. */
export function createChainSchemaSource(
  reader: ChainReader,
  fetch: FetchLike,
  options: SchemaSourceOptions = {},
): SchemaSource {
  const lookups = createLruCache<Promise<{ registered?: RegisteredSchema; block: number }>>({
    maxEntries: 256,
  })
  const documents = createLruCache<Promise<unknown>>({ maxEntries: options.maxEntries ?? 64 })
  const fetchSchema = createSchemaFetcher(fetch, options)
  return {
    kind: 'chain',
    async document(id) {
      const unavailable = (error: unknown) =>
        new CivitasError(
          'SCHEMA_UNAVAILABLE',
          `the schema registry could not be read: ${isCivitasError(error) ? error.message : 'no answer'}`,
          { cause: error },
        )
      let readers: RegistryReaders
      try {
        readers = await reader.at()
      } catch (error) {
        throw unavailable(error)
      }
      const key = `${id}@${readers.block}`
      let lookup = lookups.get(key)
      if (lookup === undefined) {
        lookup = lookupSchema(readers, id).catch((error: unknown) => {
          lookups.delete(key)
          throw unavailable(error)
        })
        lookups.set(key, lookup, Number.POSITIVE_INFINITY)
      }
      const { registered, block: readAt } = await lookup
      if (registered === undefined) return undefined
      const docKey = `${registered.hash.toLowerCase()} ${registered.uri}`
      let document = documents.get(docKey)
      if (document === undefined) {
        document = fetchSchema(registered.uri).then((bytes) => parseSchemaDocument(bytes, registered))
        documents.set(docKey, document, Number.POSITIVE_INFINITY)
        document.catch(() => documents.delete(docKey))
      }
      return { registered, document: await document, block: readAt }
    },
  }
}

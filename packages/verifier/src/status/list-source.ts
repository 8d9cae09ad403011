import {
  CivitasError,
  type CivitasErrorCode,
  createLruCache,
  decodeBitstringStatusList,
  decodeStatusList2021,
  describeValue,
  isCivitasError,
  type StatusList,
} from '@civitas/core'
import type { Resolvable } from 'did-resolver'
import { verifyBitstringListCredential, verifyTokenStatusList } from '../core-adapter.js'
import { type FetchLike, fetchBounded } from '../http/bounded-fetch.js'
import type { StatusEntry } from './entries.js'

/** A status list fetched over HTTP, its signature verified. */
export interface FetchedList {
  readonly list: StatusList
  /** Who signed the list. */
  readonly issuer: string | undefined
  /** W3C `statusPurpose` of the list; undefined for a Token Status List. */
  readonly purpose?: unknown
  /** When it was fetched, ms since the epoch. */
  readonly fetchedAt: number
}

/** Status lists published by issuers over HTTP. */
export interface ListSource {
  fetch(entry: StatusEntry & { uri: string }): Promise<FetchedList>
}

export interface ListSourceOptions {
  /** Largest list document, bytes (default 2 MiB). */
  maxBytes?: number
  /** Whole request, ms (default 5,000). */
  timeoutMs?: number
  /** How long a list without `ttl` / `exp` is reused, ms (default 60,000). */
  defaultTtlMs?: number
  /** Upper bound on any list's reuse, whatever its `ttl` says, ms (default 3,600,000). */
  maxTtlMs?: number
  /** Lists kept (default 128). */
  maxEntries?: number
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
// A list credential is small: even 2^24 entries compress to well under this when mostly unset.
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024

/** Codes that mean "could not be established now" rather than "this list is bad". */
const UNAVAILABLE = new Set<CivitasErrorCode>([
  'STATUS_UNAVAILABLE',
  'RESOLVER_UNAVAILABLE',
  'CHAIN_UNAVAILABLE',
])

/** Sorts why a list could not be used into the status check's codes. */
export function listError(error: unknown, uri: string): CivitasError {
  const where = describeValue(uri, 200)
  if (isCivitasError(error)) {
    if (error.code === 'INPUT_TOO_LARGE') return error
    if (UNAVAILABLE.has(error.code)) {
      return error.code === 'STATUS_UNAVAILABLE'
        ? error
        : new CivitasError(
            'STATUS_UNAVAILABLE',
            `the status list at ${where} cannot be checked: ${error.message}`,
            {
              cause: error,
              details: { uri, cause: error.code },
            },
          )
    }
    return new CivitasError(
      'STATUS_LIST_INVALID',
      `the status list at ${where} is not valid: ${error.message}`,
      {
        cause: error,
        details: { uri, cause: error.code },
      },
    )
  }
  return new CivitasError('STATUS_LIST_INVALID', `the status list at ${where} could not be read`, {
    cause: error,
    details: { uri },
  })
}

export function createListSource(
  settings: { fetch: FetchLike; resolver: Resolvable; clock: () => number; clockSkewSeconds: number },
  options: ListSourceOptions = {},
): ListSource {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const timeoutMs = options.timeoutMs ?? 5_000
  const defaultTtlMs = options.defaultTtlMs ?? 60_000
  const maxTtlMs = options.maxTtlMs ?? 3_600_000
  const cache = createLruCache<Promise<FetchedList>>({
    maxEntries: options.maxEntries ?? 128,
    now: settings.clock,
  })

  const text = async (uri: string, accept: string): Promise<string> => {
    const body = await fetchBounded(uri, {
      fetch: settings.fetch,
      maxBytes,
      timeoutMs,
      accept,
      unavailable: 'STATUS_UNAVAILABLE',
      what: 'status list',
    })
    let decoded: string
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(body).trim()
    } catch (error) {
      throw new CivitasError('STATUS_LIST_INVALID', 'the status list is not UTF-8 text', { cause: error })
    }
    if (!COMPACT_JWS.test(decoded)) {
      throw new CivitasError('STATUS_LIST_INVALID', 'the status list is not a signed list (a compact JWT)')
    }
    return decoded
  }

  const verifyOptions = () => ({
    resolver: settings.resolver,
    now: Math.floor(settings.clock() / 1000),
    clockSkewSeconds: settings.clockSkewSeconds,
  })

  /** Reuse for ttl, never past the list's own expiry, never longer than maxTtlMs. */
  const lifetime = (ttlMs: number | undefined, expiresAt: number | undefined): number => {
    let ms = Math.min(ttlMs ?? defaultTtlMs, maxTtlMs)
    if (expiresAt !== undefined) ms = Math.min(ms, expiresAt * 1000 - settings.clock())
    return ms
  }

  async function load(entry: StatusEntry & { uri: string }, key: string): Promise<FetchedList> {
    const fetchedAt = settings.clock()
    if (entry.type === 'TokenStatusList') {
      const jwt = await text(entry.uri, 'application/statuslist+jwt')
      const verified = await verifyTokenStatusList(jwt, entry.uri, verifyOptions())
      const result = { list: verified.list, issuer: verified.issuer, fetchedAt }
      const ttl = verified.ttlSeconds === undefined ? undefined : verified.ttlSeconds * 1000
      cache.set(key, Promise.resolve(result), lifetime(ttl, verified.exp))
      return result
    }
    const jwt = await text(entry.uri, 'application/vc+jwt, application/jwt')
    const verified = await verifyBitstringListCredential(jwt, verifyOptions())
    if (typeof verified.encodedList !== 'string') {
      throw new CivitasError('STATUS_LIST_INVALID', 'the status list credential has no encodedList')
    }
    const list =
      verified.type === 'StatusList2021Credential'
        ? decodeStatusList2021(verified.encodedList)
        : decodeBitstringStatusList(verified.encodedList, { statusSize: entry.size, maxBytes: 16 * maxBytes })
    const result = { list, issuer: verified.issuer, purpose: verified.purpose, fetchedAt }
    cache.set(key, Promise.resolve(result), lifetime(verified.ttlMs, verified.validUntil))
    return result
  }

  return {
    fetch(entry) {
      const key = `${entry.type}:${entry.size}:${entry.uri}`
      const cached = cache.get(key)
      if (cached !== undefined) return cached
      const loading = load(entry, key).catch((error: unknown) => {
        cache.delete(key)
        throw listError(error, entry.uri)
      })
      // Concurrent checks of one list share one request; a failure is not reused.
      cache.set(key, loading, timeoutMs * 2)
      return loading
    },
  }
}

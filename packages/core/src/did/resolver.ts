import {
  type DIDDocument,
  type DIDDocumentMetadata,
  type DIDResolutionMetadata,
  type DIDResolutionOptions,
  type DIDResolutionResult,
  type DIDResolver,
  type ParsedDID,
  parse,
  type Resolvable,
  type ResolverRegistry,
} from 'did-resolver'
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { CivitasError, type CivitasErrorCode, describeValue } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { type CacheStats, createLruCache } from '../keys/lru.js'
import { createDidEthrResolver, type DidEthrOptions } from './ethr.js'
import { resolveDidJwk } from './jwk.js'
import { resolveDidKey } from './key.js'
import { codeForResolutionError, errorResult, errorResultFrom } from './resolution.js'
import { createDidWebResolver, type DidWebOptions } from './web.js'

export interface ResolverCacheOptions {
  /** Most results held (LRU). Default 1,000. */
  maxEntries?: number
  /**
   * How long a resolved document is reused. Default 60,000 ms: a key revoked or rotated on
   * chain (did:ethr) or on a web server (did:web) stops verifying within a minute, while a
   * burst of credentials from one issuer still costs one lookup.
   */
  ttlMs?: number
  /**
   * How long `notFound` / `unavailable` results are reused. Default 2,000 ms, never more than
   * `ttlMs`. Short on purpose: these answers describe a moment (an RPC node restarting, a
   * did:web host not yet publishing, a DID registered a block later), and keeping them would
   * make a verifier reject valid credentials long after the cause is gone. A few seconds still
   * spare a struggling node from a burst of identical requests.
   */
  errorTtlMs?: number
  /** Milliseconds clock for expiry; defaults to `Date.now` (inject one in tests). */
  now?: () => number
}

export interface CreateResolverOptions {
  /** did:web settings (fetch, timeout, size limit), or `false` to disable did:web. */
  web?: DidWebOptions | false
  /** did:ethr networks; without them did:ethr DIDs are `methodNotSupported`. */
  ethr?: DidEthrOptions
  /** Result cache settings, or `false` for no cache. */
  cache?: ResolverCacheOptions | false
  /**
   * More DID methods, in did-resolver's registry shape (method name → `DIDResolver`), e.g.
   * `getResolver()` of `@cef-ebsi/ebsi-did-resolver` for did:ebsi. Their answers are cached,
   * vetted (shape, depth) and time-bounded like the built-in methods'. A method served by a
   * built-in resolver (key, jwk, web unless `web: false`, ethr when configured) cannot be
   * replaced: INVALID_ARGUMENT.
   */
  resolvers?: ResolverRegistry
  /** Longest wait for an answer from one of `resolvers`. Default 10,000 ms, then `unavailable`. */
  resolverTimeoutMs?: number
}

/** A did-resolver `Resolvable` with a cache you can observe. */
export interface CivitasResolver extends Resolvable {
  /** Hit / miss / eviction counters and current size; all zero when the cache is disabled. */
  cacheStats(): CacheStats
  clearCache(): void
}

// The longest DID URL we look at: far above any real did:jwk (RSA-4096 ≈ 1,000 characters),
// small enough that parsing garbage costs nothing.
const MAX_DID_URL_LENGTH = 8_192
const DEFAULT_MAX_ENTRIES = 1_000
const DEFAULT_TTL_MS = 60_000
const DEFAULT_ERROR_TTL_MS = 2_000
// Answers that cost a remote lookup (an RPC call, an HTTPS fetch). A host serving an invalid
// document is one of them: without a short cache every token naming it would fetch again.
const TRANSIENT_ERRORS = new Set(['notFound', 'unavailable', 'invalidDidDocument'])
const DEFAULT_RESOLVER_TIMEOUT_MS = 10_000
// DID method names (DID Core §3.1: method-name = 1*method-char, lower-case letters and digits).
const METHOD_NAME = /^[a-z0-9]+$/

/**
 * The cache key: what determines the answer, and nothing else. Resolution reads the DID, not
 * its path or fragment; did:key, did:jwk and did:web ignore the query too, so
 * `did:web:host?r=<n>` is one entry, not a fetch per token that also flushes the cache.
 * did:ethr reads `versionId` / `versionTime`; a resolver we do not know gets the whole query.
 */
function cacheKey(parsed: ParsedDID, accept: string | undefined, foreign: boolean): string {
  let version = ''
  if (foreign) {
    version = parsed.query ?? ''
  } else if (parsed.method === 'ethr') {
    const params = new URLSearchParams(parsed.query ?? '')
    version = ['versionId', 'versionTime'].map((name) => `${name}=${params.get(name) ?? ''}`).join('&')
  }
  return `${parsed.did}?${version} ${accept ?? ''}`
}

/** The caller's extra method resolvers, checked once: own method names, functions only. */
function foreignResolvers(registry: unknown, builtIn: Set<string>): Map<string, DIDResolver> {
  const resolvers = new Map<string, DIDResolver>()
  if (registry === undefined) return resolvers
  if (!isRecord(registry)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'createResolver resolvers must be an object of method resolvers',
    )
  }
  for (const method of Object.keys(registry)) {
    const resolver = registry[method]
    if (!METHOD_NAME.test(method) || typeof resolver !== 'function') {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `createResolver resolvers.${describeValue(method)} must be a DID method name with a resolver function`,
      )
    }
    if (builtIn.has(method)) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `did:${method} is resolved by Civitas itself; it cannot be replaced`,
      )
    }
    resolvers.set(method, resolver as DIDResolver)
  }
  return resolvers
}

/** Waits at most `timeoutMs` for a foreign resolver (its work cannot be cancelled, only abandoned). */
async function withinDeadline(
  work: Promise<DIDResolutionResult>,
  timeoutMs: number,
  method: string,
): Promise<DIDResolutionResult> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<DIDResolutionResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          errorResult('unavailable', `the did:${method} resolver did not answer within ${timeoutMs} ms`),
        ),
      timeoutMs,
    )
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

function nonNegative(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new CivitasError('INVALID_ARGUMENT', `${what} must be a non-negative number`)
  }
  return value
}

/**
 * Creates the Civitas DID resolver: did:key (incl. EBSI jwk_jcs-pub), did:jwk, did:web,
 * (when networks are configured) did:ethr and the caller's extra `resolvers`, behind an LRU
 * cache with TTL. It never throws for
 * a DID: every failure is a result with `didResolutionMetadata.error` (plus `message` and our
 * `code`). Use {@link resolveDid} to get a document or a typed {@link CivitasError} instead.
 */
export function createResolver(options: CreateResolverOptions = {}): CivitasResolver {
  if (options === null || typeof options !== 'object') {
    throw new CivitasError('INVALID_ARGUMENT', 'createResolver options must be an object')
  }
  const web = options.web === false ? undefined : createDidWebResolver(options.web ?? {})
  const ethr = options.ethr === undefined ? undefined : createDidEthrResolver(options.ethr)
  const builtIn = new Set(['key', 'jwk', ...(web ? ['web'] : []), ...(ethr ? ['ethr'] : [])])
  const foreign = foreignResolvers(options.resolvers, builtIn)
  const resolverTimeoutMs = options.resolverTimeoutMs ?? DEFAULT_RESOLVER_TIMEOUT_MS
  if (
    typeof resolverTimeoutMs !== 'number' ||
    !Number.isFinite(resolverTimeoutMs) ||
    resolverTimeoutMs <= 0
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'createResolver resolverTimeoutMs must be > 0')
  }
  const cacheOptions = options.cache === false ? undefined : (options.cache ?? {})
  const maxEntries = cacheOptions?.maxEntries ?? DEFAULT_MAX_ENTRIES
  const cache = cacheOptions
    ? createLruCache<DIDResolutionResult>({ maxEntries, now: cacheOptions.now })
    : undefined
  const ttlMs = nonNegative(cacheOptions?.ttlMs, DEFAULT_TTL_MS, 'cache ttlMs')
  const errorTtlMs = Math.min(
    ttlMs,
    nonNegative(cacheOptions?.errorTtlMs, DEFAULT_ERROR_TTL_MS, 'cache errorTtlMs'),
  )
  const inFlight = new Map<string, Promise<DIDResolutionResult>>()

  async function resolveUncached(parsed: ParsedDID, resolutionOptions: DIDResolutionOptions) {
    switch (parsed.method) {
      case 'key':
        return resolveDidKey(parsed.did, resolutionOptions)
      case 'jwk':
        return resolveDidJwk(parsed.did, resolutionOptions)
      case 'web':
        if (web) return web(parsed.did, resolutionOptions)
        break
      case 'ethr':
        if (ethr) return ethr(parsed, resolutionOptions)
        break
    }
    const method = foreign.get(parsed.method)
    if (method) {
      const work = Promise.resolve().then(() => method(parsed.did, parsed, self, resolutionOptions))
      return withinDeadline(work, resolverTimeoutMs, parsed.method)
    }
    return errorResult(
      'methodNotSupported',
      `DID method ${describeValue(parsed.method)} is not supported by this resolver`,
    )
  }

  function ttlFor(result: DIDResolutionResult): number {
    const error = result.didResolutionMetadata?.error
    if (error === undefined) return ttlMs
    // Malformed DIDs and unsupported methods are answered locally at no cost; caching them
    // would only let a flood of garbage DIDs evict the documents worth keeping.
    return TRANSIENT_ERRORS.has(error) ? errorTtlMs : 0
  }

  async function resolve(
    didUrl: string,
    resolutionOptions: DIDResolutionOptions = {},
  ): Promise<DIDResolutionResult> {
    if (typeof didUrl !== 'string' || didUrl.length === 0)
      return errorResult('invalidDid', 'a DID must be a non-empty string')
    if (didUrl.length > MAX_DID_URL_LENGTH) {
      return errorResult(
        'invalidDid',
        `DID URL longer than ${MAX_DID_URL_LENGTH} characters`,
        'INPUT_TOO_LARGE',
      )
    }
    const parsed = parse(didUrl)
    if (!parsed) return errorResult('invalidDid', 'not a DID (did:<method>:<method-specific-id>)')
    const opts = isRecord(resolutionOptions) ? resolutionOptions : {}
    if (opts.accept !== undefined && typeof opts.accept !== 'string') {
      return errorResult(
        'representationNotSupported',
        `cannot produce a DID document as ${describeValue(opts.accept)}`,
      )
    }
    const cacheable = cache !== undefined && Object.keys(opts).every((key) => key === 'accept')
    if (!cacheable) return structuredClone(await safely(parsed, opts))
    const key = cacheKey(parsed, opts.accept, foreign.has(parsed.method))
    const hit = cache.get(key)
    if (hit) return structuredClone(hit)
    let pending = inFlight.get(key)
    if (!pending) {
      // Concurrent verifications of tokens from one issuer share a single lookup.
      pending = safely(parsed, opts).then((result) => {
        cache.set(key, result, ttlFor(result))
        return result
      })
      inFlight.set(key, pending)
      void pending.finally(() => inFlight.delete(key))
    }
    return structuredClone(await pending)
  }

  /**
   * Runs the method resolver and vets its answer before anyone (the cache, structuredClone,
   * the caller) walks it: a result object, and a document no deeper than remote JSON may be
   * (did:ethr service endpoints are JSON from the chain; a foreign resolver's output is
   * anything). The answer kept is our own copy, so a foreign resolver cannot change it later.
   */
  async function safely(parsed: ParsedDID, opts: DIDResolutionOptions): Promise<DIDResolutionResult> {
    try {
      const result: unknown = await resolveUncached(parsed, opts)
      if (!isRecord(result) || !isRecord(result.didResolutionMetadata)) {
        return errorResult('internalError', `the did:${parsed.method} resolver returned no resolution result`)
      }
      assertJsonDepth(result.didDocument, DEFAULT_MAX_JSON_DEPTH, 'DID_DOCUMENT_INVALID', 'DID document')
      return structuredClone(result) as unknown as DIDResolutionResult
    } catch (thrown) {
      return errorResultFrom(thrown)
    }
  }

  const emptyStats: CacheStats = { hits: 0, misses: 0, evictions: 0, expirations: 0, size: 0, maxEntries: 0 }
  // What a foreign method resolver gets as its parent Resolvable (did-resolver passes its
  // Resolver the same way), so it can resolve other DIDs through this cache.
  const self: CivitasResolver = {
    resolve,
    cacheStats: () => (cache ? cache.stats() : { ...emptyStats }),
    clearCache: () => cache?.clear(),
  }
  return self
}

export interface ResolvedDid {
  didDocument: DIDDocument
  didDocumentMetadata: DIDDocumentMetadata
  didResolutionMetadata: DIDResolutionMetadata
}

const CODES_WE_PASS_ON = new Set<string>([
  'CHAIN_UNAVAILABLE',
  'DID_INVALID',
  'DID_METHOD_UNSUPPORTED',
  'DID_NOT_FOUND',
  'DID_DOCUMENT_INVALID',
  'RESOLVER_UNAVAILABLE',
  'KEY_INVALID',
  'UNSUPPORTED_CURVE',
  'INPUT_TOO_LARGE',
  'INVALID_ARGUMENT',
])

/**
 * Resolves `didUrl` with any did-resolver `Resolvable` and returns the document, or throws a
 * {@link CivitasError}: DID_INVALID, DID_METHOD_UNSUPPORTED, DID_NOT_FOUND,
 * RESOLVER_UNAVAILABLE, KEY_INVALID, UNSUPPORTED_CURVE, DID_DOCUMENT_INVALID, and
 * DID_DEACTIVATED for a deactivated DID (unless `allowDeactivated`).
 */
export async function resolveDid(
  resolver: Resolvable,
  didUrl: string,
  options: DIDResolutionOptions & { allowDeactivated?: boolean } = {},
): Promise<ResolvedDid> {
  if (!resolver || typeof resolver.resolve !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'resolver must be a did-resolver Resolvable')
  }
  if (typeof didUrl !== 'string') throw new CivitasError('DID_INVALID', 'a DID must be a string')
  const { allowDeactivated, ...resolutionOptions } = options ?? {}
  let result: DIDResolutionResult
  try {
    result = await resolver.resolve(didUrl, resolutionOptions)
  } catch (cause) {
    throw new CivitasError('RESOLVER_UNAVAILABLE', `resolving ${didUrl.slice(0, 200)} failed`, { cause })
  }
  // The result may come from any Resolvable: every member is checked before it is used.
  const metadata: DIDResolutionMetadata =
    isRecord(result) && isRecord(result.didResolutionMetadata) ? result.didResolutionMetadata : {}
  const error =
    metadata.error === undefined
      ? undefined
      : typeof metadata.error === 'string'
        ? metadata.error
        : describeValue(metadata.error)
  const details = { did: didUrl.slice(0, 200), error }
  if (error !== undefined || !result?.didDocument) {
    const name = error ?? 'notFound'
    const code: CivitasErrorCode =
      typeof metadata.code === 'string' && CODES_WE_PASS_ON.has(metadata.code)
        ? (metadata.code as CivitasErrorCode)
        : codeForResolutionError(name)
    const message =
      typeof metadata.message === 'string'
        ? metadata.message.slice(0, 1_000)
        : `DID resolution failed: ${describeValue(name)}`
    throw new CivitasError(code, message, { details })
  }
  if (!isRecord(result.didDocument)) {
    throw new CivitasError('DID_DOCUMENT_INVALID', 'the resolved DID document is not an object', { details })
  }
  if (result.didDocumentMetadata?.deactivated === true && !allowDeactivated) {
    throw new CivitasError('DID_DEACTIVATED', `${didUrl.slice(0, 200)} is deactivated`, { details })
  }
  return {
    didDocument: result.didDocument,
    didDocumentMetadata: result.didDocumentMetadata ?? {},
    didResolutionMetadata: metadata,
  }
}

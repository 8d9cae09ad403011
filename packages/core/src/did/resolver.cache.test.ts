import { describe, expect, it, vi } from 'vitest'
import { createResolver, resolveDid } from './resolver.js'
import type { FetchLike } from './web.js'

// The resolution cache: time-to-live on an injected clock, counters, and the rule that
// transient failures are kept only briefly and malformed DIDs not at all (the LRU itself:
// keys/lru.test.ts).

const KEY_A = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
const KEY_B = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG'
const KEY_C = 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf'

function clock(start = 0) {
  const state = { now: start }
  return {
    now: () => state.now,
    advance: (ms: number) => {
      state.now += ms
    },
  }
}

describe('createResolver cache', () => {
  it('counts hits and misses, and expires documents after ttlMs', async () => {
    const c = clock()
    const resolver = createResolver({ web: false, cache: { ttlMs: 1_000, now: c.now } })
    await resolver.resolve(KEY_A)
    await resolver.resolve(KEY_A)
    await resolver.resolve(`${KEY_A}#fragment`) // the fragment does not change the document
    expect(resolver.cacheStats()).toMatchObject({ hits: 2, misses: 1, size: 1 })
    c.advance(1_000)
    await resolver.resolve(KEY_A)
    expect(resolver.cacheStats()).toMatchObject({ hits: 2, misses: 2, expirations: 1 })
  })

  it('keys by what determines the answer: the representation, not a query did:key ignores', async () => {
    const resolver = createResolver({ web: false })
    await resolver.resolve(KEY_A)
    await resolver.resolve(`${KEY_A}?versionId=1`)
    await resolver.resolve(`${KEY_A}?versionId=1#fragment`)
    await resolver.resolve(KEY_A, { accept: 'application/did+json' })
    expect(resolver.cacheStats()).toMatchObject({ hits: 2, misses: 2, size: 2 })
    const plain = await resolver.resolve(KEY_A, { accept: 'application/did+json' })
    expect(plain.didDocument).not.toHaveProperty('@context')
  })

  it('did:web ignores the DID URL query: did:web:victim?r=<n> is one fetch and flushes nothing', async () => {
    const fetch = vi.fn<FetchLike>(async () => new Response(JSON.stringify({ id: 'did:web:victim.example' })))
    const resolver = createResolver({ web: { fetch }, cache: { maxEntries: 2 } })
    await resolver.resolve(KEY_A)
    for (let n = 0; n < 20; n++) {
      const result = await resolver.resolve(`did:web:victim.example?r=${n}`)
      expect(result.didDocument?.id).toBe('did:web:victim.example')
    }
    await resolver.resolve('did:web:victim.example/some/path#key-1')
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(resolver.cacheStats()).toMatchObject({ size: 2, evictions: 0 })
    await resolver.resolve(KEY_A)
    expect(resolver.cacheStats().hits).toBe(19 + 1 + 1)
  })

  it('did:ethr keys versionId and versionTime, and nothing else of the query', async () => {
    const calls: string[] = []
    const provider = {
      get provider() {
        return provider
      },
      async call() {
        calls.push('call')
        return `0x${'0'.repeat(64)}`
      },
      async getNetwork() {
        return { chainId: 1337n, name: 'civitas' }
      },
      async getBlock(n: number) {
        return { number: n, timestamp: 1_700_000_000 + n }
      },
      async getBlockNumber() {
        return 100
      },
      async getLogs() {
        return []
      },
    }
    const resolver = createResolver({
      web: false,
      ethr: {
        networks: [
          {
            name: 'civitas',
            chainId: 1337,
            provider,
            registry: '0xdca7ef03e98e0dc2b855be647c39abe984fcf21b',
          },
        ],
      },
    })
    const did = 'did:ethr:civitas:0xb9c5714089478a327f09197987f16f9e5d936e8a'
    await resolver.resolve(did)
    await resolver.resolve(`${did}?r=1`)
    await resolver.resolve(`${did}?versionId=5`)
    await resolver.resolve(`${did}?versionId=5&r=2`)
    expect(resolver.cacheStats()).toMatchObject({ hits: 2, misses: 2, size: 2 })
  })

  it('holds at most maxEntries documents (LRU)', async () => {
    const resolver = createResolver({ web: false, cache: { maxEntries: 2 } })
    for (const did of [KEY_A, KEY_B, KEY_C]) await resolver.resolve(did)
    expect(resolver.cacheStats()).toMatchObject({ size: 2, evictions: 1, maxEntries: 2 })
    await resolver.resolve(KEY_A) // evicted first
    expect(resolver.cacheStats()).toMatchObject({ hits: 0, misses: 4 })
  })

  it('hands out copies: a caller mutating its document does not change the cached one', async () => {
    const resolver = createResolver({ web: false })
    const first = await resolver.resolve(KEY_A)
    first.didDocument!.assertionMethod = ['did:example:attacker#key']
    const second = await resolver.resolve(KEY_A)
    expect(second.didDocument!.assertionMethod).toEqual([`${KEY_A}#${KEY_A.slice(8)}`])
  })

  it('does not cache malformed DIDs (so garbage cannot evict documents)', async () => {
    const resolver = createResolver({ web: false, cache: { maxEntries: 1 } })
    await resolver.resolve(KEY_A)
    for (let i = 0; i < 5; i++) await resolver.resolve(`did:key:zBad${i}`)
    await resolver.resolve('did:unknown:method')
    expect(resolver.cacheStats().size).toBe(1)
    await resolver.resolve(KEY_A)
    expect(resolver.cacheStats().hits).toBe(1)
  })

  it('keeps notFound / unavailable only for errorTtlMs, then asks again', async () => {
    const c = clock()
    let status = 503
    const fetch = vi.fn<FetchLike>(async () =>
      status === 200
        ? new Response(JSON.stringify({ id: 'did:web:example.com' }))
        : new Response('down', { status }),
    )
    const resolver = createResolver({
      web: { fetch },
      cache: { ttlMs: 60_000, errorTtlMs: 2_000, now: c.now },
    })
    expect((await resolver.resolve('did:web:example.com')).didResolutionMetadata.error).toBe('unavailable')
    expect((await resolver.resolve('did:web:example.com')).didResolutionMetadata.error).toBe('unavailable')
    expect(fetch).toHaveBeenCalledTimes(1) // the burst was absorbed
    status = 200
    c.advance(2_000)
    expect((await resolver.resolve('did:web:example.com')).didDocument?.id).toBe('did:web:example.com')
    expect(fetch).toHaveBeenCalledTimes(2) // recovered as soon as the short error ttl passed
  })

  it('keeps an invalid remote document for errorTtlMs too, so a bad host is not fetched per token', async () => {
    const c = clock()
    const fetch = vi.fn<FetchLike>(async () => new Response(JSON.stringify({ id: 'did:web:other.example' })))
    const resolver = createResolver({ web: { fetch }, cache: { errorTtlMs: 2_000, now: c.now } })
    for (let i = 0; i < 3; i++) {
      const result = await resolver.resolve('did:web:example.com')
      expect(result.didResolutionMetadata).toMatchObject({
        error: 'invalidDidDocument',
        code: 'DID_DOCUMENT_INVALID',
      })
    }
    expect(fetch).toHaveBeenCalledTimes(1)
    c.advance(2_000)
    await resolver.resolve('did:web:example.com')
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('shares one lookup between concurrent resolutions of the same DID', async () => {
    const fetch = vi.fn<FetchLike>(async () => new Response(JSON.stringify({ id: 'did:web:example.com' })))
    const resolver = createResolver({ web: { fetch } })
    const results = await Promise.all([1, 2, 3].map(() => resolver.resolve('did:web:example.com')))
    expect(results.every((r) => r.didDocument?.id === 'did:web:example.com')).toBe(true)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('cache: false resolves every time and reports zero counters', async () => {
    const resolver = createResolver({ web: false, cache: false })
    await resolver.resolve(KEY_A)
    await resolver.resolve(KEY_A)
    expect(resolver.cacheStats()).toMatchObject({ hits: 0, misses: 0, size: 0 })
  })

  it('refuses bad cache options (INVALID_ARGUMENT)', () => {
    expect(() => createResolver({ cache: { ttlMs: -1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => createResolver({ cache: { maxEntries: 0 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('createResolver never crashes on bad input', () => {
  const resolver = createResolver({ web: false })
  const cases: [what: string, did: string, error: string, code: string][] = [
    ['an empty string', '', 'invalidDid', 'DID_INVALID'],
    ['not a DID', 'https://example.com', 'invalidDid', 'DID_INVALID'],
    ['an upper-case method', 'did:KEY:z6Mk', 'invalidDid', 'DID_INVALID'],
    ['a DID with a space', 'did:key:z6Mk abc', 'invalidDid', 'DID_INVALID'],
    ['a 10 MB string', `did:key:z${'a'.repeat(10_000_000)}`, 'invalidDid', 'INPUT_TOO_LARGE'],
    ['an unknown method', 'did:example:123', 'methodNotSupported', 'DID_METHOD_UNSUPPORTED'],
    ['a number', 42 as unknown as string, 'invalidDid', 'DID_INVALID'],
    ['null', null as unknown as string, 'invalidDid', 'DID_INVALID'],
  ]
  it.each(cases.map(([what, did, error, code]) => ({ what, did, error, code })))(
    '$what → $error / $code',
    async ({ did, error, code }) => {
      const result = await resolver.resolve(did)
      expect(result.didDocument).toBeNull()
      expect(result.didResolutionMetadata).toMatchObject({ error, code })
      await expect(resolveDid(resolver, did)).rejects.toMatchObject({ name: 'CivitasError', code })
    },
  )

  it('an unsupported representation → representationNotSupported', async () => {
    const result = await resolver.resolve(KEY_A, { accept: 'application/cbor' })
    expect(result.didResolutionMetadata.error).toBe('representationNotSupported')
  })

  it('resolveDid wraps a foreign resolver that throws into RESOLVER_UNAVAILABLE, with the cause', async () => {
    const boom = new Error('socket hang up')
    const thrown = await resolveDid({ resolve: () => Promise.reject(boom) }, KEY_A).catch((e: unknown) => e)
    expect(thrown).toMatchObject({ code: 'RESOLVER_UNAVAILABLE', cause: boom })
  })

  it("resolveDid maps a foreign resolver's unknown error name, even an inherited one, to DID_NOT_FOUND", async () => {
    for (const error of ['constructor', 'toString', 'somethingElse']) {
      const foreign = {
        resolve: async () => ({
          didResolutionMetadata: { error },
          didDocument: null,
          didDocumentMetadata: {},
        }),
      }
      await expect(resolveDid(foreign, KEY_A), error).rejects.toMatchObject({ code: 'DID_NOT_FOUND' })
    }
  })

  it("resolveDid turns a foreign resolver's unprintable error, or a non-object document, into a CivitasError", async () => {
    const answering = (result: unknown) => ({ resolve: async () => result as never })
    const hostile = { toString: null }
    await expect(
      resolveDid(answering({ didResolutionMetadata: { error: hostile }, didDocument: null }), KEY_A),
    ).rejects.toMatchObject({ name: 'CivitasError', code: 'DID_NOT_FOUND' })
    await expect(resolveDid(answering(hostile), KEY_A)).rejects.toMatchObject({ code: 'DID_NOT_FOUND' })
    await expect(
      resolveDid(answering({ didResolutionMetadata: {}, didDocument: 'did:key:x' }), KEY_A),
    ).rejects.toMatchObject({ code: 'DID_DOCUMENT_INVALID' })
  })

  it('resolveDid throws DID_DEACTIVATED for a deactivated DID unless allowDeactivated', async () => {
    const deactivated = {
      resolve: async () => ({
        didResolutionMetadata: {},
        didDocument: { id: KEY_A },
        didDocumentMetadata: { deactivated: true },
      }),
    }
    await expect(resolveDid(deactivated, KEY_A)).rejects.toMatchObject({ code: 'DID_DEACTIVATED' })
    await expect(resolveDid(deactivated, KEY_A, { allowDeactivated: true })).resolves.toMatchObject({
      didDocument: { id: KEY_A },
    })
  })
})

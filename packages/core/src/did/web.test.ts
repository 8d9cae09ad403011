import { describe, expect, it, vi } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { createResolver, resolveDid } from './resolver.js'
import { didWebUrl, type FetchLike } from './web.js'
import { isPrivateHost } from './web-host.js'

// did:web (https://w3c-ccg.github.io/did-method-web/): DID → HTTPS URL, and the fetch
// guarded by a timeout, a size limit and the id check. Every fetch is injected.

const DID = 'did:web:example.com'
const documentFor = (id: string) => ({
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
  id,
  verificationMethod: [
    {
      id: `${id}#key-1`,
      type: 'JsonWebKey2020',
      controller: id,
      publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' },
    },
  ],
  assertionMethod: [`${id}#key-1`],
})

function serving(body: string | Uint8Array, init: ResponseInit = {}): FetchLike & ReturnType<typeof vi.fn> {
  return vi.fn(async () => new Response(body, { status: 200, ...init })) as never
}

function web(fetch: FetchLike, options: { timeoutMs?: number; maxBytes?: number } = {}) {
  return createResolver({ web: { fetch, ...options }, cache: false })
}

describe('did:web → URL (spec §3.2 "Read")', () => {
  it.each([
    ['did:web:w3c-ccg.github.io', 'https://w3c-ccg.github.io/.well-known/did.json'],
    ['did:web:w3c-ccg.github.io:user:alice', 'https://w3c-ccg.github.io/user/alice/did.json'],
    ['did:web:example.com%3A3000:user:alice', 'https://example.com:3000/user/alice/did.json'],
    ['did:web:Example.COM', 'https://example.com/.well-known/did.json'],
  ])('%s → %s', (did, url) => {
    expect(didWebUrl(did)).toBe(url)
  })

  it('fetches that URL with redirects refused and a DID media type accepted', async () => {
    const fetch = serving(JSON.stringify(documentFor('did:web:example.com:user:alice')))
    await resolveDid(web(fetch), 'did:web:example.com:user:alice#key-1')
    expect(fetch).toHaveBeenCalledOnce()
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('https://example.com/user/alice/did.json')
    expect(init.redirect).toBe('error')
    expect(init.signal).toBeInstanceOf(AbortSignal)
  })
})

const badDids: [what: string, did: string][] = [
  ['path traversal (..)', 'did:web:example.com:..:admin'],
  ['percent-encoded path traversal (%2E%2E)', 'did:web:example.com:%2E%2E:admin'],
  ['a slash smuggled into a path segment (%2F)', 'did:web:example.com:a%2Fb'],
  ['an empty path segment', 'did:web:example.com::alice'],
  ['userinfo in the host (%40)', 'did:web:user%40example.com'],
  ['a host with an underscore', 'did:web:exa_mple.com'],
  ['a label starting with a hyphen', 'did:web:-example.com'],
  ['a port out of range', 'did:web:example.com%3A70000'],
  ['a non-numeric port', 'did:web:example.com%3Ahttp'],
  ['a malformed percent-encoding', 'did:web:example.com%3'],
  ['an empty host label', 'did:web:example..com'],
  ['an IPv4 address (the spec forbids IP addresses)', 'did:web:127.0.0.1'],
  ['an IPv4 address with a port', 'did:web:169.254.169.254%3A80'],
  ['an IPv4 address as one decimal number', 'did:web:2130706433'],
  ['an IPv4 address in hex', 'did:web:0x7f.1'],
]

describe('did:web malformed DIDs → invalidDid / DID_INVALID, and nothing is fetched', () => {
  it.each(badDids)('%s: %s', async (_what, did) => {
    const fetch = serving('{}')
    const resolver = web(fetch)
    const result = await resolver.resolve(did)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'invalidDid', code: 'DID_INVALID' })
    expect(fetch).not.toHaveBeenCalled()
    expect(isCivitasError(await resolveDid(resolver, did).catch((e: unknown) => e), 'DID_INVALID')).toBe(true)
  })
})

describe('did:web fetch failures', () => {
  it('a matching document resolves; with accept application/did+json it has no @context', async () => {
    const resolver = web(serving(JSON.stringify(documentFor(DID))))
    expect((await resolver.resolve(DID)).didDocument).toEqual(documentFor(DID))
    const plain = await resolver.resolve(DID, { accept: 'application/did+json' })
    expect(plain.didDocument?.['@context']).toBeUndefined()
    expect(plain.didResolutionMetadata.contentType).toBe('application/did+json')
  })

  it('document id is another DID → invalidDidDocument / DID_DOCUMENT_INVALID', async () => {
    const resolver = web(serving(JSON.stringify(documentFor('did:web:evil.example'))))
    expect((await resolver.resolve(DID)).didResolutionMetadata).toMatchObject({
      error: 'invalidDidDocument',
      code: 'DID_DOCUMENT_INVALID',
    })
  })

  it('body is not JSON, or not an object → invalidDidDocument / DID_DOCUMENT_INVALID', async () => {
    for (const body of ['<html>hello</html>', '[1,2]', 'null', new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])]) {
      const result = await web(serving(body)).resolve(DID)
      expect(result.didResolutionMetadata).toMatchObject({
        error: 'invalidDidDocument',
        code: 'DID_DOCUMENT_INVALID',
      })
    }
  })

  it('body larger than maxBytes → invalidDidDocument / INPUT_TOO_LARGE (streamed, no content-length)', async () => {
    let pulled = 0
    const endless: FetchLike = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++
            controller.enqueue(new Uint8Array(1024).fill(0x20))
          },
        }),
      )
    const resolver = web(endless, { maxBytes: 4096 })
    const result = await resolver.resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({
      error: 'invalidDidDocument',
      code: 'INPUT_TOO_LARGE',
    })
    expect(pulled).toBeLessThan(10) // it stopped reading instead of buffering the stream
    await expect(resolveDid(resolver, DID)).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' })
  })

  it('declared content-length above maxBytes is refused before reading', async () => {
    const fetch = serving(JSON.stringify(documentFor(DID)), { headers: { 'content-length': '999999' } })
    const result = await web(fetch, { maxBytes: 1000 }).resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({ code: 'INPUT_TOO_LARGE' })
  })

  it('a server that never answers → unavailable / RESOLVER_UNAVAILABLE after the timeout (fake clock)', async () => {
    vi.useFakeTimers()
    try {
      // This fetch ignores its abort signal on purpose: the resolver must not wait for it.
      const hanging: FetchLike = () => new Promise<Response>(() => {})
      const pending = web(hanging, { timeoutMs: 5_000 }).resolve(DID)
      await vi.advanceTimersByTimeAsync(5_000)
      const result = await pending
      expect(result.didResolutionMetadata).toMatchObject({
        error: 'unavailable',
        code: 'RESOLVER_UNAVAILABLE',
      })
      expect(result.didResolutionMetadata.message).toMatch(/timed out/)
    } finally {
      vi.useRealTimers()
    }
  })

  it('a network error → unavailable / RESOLVER_UNAVAILABLE, without the raw stack', async () => {
    const failing: FetchLike = async () => {
      throw new TypeError('fetch failed')
    }
    const result = await web(failing).resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'RESOLVER_UNAVAILABLE' })
    expect(JSON.stringify(result)).not.toMatch(/\n\s+at /)
  })

  it.each([
    [404, 'notFound', 'DID_NOT_FOUND'],
    [410, 'notFound', 'DID_NOT_FOUND'],
    [403, 'notFound', 'DID_NOT_FOUND'],
    [500, 'unavailable', 'RESOLVER_UNAVAILABLE'],
    [503, 'unavailable', 'RESOLVER_UNAVAILABLE'],
    [429, 'unavailable', 'RESOLVER_UNAVAILABLE'],
  ])('HTTP %i → %s / %s', async (status, error, code) => {
    const resolver = web(serving('nope', { status }))
    expect((await resolver.resolve(DID)).didResolutionMetadata).toMatchObject({ error, code })
    await expect(resolveDid(resolver, DID)).rejects.toMatchObject({ code })
  })

  it('allowHost keeps requests to hosts the deployment refuses (notFound, nothing fetched)', async () => {
    const fetch = serving(JSON.stringify(documentFor(DID)))
    const resolver = createResolver({ web: { fetch, allowHost: (host) => host.endsWith('.example') } })
    const result = await resolver.resolve('did:web:metadata.internal')
    expect(result.didResolutionMetadata).toMatchObject({ error: 'notFound', code: 'DID_NOT_FOUND' })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('did:web can be switched off → methodNotSupported / DID_METHOD_UNSUPPORTED', async () => {
    const result = await createResolver({ web: false }).resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({
      error: 'methodNotSupported',
      code: 'DID_METHOD_UNSUPPORTED',
    })
  })

  it('bad options are refused at creation (INVALID_ARGUMENT)', () => {
    expect(() => createResolver({ web: { timeoutMs: 0 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => createResolver({ web: { maxBytes: -1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('did:web refuses loopback, private and local-use hosts unless allowHost permits them', () => {
  it.each([
    'did:web:localhost',
    'did:web:localhost%3A6379',
    'did:web:LOCALHOST',
    'did:web:api.localhost',
    'did:web:printer.local',
    'did:web:metadata.google.internal',
    'did:web:router.home.arpa',
    'did:web:intranet',
    'did:web:intranet:user:alice',
  ])('%s → notFound / DID_NOT_FOUND, nothing fetched', async (did) => {
    const fetch = serving(JSON.stringify(documentFor(did)))
    const result = await web(fetch).resolve(did)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'notFound', code: 'DID_NOT_FOUND' })
    expect(result.didResolutionMetadata.message).toMatch(/not allowed/)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('allowHost decides alone: a real HTTP server on 127.0.0.1 named localhost', async () => {
    const { createServer } = await import('node:http')
    const did = 'did:web:localhost%3APORT'
    const server = createServer((request, response) => {
      const port = (server.address() as { port: number }).port
      response.setHeader('content-type', 'application/did+json')
      response.end(JSON.stringify(documentFor(did.replace('PORT', String(port)))))
      expect(request.url).toBe('/.well-known/did.json')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const seen: string[] = []
      // did:web is HTTPS only; the test server speaks plain HTTP, so only the scheme is swapped.
      const plainHttp: FetchLike = (url, init) => {
        seen.push(url)
        return fetch(url.replace(`https://localhost:${port}`, `http://127.0.0.1:${port}`), init)
      }
      const resolver = createResolver({
        web: { fetch: plainHttp, allowHost: (host) => host === 'localhost' },
        cache: false,
      })
      const { didDocument } = await resolveDid(resolver, did.replace('PORT', String(port)))
      expect(didDocument.id).toBe(`did:web:localhost%3A${port}`)
      expect(seen).toEqual([`https://localhost:${port}/.well-known/did.json`])
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('isPrivateHost', () => {
  it.each([
    ['localhost', true],
    ['a.b.localhost', true],
    ['nas.local', true],
    ['nas.local.', true],
    ['corp.internal', true],
    ['intranet', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['[::1]', true],
    ['::', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:a9fe:a9fe', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['example.com', false],
    ['w3c-ccg.github.io', false],
    ['localhost.example.com', false],
    ['172.32.0.1', false],
    ['8.8.8.8', false],
    ['2001:db8::1', false],
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
  ])('%s → %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected)
  })

  it('a host that is not a string → INVALID_ARGUMENT', () => {
    expect(() => isPrivateHost(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('did:web documents nested to exhaust the stack', () => {
  const deep = (levels: number) => `{"id":"${DID}","service":${'['.repeat(levels)}${']'.repeat(levels)}}`

  it('5,000 nested arrays → invalidDidDocument / DID_DOCUMENT_INVALID, kept only as an error', async () => {
    const fetch = serving(deep(5_000))
    let now = 0
    const resolver = createResolver({ web: { fetch }, cache: { errorTtlMs: 2_000, now: () => now } })
    for (let i = 0; i < 3; i++) {
      const result = await resolver.resolve(DID)
      expect(result.didDocument).toBeNull()
      expect(result.didResolutionMetadata).toMatchObject({
        error: 'invalidDidDocument',
        code: 'DID_DOCUMENT_INVALID',
      })
      await expect(resolveDid(resolver, DID)).rejects.toMatchObject({ code: 'DID_DOCUMENT_INVALID' })
    }
    expect(fetch).toHaveBeenCalledTimes(1)
    now += 2_000
    await resolver.resolve(DID)
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('a document of ordinary depth still resolves', async () => {
    const result = await web(serving(deep(20))).resolve(DID)
    expect(result.didDocument?.id).toBe(DID)
  })
})

describe('resolve() with hostile arguments answers, never throws', () => {
  const hostile = { toString: null } as unknown as string
  it('an accept that cannot be printed → representationNotSupported', async () => {
    const resolver = createResolver({ web: { fetch: serving('{}') } })
    const result = await resolver.resolve(DID, { accept: hostile })
    expect(result.didResolutionMetadata).toMatchObject({ error: 'representationNotSupported' })
  })

  it('a fetch that throws something that cannot be printed → unavailable', async () => {
    const throwing: FetchLike = async () => {
      throw { toString: null }
    }
    const result = await web(throwing).resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'RESOLVER_UNAVAILABLE' })
  })

  it('a document id that cannot be printed → invalidDidDocument', async () => {
    const result = await web(serving('{"id":{"toString":null}}')).resolve(DID)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'invalidDidDocument' })
  })
})

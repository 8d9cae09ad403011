import type { DIDDocument, DIDResolver } from 'did-resolver'
import { describe, expect, it, vi } from 'vitest'
import { signJws } from '../jose/sign.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { createResolver, resolveDid } from './resolver.js'
import { verifyJwsWithDid } from './verify.js'

// createResolver({ resolvers }): extra DID methods in did-resolver's registry shape (as
// @cef-ebsi/ebsi-did-resolver's getResolver() returns them), cached and vetted like ours.

const EBSI_DID = 'did:ebsi:zZeKyEJfUTGwajhNyNX928z'

function ebsiDocument(publicKeyJwk: object = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }): DIDDocument {
  return {
    id: EBSI_DID,
    verificationMethod: [
      { id: `${EBSI_DID}#key-1`, type: 'JsonWebKey2020', controller: EBSI_DID, publicKeyJwk },
    ],
    assertionMethod: [`${EBSI_DID}#key-1`],
  } as DIDDocument
}

function answering(document: unknown): DIDResolver & ReturnType<typeof vi.fn> {
  return vi.fn(async () => ({
    didResolutionMetadata: { contentType: 'application/did+ld+json' },
    didDocument: document,
    didDocumentMetadata: {},
  })) as never
}

describe('createResolver({ resolvers }): extra DID methods', () => {
  it('resolves did:ebsi through the given resolver, called as did-resolver calls it, and caches it', async () => {
    const ebsi = answering(ebsiDocument())
    const resolver = createResolver({ web: false, resolvers: { ebsi } })
    const first = await resolveDid(resolver, `${EBSI_DID}#key-1`)
    expect(first.didDocument.id).toBe(EBSI_DID)
    await resolver.resolve(EBSI_DID)
    expect(ebsi).toHaveBeenCalledTimes(1)
    const [did, parsed, parent] = ebsi.mock.calls[0] as [string, { method: string }, { resolve: unknown }]
    expect(did).toBe(EBSI_DID)
    expect(parsed.method).toBe('ebsi')
    expect(typeof parent.resolve).toBe('function')
    expect(resolver.cacheStats()).toMatchObject({ hits: 1, misses: 1 })
  })

  it('a resolver we do not know keeps its whole query in the cache key', async () => {
    const ebsi = answering(ebsiDocument())
    const resolver = createResolver({ web: false, resolvers: { ebsi } })
    await resolver.resolve(`${EBSI_DID}?versionTime=2024-01-01T00:00:00Z`)
    await resolver.resolve(EBSI_DID)
    expect(ebsi).toHaveBeenCalledTimes(2)
  })

  it('verifyJwsWithDid verifies a token of a did:ebsi issuer through it', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256')
    const resolver = createResolver({ web: false, resolvers: { ebsi: answering(ebsiDocument(publicJwk)) } })
    const jws = await signJws({ iss: EBSI_DID }, localSigner(privateJwk, { kid: `${EBSI_DID}#key-1` }))
    await expect(verifyJwsWithDid(jws, { resolver })).resolves.toMatchObject({
      verificationMethod: { id: `${EBSI_DID}#key-1` },
    })
  })

  it('its answer is our own copy: the resolver changing its object later changes nothing', async () => {
    const document = ebsiDocument()
    const resolver = createResolver({ web: false, resolvers: { ebsi: answering(document) } })
    await resolver.resolve(EBSI_DID)
    document.assertionMethod = ['did:ebsi:attacker#key']
    expect((await resolver.resolve(EBSI_DID)).didDocument?.assertionMethod).toEqual([`${EBSI_DID}#key-1`])
  })

  it.each([
    ['throws', vi.fn(async () => Promise.reject(new Error('boom'))), 'internalError'],
    ['throws something unprintable', vi.fn(async () => Promise.reject({ toString: null })), 'internalError'],
    ['returns no result object', vi.fn(async () => 'nope'), 'internalError'],
    ['returns a document holding a function', answering({ id: EBSI_DID, f: () => 1 }), 'internalError'],
    [
      'returns a document nested 5,000 deep',
      answering({ id: EBSI_DID, service: JSON.parse(`${'['.repeat(5_000)}${']'.repeat(5_000)}`) }),
      'invalidDidDocument',
    ],
  ])('a resolver that %s → %s, never a throw', async (_what, ebsi, error) => {
    const resolver = createResolver({ web: false, resolvers: { ebsi: ebsi as unknown as DIDResolver } })
    const result = await resolver.resolve(EBSI_DID)
    expect(result.didDocument).toBeNull()
    expect(result.didResolutionMetadata.error).toBe(error)
    await expect(resolveDid(resolver, EBSI_DID)).rejects.toMatchObject({ name: 'CivitasError' })
  })

  it('a resolver that never answers → unavailable after resolverTimeoutMs', async () => {
    const hanging: DIDResolver = () => new Promise(() => {})
    const resolver = createResolver({ web: false, resolvers: { ebsi: hanging }, resolverTimeoutMs: 20 })
    const result = await resolver.resolve(EBSI_DID)
    expect(result.didResolutionMetadata).toMatchObject({ error: 'unavailable', code: 'RESOLVER_UNAVAILABLE' })
  })

  it('did:web may be supplied when the built-in one is off', async () => {
    const web = answering({ id: 'did:web:example.com' })
    const resolver = createResolver({ web: false, resolvers: { web } })
    expect((await resolver.resolve('did:web:example.com')).didDocument?.id).toBe('did:web:example.com')
  })

  it.each([
    ['a built-in method (key)', { key: answering({}) }],
    ['a built-in method (web, while on)', { web: answering({}) }],
    ['not a function', { ebsi: 'https://resolver.example' }],
    ['not a DID method name', { EBSI: answering({}) }],
  ])('refuses %s (INVALID_ARGUMENT)', (_what, resolvers) => {
    expect(() => createResolver({ resolvers: resolvers as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('refuses a registry that is not an object, and a bad resolverTimeoutMs (INVALID_ARGUMENT)', () => {
    expect(() => createResolver({ resolvers: 5 as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => createResolver({ resolverTimeoutMs: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import { isCivitasError } from '../errors/index.js'
import { didJwkFromJwk, parseDidJwk } from './jwk.js'
import { createResolver, resolveDid } from './resolver.js'
import { readJson, VECTOR_SOURCES } from './test-utils/vectors.js'

// did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md): the spec's two examples,
// the "use" rule for verification relationships, and what the spec forbids.

interface DidJwkVector {
  input: { did: string; didUrl: string }
  expected: { decodedJwk: Record<string, string>; didDocument: Record<string, unknown> }
}

const resolver = createResolver({ web: false, cache: false })

for (const source of VECTOR_SOURCES) {
  describe(`did:jwk spec examples (${source.name})`, () => {
    const vectors = ['spec-example-p256.json', 'spec-example-x25519-enc.json'].map((file) => [
      file,
      source.present ? readJson<DidJwkVector>(source.dir, `did-jwk/${file}`) : undefined,
    ])

    it.each(vectors)('%s resolves to exactly the spec document', async (_file, vector) => {
      const v = vector as DidJwkVector
      const result = await resolver.resolve(v.input.didUrl)
      expect(result.didDocument).toEqual(v.expected.didDocument)
      expect(parseDidJwk(v.input.did).jwk).toEqual(v.expected.decodedJwk)
    })
  })
}

const P256 = {
  crv: 'P-256',
  kty: 'EC',
  x: 'acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0',
  y: '_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE',
}
const SPEC_P256_DID =
  'did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9'

function didJwkOf(value: unknown): string {
  return `did:jwk:${base64urlEncode(JSON.stringify(value))}`
}

describe('did:jwk creation and the "use" member', () => {
  it('didJwkFromJwk gives the spec DID for the spec key, whatever the member order', () => {
    expect(didJwkFromJwk({ y: P256.y, x: P256.x, kty: 'EC', crv: 'P-256' })).toBe(SPEC_P256_DID)
  })

  it('use "sig" → every relationship but keyAgreement', async () => {
    const { didDocument } = await resolveDid(resolver, didJwkFromJwk({ ...P256, use: 'sig' }))
    expect(didDocument.assertionMethod).toHaveLength(1)
    expect(didDocument.authentication).toHaveLength(1)
    expect(didDocument.keyAgreement).toBeUndefined()
  })

  it('didJwkFromJwk refuses a private key rather than publishing it (KEY_INVALID)', () => {
    expect(() => didJwkFromJwk({ ...P256, d: P256.x })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
  })
})

const malformed: [what: string, did: string, error: string, code: string][] = [
  ['not base64url (+ and /)', 'did:jwk:eyJ+/', 'invalidDid', 'DID_INVALID'],
  ['padded base64url', `${SPEC_P256_DID}=`, 'invalidDid', 'DID_INVALID'],
  [
    'base64url of something that is not JSON',
    `did:jwk:${base64urlEncode('not json')}`,
    'invalidDid',
    'DID_INVALID',
  ],
  ['a JSON array, not a JWK', didJwkOf([P256]), 'invalidDid', 'DID_INVALID'],
  [
    'a JSON object without kty',
    didJwkOf({ crv: 'P-256', x: P256.x, y: P256.y }),
    'invalidDid',
    'DID_INVALID',
  ],
  ['a private key (d)', didJwkOf({ ...P256, d: P256.x }), 'invalidPublicKey', 'KEY_INVALID'],
  ['a symmetric key (oct, k)', didJwkOf({ kty: 'oct', k: 'c2VjcmV0' }), 'invalidPublicKey', 'KEY_INVALID'],
  ['a point off the curve', didJwkOf({ ...P256, y: P256.x }), 'invalidPublicKey', 'KEY_INVALID'],
  [
    'a coordinate of the wrong length',
    didJwkOf({ ...P256, x: 'AAAA' }),
    'invalidPublicKeyLength',
    'KEY_INVALID',
  ],
  ['an unknown curve', didJwkOf({ ...P256, crv: 'P-192' }), 'unsupportedPublicKeyType', 'UNSUPPORTED_CURVE'],
  ['an unknown "use"', didJwkOf({ ...P256, use: 'both' }), 'invalidDid', 'DID_INVALID'],
  ['an over-long id', `did:jwk:${'A'.repeat(5000)}`, 'invalidDid', 'INPUT_TOO_LARGE'],
  // Members that cannot be printed or are not strings: the DID is malformed, not a resolver fault.
  [
    'a crv that is an object with toString: null',
    didJwkOf({ ...P256, crv: { toString: null } }),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'a kty that is an object',
    `did:jwk:${base64urlEncode('{"kty":{"toString":null},"crv":"P-256"}')}`,
    'invalidDid',
    'DID_INVALID',
  ],
  ['an x that is an array', didJwkOf({ ...P256, x: [P256.x] }), 'invalidDid', 'DID_INVALID'],
  ['an alg that is a number', didJwkOf({ ...P256, alg: 7 }), 'invalidDid', 'DID_INVALID'],
  [
    'a member nested deeper than a JWK has',
    didJwkOf({ ...P256, x5c: [[[[['deep']]]]] }),
    'invalidDid',
    'DID_INVALID',
  ],
]

describe('did:jwk malformed DIDs', () => {
  const cases = malformed.map(([what, did, error, code]) => ({ what, did, error, code }))
  it.each(cases)('$what → $error / $code', async ({ did, error, code }) => {
    const result = await resolver.resolve(did)
    expect(result.didDocument).toBeNull()
    expect(result.didResolutionMetadata).toMatchObject({ error, code })
    const thrown = await resolveDid(resolver, did).catch((e: unknown) => e)
    expect(isCivitasError(thrown, code as never)).toBe(true)
  })
})

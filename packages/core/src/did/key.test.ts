import { base58 } from '@scure/base'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { didKeyFromJwk, parseDidKey } from './key.js'
import { createResolver, resolveDid } from './resolver.js'
import { readJson, VECTOR_SOURCES } from './test-utils/vectors.js'

// W3C CCG did:key method (https://w3c-ccg.github.io/did-method-key/) and EBSI's jwk_jcs-pub
// variant, checked against the spec's test vectors and EBSI's published example.

interface ExpectedKey {
  multicodec: string
  expectedPublicKeyJwk: Record<string, string>
  expectedVerificationMethodId: string
  expectedX25519KeyAgreement?: { id: string; x25519PublicKeyJwk: Record<string, string> }
}

const resolver = createResolver({ web: false, cache: false })

for (const source of VECTOR_SOURCES) {
  describe(`did:key vectors (${source.name})`, () => {
    const expected = source.present
      ? readJson<{ entries: Record<string, ExpectedKey> }>(source.dir, 'did-key/expected-public-keys.json')
          .entries
      : {}

    it.each(Object.entries(expected))(
      'resolves %s to its public key and verification-method id',
      async (did, entry) => {
        const { didDocument } = await resolveDid(resolver, did)
        const vm = didDocument.verificationMethod?.find((m) => m.id === entry.expectedVerificationMethodId)
        expect(vm?.publicKeyJwk).toEqual(entry.expectedPublicKeyJwk)
        expect(didDocument.assertionMethod).toEqual([entry.expectedVerificationMethodId])
        expect(didDocument.authentication).toEqual([entry.expectedVerificationMethodId])
        if (entry.expectedX25519KeyAgreement) {
          // Ed25519 keys get the birationally equivalent X25519 key for keyAgreement.
          const agreement = entry.expectedX25519KeyAgreement
          expect(didDocument.keyAgreement).toEqual([agreement.id])
          const x25519 = didDocument.verificationMethod?.find((m) => m.id === agreement.id)
          expect(x25519?.publicKeyJwk).toEqual(agreement.x25519PublicKeyJwk)
        }
        // And back: the same JWK gives the same DID, whatever the JWK member order.
        const shuffled = Object.fromEntries(Object.entries(entry.expectedPublicKeyJwk).reverse())
        expect(didKeyFromJwk(shuffled)).toBe(did)
      },
    )

    // Entries whose upstream document uses JsonWebKey2020 throughout are compared whole.
    const documents = source.present
      ? ['ed25519-x25519.json', 'secp256k1.json', 'nist-curves.json'].flatMap((file) =>
          Object.entries(
            readJson<Record<string, { didDocument: { verificationMethod: { type: string }[] } }>>(
              source.dir,
              `did-key/w3c-ccg-test-vectors/${file}`,
            ),
          ).filter(([, v]) => v.didDocument.verificationMethod.every((m) => m.type === 'JsonWebKey2020')),
        )
      : []

    it('has JsonWebKey2020 documents for every curve among the upstream vectors', () => {
      expect(documents.length).toBeGreaterThanOrEqual(6)
    })

    it.each(documents)('produces the upstream JsonWebKey2020 document of %s exactly', async (did, vector) => {
      const result = await resolver.resolve(did)
      expect(result.didDocument).toEqual(vector.didDocument)
      expect(result.didResolutionMetadata.contentType).toBe('application/did+ld+json')
    })

    const ebsi = source.present
      ? readJson<{
          input: { did: string; jwk: Record<string, string> }
          expected: { embeddedUtf8: string; createDidFromJwk: string; resolution_accept_didLdJson: unknown }
        }>(source.dir, 'did-key/ebsi-jwk-jcs-pub-p256.json')
      : undefined

    it('EBSI jwk_jcs-pub: resolves to exactly the document of EBSI key-did-resolver (no keyAgreement)', async () => {
      const result = await resolver.resolve(ebsi!.input.did, { accept: 'application/did+ld+json' })
      expect(result).toEqual(ebsi!.expected.resolution_accept_didLdJson)
      expect(result.didDocument?.keyAgreement).toBeUndefined()
    })

    it('EBSI jwk_jcs-pub: createDid(jwk) gives the DID whatever the member order or extra members', () => {
      const { jwk } = ebsi!.input
      expect(didKeyFromJwk(jwk, { format: 'jwk_jcs-pub' })).toBe(ebsi!.expected.createDidFromJwk)
      const reordered = {
        y: jwk.y,
        x: jwk.x,
        kty: jwk.kty,
        crv: jwk.crv,
        kid: 'k-1',
        alg: 'ES256',
        use: 'sig',
      }
      expect(didKeyFromJwk(reordered, { format: 'jwk_jcs-pub' })).toBe(ebsi!.expected.createDidFromJwk)
      expect(parseDidKey(ebsi!.input.did)).toMatchObject({ format: 'jwk_jcs-pub', publicJwk: jwk })
    })
  })
}

// ── malformed did:key: each failure has its DID Resolution error and its CivitasError code ──

function didKeyOf(bytes: number[] | Uint8Array): string {
  return `did:key:z${base58.encode(Uint8Array.from(bytes))}`
}

function jcsDid(json: string): string {
  return didKeyOf([0xd1, 0xd6, 0x03, ...new TextEncoder().encode(json)])
}

const P256_X = 'ngy44T1vxAT6Di4nr-UaM9K3Tlnz9pkoksDokKFkmNc'
const P256_Y = 'QCRfOKlSM31GTkb4JHx3nXB4G_jSPMsbdjzlkT_UpPc'
const ED25519_DID = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
const ed25519Bytes = base58.decode(ED25519_DID.slice('did:key:z'.length))
// x = 1 is not the x-coordinate of any P-256 point (1 - 3 + b is a quadratic non-residue).
const offCurveP256 = [0x80, 0x24, 0x02, ...new Array(31).fill(0), 1]

const malformed: [what: string, did: string, error: string, code: string][] = [
  ['multibase prefix is not z (base58btc)', `did:key:m${ED25519_DID.slice(9)}`, 'invalidDid', 'DID_INVALID'],
  [
    'base58 with a character outside the alphabet (0)',
    'did:key:z6Mk0TBz1ymuepAQ4HEH',
    'invalidDid',
    'DID_INVALID',
  ],
  ['only the multibase prefix', 'did:key:z', 'invalidDid', 'DID_INVALID'],
  [
    'non-minimal varint (0xed as ed 81 00)',
    didKeyOf([0xed, 0x81, 0x00, ...ed25519Bytes.subarray(2)]),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'unknown multicodec (0x55 raw)',
    didKeyOf([0x55, ...ed25519Bytes.subarray(2)]),
    'unsupportedPublicKeyType',
    'UNSUPPORTED_CURVE',
  ],
  [
    'Ed25519 key one byte short',
    didKeyOf(ed25519Bytes.subarray(0, 33)),
    'invalidPublicKeyLength',
    'KEY_INVALID',
  ],
  [
    'Ed25519 key with a trailing byte',
    didKeyOf([...ed25519Bytes, 0]),
    'invalidPublicKeyLength',
    'KEY_INVALID',
  ],
  [
    'jwk_jcs-pub with a crv that is an object with toString: null',
    jcsDid('{"crv":{"toString":null},"kty":"EC","x":"a","y":"b"}'),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'jwk_jcs-pub with a kty that is an object with toString: null',
    jcsDid('{"crv":"P-256","kty":{"toString":null},"x":"a","y":"b"}'),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'jwk_jcs-pub with a trailing byte after the JSON',
    jcsDid(`${JSON.stringify({ crv: 'P-256', kty: 'EC', x: P256_X, y: P256_Y })}\n`),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'uncompressed P-256 point (did:key requires compressed)',
    didKeyOf([0x80, 0x24, 0x04, ...new Array(64).fill(1)]),
    'invalidPublicKeyLength',
    'KEY_INVALID',
  ],
  ['P-256 point not on the curve', didKeyOf(offCurveP256), 'invalidPublicKey', 'KEY_INVALID'],
  // The Ed25519 identity point (y = 1): any message has a valid signature under it.
  [
    'small-order Ed25519 key',
    didKeyOf([0xed, 0x01, 1, ...new Array(31).fill(0)]),
    'invalidPublicKey',
    'KEY_INVALID',
  ],
  [
    'secp256k1 key with a bad SEC1 tag (0x05)',
    didKeyOf([0xe7, 0x01, 0x05, ...new Array(32).fill(7)]),
    'invalidPublicKey',
    'KEY_INVALID',
  ],
  [
    'jwk_jcs-pub with members out of JCS order',
    jcsDid(JSON.stringify({ kty: 'EC', crv: 'P-256', x: P256_X, y: P256_Y })),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'jwk_jcs-pub with an extra member (kid)',
    jcsDid(JSON.stringify({ crv: 'P-256', kid: 'k', kty: 'EC', x: P256_X, y: P256_Y })),
    'invalidDid',
    'DID_INVALID',
  ],
  [
    'jwk_jcs-pub with whitespace',
    jcsDid(`{"crv": "P-256","kty":"EC","x":"${P256_X}","y":"${P256_Y}"}`),
    'invalidDid',
    'DID_INVALID',
  ],
  ['jwk_jcs-pub that is not JSON', jcsDid('{"crv":'), 'invalidDid', 'DID_INVALID'],
  [
    'jwk_jcs-pub with a private key (d)',
    jcsDid(JSON.stringify({ crv: 'P-256', d: P256_X, kty: 'EC', x: P256_X, y: P256_Y })),
    'invalidPublicKey',
    'KEY_INVALID',
  ],
  [
    'jwk_jcs-pub with a point off the curve',
    jcsDid(JSON.stringify({ crv: 'P-256', kty: 'EC', x: P256_X, y: P256_X })),
    'invalidPublicKey',
    'KEY_INVALID',
  ],
  [
    'did:key id with a colon (version segment)',
    `did:key:1:${ED25519_DID.slice(8)}`,
    'invalidDid',
    'DID_INVALID',
  ],
  ['over-long did:key id', `did:key:z${'1'.repeat(5000)}`, 'invalidDid', 'INPUT_TOO_LARGE'],
]

describe('did:key malformed DIDs (did:key spec §"Decode Public Key" errors)', () => {
  const cases = malformed.map(([what, did, error, code]) => ({ what, did, error, code }))
  it.each(cases)('$what → $error / $code', async ({ did, error, code }) => {
    const result = await resolver.resolve(did)
    expect(result.didDocument).toBeNull()
    expect(result.didResolutionMetadata).toMatchObject({ error, code })
    const thrown = await resolveDid(resolver, did).catch((e: unknown) => e)
    expect(isCivitasError(thrown, code as never)).toBe(true)
  })
})

describe('didKeyFromJwk input guards', () => {
  it('rejects a private JWK (KEY_INVALID): pass the public JWK', () => {
    expect(() => didKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: ed25519X(), d: ed25519X() })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
  })
  it('rejects an unsupported curve (UNSUPPORTED_CURVE) and an unknown format (INVALID_ARGUMENT)', () => {
    expect(() => didKeyFromJwk({ kty: 'EC', crv: 'brainpoolP256r1', x: 'AA', y: 'AA' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_CURVE' }),
    )
    expect(() =>
      didKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: ed25519X() }, { format: 'x' as never }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
  it('makes X25519 did:keys that can only agree keys', async () => {
    const did = didKeyFromJwk({ kty: 'OKP', crv: 'X25519', x: 'W_Vcc7guviK-gPNDBmevVw-uJVamQV5rMNQGUwCqlH0' })
    expect(did.startsWith('did:key:z6LS')).toBe(true)
    const { didDocument } = await resolveDid(resolver, did)
    expect(didDocument.keyAgreement).toEqual([`${did}#${did.slice(8)}`])
    expect(didDocument.assertionMethod).toBeUndefined()
  })
})

function ed25519X(): string {
  return 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik'
}

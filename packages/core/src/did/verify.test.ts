import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { DIDDocument, DIDResolutionResult, JsonWebKey } from 'did-resolver'
import { describe, expect, it, vi } from 'vitest'
import { base64urlDecode } from '../encoding/base64url.js'
import { decodeJws } from '../jose/decode.js'
import { ethereumAddressOfPublicKey } from '../jose/ethereum.js'
import { signJws } from '../jose/sign.js'
import type { SignatureAlgorithm } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { didJwkFromJwk } from './jwk.js'
import { didKeyFromJwk } from './key.js'
import { createResolver } from './resolver.js'
import { verifyDecodedJwsWithDid, verifyJwsWithDid } from './verify.js'

// verifyJwsWithDid: the signer's key is found through its DID document (kid → DID →
// verification relationship → key) and the JWS is checked with that key only.

const resolver = createResolver({ web: false })
const payload = { iss: 'did:example', claim: 'ça marche' }
const decoded = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes))

async function didKeyIssuer(alg: SignatureAlgorithm, format: 'multicodec' | 'jwk_jcs-pub' = 'multicodec') {
  const { privateJwk, publicJwk } = await generateKeyPair(alg)
  const did = didKeyFromJwk(publicJwk, { format })
  const kid = `${did}#${did.slice('did:key:'.length)}`
  return { did, kid, privateJwk, publicJwk, signer: localSigner(privateJwk, { kid }) }
}

function staticResolver(document: DIDDocument, metadata: Partial<DIDResolutionResult> = {}) {
  return {
    resolve: vi.fn(async () => ({
      didResolutionMetadata: {},
      didDocument: document,
      didDocumentMetadata: {},
      ...metadata,
    })),
  }
}

describe('verifyJwsWithDid: did:key and did:jwk signers', () => {
  it.each(['EdDSA', 'ES256', 'ES256K', 'ES384'] as const)('%s did:key with a DID URL kid', async (alg) => {
    const issuer = await didKeyIssuer(alg)
    const jws = await signJws(payload, issuer.signer)
    const result = await verifyJwsWithDid(jws, { resolver })
    expect(decoded(result.payload)).toEqual(payload)
    expect(result.header).toMatchObject({ alg, kid: issuer.kid })
    expect(result.verificationMethod.id).toBe(issuer.kid)
    expect(result.didDocument.id).toBe(issuer.did)
  })

  it('EBSI jwk_jcs-pub did:key (ES256)', async () => {
    const issuer = await didKeyIssuer('ES256', 'jwk_jcs-pub')
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws, { resolver, did: issuer.did })).resolves.toMatchObject({
      verificationMethod: { id: issuer.kid },
    })
  })

  it('did:jwk with kid #0, and purpose authentication', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256')
    const did = didJwkFromJwk(publicJwk)
    const jws = await signJws(payload, localSigner(privateJwk, { kid: `${did}#0` }))
    const result = await verifyJwsWithDid(jws, { resolver, purpose: 'authentication' })
    expect(result.verificationMethod.id).toBe(`${did}#0`)
  })

  it('a relative kid (#fragment) resolves against options.did', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, localSigner(issuer.privateJwk, { kid: `#${issuer.did.slice(8)}` }))
    await expect(verifyJwsWithDid(jws, { resolver, did: issuer.did })).resolves.toMatchObject({
      verificationMethod: { id: issuer.kid },
    })
  })

  it('without a kid, every key of the relationship is tried', async () => {
    const issuer = await didKeyIssuer('ES256K')
    const jws = await signJws(payload, localSigner(issuer.privateJwk))
    await expect(verifyJwsWithDid(jws, { resolver, did: issuer.did })).resolves.toMatchObject({
      verificationMethod: { id: issuer.kid },
    })
  })
})

describe('verifyJwsWithDid failures, each with its code', () => {
  it('a tampered payload → SIGNATURE_INVALID', async () => {
    const issuer = await didKeyIssuer('ES256')
    const [h, , s] = (await signJws(payload, issuer.signer)).split('.')
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, claim: 'forged' })).toString('base64url')}.${s}`
    await expect(verifyJwsWithDid(forged, { resolver })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it("another key claiming the DID's kid → SIGNATURE_INVALID", async () => {
    const victim = await didKeyIssuer('EdDSA')
    const attacker = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, localSigner(attacker.privateJwk, { kid: victim.kid }))
    await expect(verifyJwsWithDid(jws, { resolver })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
  })

  it('no kid and the wrong key → SIGNATURE_INVALID', async () => {
    const victim = await didKeyIssuer('ES256')
    const attacker = await didKeyIssuer('ES256')
    const jws = await signJws(payload, localSigner(attacker.privateJwk))
    await expect(verifyJwsWithDid(jws, { resolver, did: victim.did })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
  })

  it("the kid's DID is not the expected DID → KEY_NOT_FOUND", async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const other = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws, { resolver, did: other.did })).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
    })
  })

  it('a kid naming a key outside the relationship (the X25519 keyAgreement key) → KEY_NOT_FOUND', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const { didDocument } = await resolver.resolve(issuer.did)
    const agreementId = didDocument!.keyAgreement![0] as string
    const jws = await signJws(payload, localSigner(issuer.privateJwk, { kid: agreementId }))
    await expect(verifyJwsWithDid(jws, { resolver })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
  })

  it('an algorithm outside options.algorithms → UNSUPPORTED_ALG, before any resolution', async () => {
    const issuer = await didKeyIssuer('ES256K')
    const spy = { resolve: vi.fn(resolver.resolve) }
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws, { resolver: spy, algorithms: ['ES256'] })).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALG',
    })
    expect(spy.resolve).not.toHaveBeenCalled()
  })

  it('header alg that does not fit the key → ALG_KEY_MISMATCH', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const es256 = await generateKeyPair('ES256')
    const jws = await signJws(payload, localSigner(es256.privateJwk, { kid: issuer.kid }))
    await expect(verifyJwsWithDid(jws, { resolver })).rejects.toMatchObject({ code: 'ALG_KEY_MISMATCH' })
  })

  it('verifyDecodedJwsWithDid with something that is not a decoded JWS → INVALID_ARGUMENT', async () => {
    await expect(verifyDecodedJwsWithDid(null as never, { resolver })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  it('no kid and no did → INVALID_ARGUMENT; no resolver → INVALID_ARGUMENT', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, localSigner(issuer.privateJwk))
    await expect(verifyJwsWithDid(jws, { resolver })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(verifyJwsWithDid(jws, {} as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('a truncated JWS → INVALID_JWS; a malformed kid DID → DID_INVALID; an unknown method → DID_METHOD_UNSUPPORTED', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws.slice(0, jws.lastIndexOf('.')), { resolver })).rejects.toMatchObject({
      code: 'INVALID_JWS',
    })
    const badKid = await signJws(payload, localSigner(issuer.privateJwk, { kid: 'did:key:zNOPE#k' }))
    await expect(verifyJwsWithDid(badKid, { resolver })).rejects.toMatchObject({ code: 'DID_INVALID' })
    const unknown = await signJws(payload, localSigner(issuer.privateJwk, { kid: 'did:example:123#k' }))
    await expect(verifyJwsWithDid(unknown, { resolver })).rejects.toMatchObject({
      code: 'DID_METHOD_UNSUPPORTED',
    })
  })

  it('a deactivated DID → DID_DEACTIVATED; a resolver that is down → RESOLVER_UNAVAILABLE', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, issuer.signer)
    const { didDocument } = await resolver.resolve(issuer.did)
    const deactivated = staticResolver(didDocument!, { didDocumentMetadata: { deactivated: true } })
    await expect(verifyJwsWithDid(jws, { resolver: deactivated })).rejects.toMatchObject({
      code: 'DID_DEACTIVATED',
    })
    const down = staticResolver(null as never, {
      didResolutionMetadata: { error: 'unavailable', message: 'node down' },
    })
    await expect(verifyJwsWithDid(jws, { resolver: down })).rejects.toMatchObject({
      code: 'RESOLVER_UNAVAILABLE',
    })
  })

  it('a resolver answering with another DID document → DID_DOCUMENT_INVALID', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const other = await didKeyIssuer('EdDSA')
    const { didDocument } = await resolver.resolve(other.did)
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(didDocument!) })).rejects.toMatchObject({
      code: 'DID_DOCUMENT_INVALID',
    })
  })
})

describe('verifyJwsWithDid with EcdsaSecp256k1RecoveryMethod2020 (did:ethr controller)', () => {
  async function ethrLike() {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256K')
    const point = new Uint8Array([
      0x04,
      ...base64urlDecode(publicJwk.x as string),
      ...base64urlDecode(publicJwk.y as string),
    ])
    const address = ethereumAddressOfPublicKey(point)
    const did = `did:ethr:civitas:${address}`
    const document: DIDDocument = {
      id: did,
      verificationMethod: [
        {
          id: `${did}#controller`,
          type: 'EcdsaSecp256k1RecoveryMethod2020',
          controller: did,
          blockchainAccountId: `eip155:1337:${address}`,
        },
      ],
      authentication: [`${did}#controller`],
      assertionMethod: [`${did}#controller`],
    }
    return { did, privateJwk, document }
  }

  it('an ES256K JWS verifies against the account address, with or without kid', async () => {
    const { did, privateJwk, document } = await ethrLike()
    const withKid = await signJws(payload, localSigner(privateJwk, { kid: `${did}#controller` }))
    const result = await verifyJwsWithDid(withKid, { resolver: staticResolver(document) })
    expect(result.verificationMethod.type).toBe('EcdsaSecp256k1RecoveryMethod2020')
    const withoutKid = await signJws(payload, localSigner(privateJwk))
    await expect(
      verifyJwsWithDid(withoutKid, { resolver: staticResolver(document), did }),
    ).resolves.toBeDefined()
  })

  it('an ES256 JWS naming the recovery method → ALG_KEY_MISMATCH', async () => {
    const { did, document } = await ethrLike()
    const p256 = await generateKeyPair('ES256')
    const jws = await signJws(payload, localSigner(p256.privateJwk, { kid: `${did}#controller` }))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document) })).rejects.toMatchObject({
      code: 'ALG_KEY_MISMATCH',
    })
  })

  it('a JWS by another secp256k1 key → SIGNATURE_INVALID', async () => {
    const { did, document } = await ethrLike()
    const other = await generateKeyPair('ES256K')
    const jws = await signJws(payload, localSigner(other.privateJwk, { kid: `${did}#controller` }))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document) })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
  })
})

describe('verifyJwsWithDid: what the signer may not choose', () => {
  it("a kid's ?versionId= does not pick the document version; options.did's does", async () => {
    const issuer = await didKeyIssuer('ES256')
    const { didDocument } = await resolver.resolve(issuer.did)
    const spy = staticResolver(didDocument!)
    const jws = await signJws(
      payload,
      localSigner(issuer.privateJwk, { kid: `${issuer.did}?versionId=1#${issuer.did.slice(8)}` }),
    )
    await verifyJwsWithDid(jws, { resolver: spy })
    expect(spy.resolve).toHaveBeenLastCalledWith(issuer.did, {})
    await verifyJwsWithDid(jws, { resolver: spy, did: `${issuer.did}?versionId=7` })
    expect(spy.resolve).toHaveBeenLastCalledWith(`${issuer.did}?versionId=7`, {})
  })

  it('a document key published for encryption ("use": "enc") in assertionMethod → ALG_KEY_MISMATCH', async () => {
    const issuer = await didKeyIssuer('ES256')
    const did = 'did:web:issuer.example'
    const document: DIDDocument = {
      id: did,
      verificationMethod: [
        {
          id: `${did}#k`,
          type: 'JsonWebKey2020',
          controller: did,
          publicKeyJwk: { ...issuer.publicJwk, use: 'enc' } as JsonWebKey,
        },
      ],
      assertionMethod: [`${did}#k`],
    }
    const jws = await signJws(payload, localSigner(issuer.privateJwk, { kid: `${did}#k` }))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document) })).rejects.toMatchObject({
      code: 'ALG_KEY_MISMATCH',
    })
  })

  it('a did:jwk of a small-order Ed25519 key does not resolve (KEY_INVALID), so no forgery verifies', async () => {
    const identity = new Uint8Array(32)
    identity[0] = 1
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(identity).toString('base64url') }
    const did = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`
    const forgedSig = new Uint8Array(64)
    forgedSig[0] = 1
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: `${did}#0` })).toString('base64url')
    const forged = `${header}.${Buffer.from('{}').toString('base64url')}.${Buffer.from(forgedSig).toString('base64url')}`
    await expect(verifyJwsWithDid(forged, { resolver })).rejects.toMatchObject({ code: 'KEY_INVALID' })
  })
})

describe('verifyJwsWithDid: ES256K-R against keys that are not recovery methods', () => {
  async function es256kR(privateJwk: { d?: string }, kid: string): Promise<string> {
    const input = `${Buffer.from(JSON.stringify({ alg: 'ES256K-R', kid })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
    const sig = secp256k1.sign(
      sha256(new TextEncoder().encode(input)),
      Buffer.from(privateJwk.d as string, 'base64url'),
      { prehash: false, format: 'recovered' },
    )
    // noble puts the recovery bit first; did-jwt's ES256K-R puts it last (R||S||v).
    return `${input}.${Buffer.from([...sig.subarray(1), sig[0]!]).toString('base64url')}`
  }

  it('a secp256k1 did:key verifies by its address; another key → SIGNATURE_INVALID', async () => {
    const issuer = await didKeyIssuer('ES256K')
    await expect(
      verifyJwsWithDid(await es256kR(issuer.privateJwk, issuer.kid), { resolver }),
    ).resolves.toMatchObject({
      verificationMethod: { id: issuer.kid },
    })
    const other = await generateKeyPair('ES256K')
    await expect(
      verifyJwsWithDid(await es256kR(other.privateJwk, issuer.kid), { resolver }),
    ).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
  })

  it('a P-256 key, or a secp256k1 key published for encryption → ALG_KEY_MISMATCH', async () => {
    const p256 = await didKeyIssuer('ES256')
    const k1 = await generateKeyPair('ES256K')
    await expect(
      verifyJwsWithDid(await es256kR(k1.privateJwk, p256.kid), { resolver }),
    ).rejects.toMatchObject({
      code: 'ALG_KEY_MISMATCH',
    })
    const did = 'did:web:issuer.example'
    const document: DIDDocument = {
      id: did,
      verificationMethod: [
        {
          id: `${did}#k`,
          type: 'JsonWebKey2020',
          controller: did,
          publicKeyJwk: { ...k1.publicJwk, use: 'enc' } as JsonWebKey,
        },
      ],
      assertionMethod: [`${did}#k`],
    }
    await expect(
      verifyJwsWithDid(await es256kR(k1.privateJwk, `${did}#k`), { resolver: staticResolver(document) }),
    ).rejects.toMatchObject({ code: 'ALG_KEY_MISMATCH' })
  })
})

describe('verifyJwsWithDid: documents built to exhaust the verifier (bounded work)', () => {
  async function web(keys: number, references: (ids: string[]) => unknown[]) {
    const did = 'did:web:issuer.example'
    const pairs = await Promise.all(Array.from({ length: keys }, () => generateKeyPair('ES256')))
    const ids = pairs.map((_, i) => `${did}#k${i}`)
    const document = {
      id: did,
      verificationMethod: pairs.map((pair, i) => ({
        id: ids[i],
        type: 'JsonWebKey2020',
        controller: did,
        publicKeyJwk: pair.publicJwk,
      })),
      assertionMethod: references(ids),
    } as DIDDocument
    return { did, pairs, document }
  }

  it('40,000 references to one key and a JWS without kid: one signature check, not 40,000', async () => {
    const { did, document } = await web(1, (ids) => Array.from({ length: 40_000 }, () => ids[0]))
    const stranger = await generateKeyPair('ES256')
    const jws = await signJws(payload, localSigner(stranger.privateJwk))
    const error = await verifyJwsWithDid(jws, { resolver: staticResolver(document), did }).catch((e) => e)
    expect(error).toMatchObject({ code: 'SIGNATURE_INVALID', details: { tried: 1 } })
  })

  it('the same key referenced relatively and absolutely counts once', async () => {
    const { did, document, pairs } = await web(1, (ids) => [ids[0], '#k0', ids[0]])
    const jws = await signJws(payload, localSigner(pairs[0]!.privateJwk))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document), did })).resolves.toMatchObject({
      verificationMethod: { id: `${did}#k0` },
    })
  })

  it(`more than ${16} distinct keys and no kid → INPUT_TOO_LARGE before any signature check`, async () => {
    const { did, document, pairs } = await web(17, (ids) => ids)
    const jws = await signJws(payload, localSigner(pairs[16]!.privateJwk))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document), did })).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
      details: { keys: 17, limit: 16 },
    })
    // Naming the key keeps such a document usable.
    const named = await signJws(payload, localSigner(pairs[16]!.privateJwk, { kid: `${did}#k16` }))
    await expect(verifyJwsWithDid(named, { resolver: staticResolver(document) })).resolves.toBeDefined()
  })

  it('16 keys and no kid: the last one is found', async () => {
    const { did, document, pairs } = await web(16, (ids) => ids)
    const jws = await signJws(payload, localSigner(pairs[15]!.privateJwk))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document), did })).resolves.toMatchObject({
      verificationMethod: { id: `${did}#k15` },
    })
  })

  it('two different methods with one id → DID_DOCUMENT_INVALID, whichever the kid names', async () => {
    const { did, document, pairs } = await web(2, (ids) => [ids[0]])
    document.verificationMethod![1]!.id = `${did}#k0`
    const jws = await signJws(payload, localSigner(pairs[1]!.privateJwk, { kid: `${did}#k0` }))
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(document) })).rejects.toMatchObject({
      code: 'DID_DOCUMENT_INVALID',
    })
    const embedded = { ...document, verificationMethod: [document.verificationMethod![0]!] }
    embedded.assertionMethod = [`${did}#k0`, { ...document.verificationMethod![1]!, id: '#k0' }]
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(embedded) })).rejects.toMatchObject({
      code: 'DID_DOCUMENT_INVALID',
    })
  })

  it('untrusted ids and document ids in messages never throw a raw TypeError', async () => {
    const issuer = await didKeyIssuer('ES256')
    const { didDocument } = await resolver.resolve(issuer.did)
    const hostile = { ...didDocument!, id: { toString: null } } as unknown as DIDDocument
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(hostile) })).rejects.toMatchObject({
      code: 'DID_DOCUMENT_INVALID',
    })
    const odd = {
      ...didDocument!,
      verificationMethod: [{ toString: null }, 5, null, ...didDocument!.verificationMethod!],
      assertionMethod: [{ id: { toString: null } }, 7, ...didDocument!.assertionMethod!],
    } as unknown as DIDDocument
    await expect(verifyJwsWithDid(jws, { resolver: staticResolver(odd) })).resolves.toBeDefined()
  })
})

describe('verifyJwsWithDid: options.versionTime, the time the key must be valid at', () => {
  const T = 1_700_000_000 // 2023-11-14T22:13:20Z

  it('asks the resolver for the document at that time; the kid cannot change it', async () => {
    const issuer = await didKeyIssuer('ES256')
    const { didDocument } = await resolver.resolve(issuer.did)
    const spy = staticResolver(didDocument!)
    const kid = `${issuer.did}?versionId=1#${issuer.did.slice(8)}`
    const jws = await signJws(payload, localSigner(issuer.privateJwk, { kid }))
    await verifyJwsWithDid(jws, { resolver: spy, versionTime: T })
    expect(spy.resolve).toHaveBeenLastCalledWith(`${issuer.did}?versionTime=2023-11-14T22:13:20Z`, {})
    await verifyDecodedJwsWithDid(decodeJws(jws), {
      resolver: spy,
      did: issuer.did,
      versionTime: T + 0.9,
    })
    expect(spy.resolve).toHaveBeenLastCalledWith(`${issuer.did}?versionTime=2023-11-14T22:13:20Z`, {})
  })

  it('did:key, did:jwk and did:web have no history: the versionTime is ignored', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, issuer.signer)
    await expect(verifyJwsWithDid(jws, { resolver, versionTime: T })).resolves.toMatchObject({
      verificationMethod: { id: issuer.kid },
    })
  })

  it.each([
    ['NaN', Number.NaN],
    ['negative', -1],
    ['a string', '1700000000'],
    ['beyond year 9999', 253_402_300_800],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('a versionTime that is %s → INVALID_ARGUMENT', async (_what, versionTime) => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, issuer.signer)
    await expect(
      verifyJwsWithDid(jws, { resolver, versionTime: versionTime as number }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('versionTime together with a query in options.did → INVALID_ARGUMENT (one choice of version)', async () => {
    const issuer = await didKeyIssuer('EdDSA')
    const jws = await signJws(payload, issuer.signer)
    await expect(
      verifyJwsWithDid(jws, { resolver, did: `${issuer.did}?versionId=3`, versionTime: T }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

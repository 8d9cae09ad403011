/**
 * verifyJwsWithDid with the keys PKI issuers hold: RSA (PS256, RS256) in a did:jwk and
 * P-521 (ES512) in a did:key. The DID path reads the key from the document and the JOSE
 * layer decides which algorithms it can verify, with or without a `kid`.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import type { Jwk } from '../keys/algorithms.js'
import { didJwkFromJwk } from './jwk.js'
import { didKeyFromJwk } from './key.js'
import { createResolver } from './resolver.js'
import { verifyJwsWithDid } from './verify.js'

const resolver = createResolver({ web: false })

async function token(alg: string, key: KeyObject, kid?: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode('{"iss":"x"}'))
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .sign(key)
}

describe('verifyJwsWithDid: ES512, PS256 and RS256 keys of a DID document', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rsaDid = didJwkFromJwk(rsa.publicKey.export({ format: 'jwk' }) as Jwk)
  const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
  const p521Did = didKeyFromJwk(p521.publicKey.export({ format: 'jwk' }) as Jwk)

  for (const alg of ['PS256', 'RS256']) {
    it(`${alg} with an RSA did:jwk, by kid and by trying the document's keys`, async () => {
      const withKid = await token(alg, rsa.privateKey, `${rsaDid}#0`)
      await expect(verifyJwsWithDid(withKid, { resolver })).resolves.toMatchObject({
        verificationMethod: { id: `${rsaDid}#0` },
      })
      const withoutKid = await token(alg, rsa.privateKey)
      await expect(verifyJwsWithDid(withoutKid, { resolver, did: rsaDid })).resolves.toBeDefined()
    })
  }

  it('ES512 with a P-521 did:key', async () => {
    const jws = await token('ES512', p521.privateKey)
    await expect(verifyJwsWithDid(jws, { resolver, did: p521Did })).resolves.toBeDefined()
  })

  it('a token by another RSA key is SIGNATURE_INVALID; an ES512 token against the RSA DID finds no key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    await expect(
      verifyJwsWithDid(await token('RS256', other.privateKey), { resolver, did: rsaDid }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
    await expect(
      verifyJwsWithDid(await token('ES512', p521.privateKey), { resolver, did: rsaDid }),
    ).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
  })

  it('a caller allow-list without RSA refuses RS256 before resolving: UNSUPPORTED_ALG', async () => {
    await expect(
      verifyJwsWithDid(await token('RS256', rsa.privateKey), {
        resolver,
        did: rsaDid,
        algorithms: ['ES256'],
      }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ALG' })
  })
})

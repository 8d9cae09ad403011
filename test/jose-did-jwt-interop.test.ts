/**
 * JWS interoperability with did-jwt, the library did-jwt-vc and EBSI's tooling sign with:
 * their tokens verify with @civitas/core, ours verify with theirs, for every algorithm
 * both support, including did-jwt's recoverable ES256K-R against an Ethereum address.
 */
import {
  base64urlDecode,
  ethereumAddressOfPublicKey,
  generateKeyPair,
  type Jwk,
  localSigner,
  type SignatureAlgorithm,
  signJws,
  verifyJws,
  verifyJwsWithEthereumAddress,
} from '@civitas/core'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { createJWS, EdDSASigner, ES256KSigner, ES256Signer, verifyJWS } from 'did-jwt'
import { describe, expect, it } from 'vitest'

type DidJwtSigner = Parameters<typeof createJWS>[1]

function didJwtSigner(alg: SignatureAlgorithm, privateJwk: Jwk): DidJwtSigner {
  const d = base64urlDecode(privateJwk.d!)
  if (alg === 'ES256') return ES256Signer(d)
  if (alg === 'ES256K') return ES256KSigner(d)
  if (alg === 'EdDSA') return EdDSASigner(new Uint8Array([...d, ...base64urlDecode(privateJwk.x!)]))
  throw new Error(`did-jwt has no signer for ${alg}`)
}

const verificationMethod = (publicJwk: Jwk) => ({
  id: 'did:example:issuer#key-1',
  type: 'JsonWebKey2020',
  controller: 'did:example:issuer',
  publicKeyJwk: publicJwk as Record<string, unknown>,
})

describe('did-jwt interoperability', () => {
  for (const alg of ['ES256', 'ES256K', 'EdDSA'] as SignatureAlgorithm[]) {
    it(`${alg}: a did-jwt JWS verifies with verifyJws`, async () => {
      const keys = await generateKeyPair(alg)
      const jws = await createJWS({ iss: 'did:example:issuer', n: 1 }, didJwtSigner(alg, keys.privateJwk), {
        alg,
      })
      const result = await verifyJws(jws, keys.publicJwk)
      expect(result.alg).toBe(alg)
      expect(JSON.parse(new TextDecoder().decode(result.payload))).toEqual({
        iss: 'did:example:issuer',
        n: 1,
      })
    })

    it(`${alg}: a Civitas JWS verifies with did-jwt verifyJWS, and a wrong key does not`, async () => {
      const keys = await generateKeyPair(alg)
      const jws = await signJws({ iss: 'did:example:issuer' }, localSigner(keys.privateJwk), { typ: 'JWT' })
      expect(verifyJWS(jws, verificationMethod(keys.publicJwk) as never).id).toBe('did:example:issuer#key-1')
      const other = await generateKeyPair(alg)
      expect(() => verifyJWS(jws, verificationMethod(other.publicJwk) as never)).toThrow()
    })
  }

  it('ES256K-R: a did-jwt recoverable signature verifies against the signer Ethereum address', async () => {
    const keys = await generateKeyPair('ES256K')
    const d = base64urlDecode(keys.privateJwk.d!)
    const address = ethereumAddressOfPublicKey(secp256k1.getPublicKey(d, false))
    const jws = await createJWS({ iss: `did:ethr:${address}` }, ES256KSigner(d, true), { alg: 'ES256K-R' })
    await expect(verifyJwsWithEthereumAddress(jws, address)).resolves.toMatchObject({ alg: 'ES256K-R' })
    // And plain ES256K from did-jwt, as did:ethr controllers sign by default, by address too.
    const plain = await createJWS({ iss: `did:ethr:${address}` }, ES256KSigner(d), { alg: 'ES256K' })
    await expect(verifyJwsWithEthereumAddress(plain, address)).resolves.toMatchObject({ alg: 'ES256K' })
    await expect(verifyJwsWithEthereumAddress(plain, `0x${'00'.repeat(19)}01`)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
  })
})

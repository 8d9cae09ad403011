/**
 * dc+sd-jwt interoperability with @sd-jwt/sd-jwt-vc 0.19 (OpenWallet Foundation): SD-JWT VCs
 * and key-bound presentations we issue verify with theirs; theirs verify with ours —
 * object properties, array elements, nested Disclosures and decoys included.
 */
import {
  generateKeyPair,
  issueSdJwtVc,
  type Jwk,
  localSigner,
  presentSdJwt,
  verifySdJwt,
} from '@civitas/core'
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { describe, expect, it } from 'vitest'

const NONCE = 'n-4d1f0c'
const AUD = 'https://verifier.example.eu'

const CLAIMS = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  address: { street_address: 'Heidestraße 17', locality: 'Köln', country: 'DE' },
  nationalities: ['DE', 'FR'],
}

async function theirInstance(issuerJwk: Jwk, holderJwk: Jwk, issuerPrivate?: Jwk, holderPrivate?: Jwk) {
  return new SDJwtVcInstance({
    ...(issuerPrivate ? { signer: await ES256.getSigner(issuerPrivate) } : {}),
    verifier: await ES256.getVerifier(issuerJwk),
    signAlg: 'ES256',
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    ...(holderPrivate ? { kbSigner: await ES256.getSigner(holderPrivate), kbSignAlg: 'ES256' } : {}),
    kbVerifier: await ES256.getVerifier(holderJwk),
  })
}

describe('interop: dc+sd-jwt with @sd-jwt/sd-jwt-vc', () => {
  it('our SD-JWT VC and key-bound presentation verify with @sd-jwt/sd-jwt-vc', async () => {
    const issuer = await generateKeyPair('ES256')
    const holder = await generateKeyPair('ES256')
    const now = Math.floor(Date.now() / 1000)
    const token = await issueSdJwtVc(
      {
        vct: 'urn:eudi:pid:1',
        iss: 'https://pid-provider.example.eu',
        exp: now + 3600,
        cnf: { jwk: holder.publicJwk },
        claims: CLAIMS,
        disclosable: {
          _sd: ['given_name', 'family_name', 'address'],
          _sd_decoy: 2,
          address: { _sd: ['street_address', 'locality'] },
          nationalities: { _sd: [0, 1] },
        },
      },
      { signer: localSigner(issuer.privateJwk) },
    )
    const presentation = await presentSdJwt(token, {
      disclose: { family_name: true, address: { locality: true }, nationalities: [true] },
      keyBinding: { signer: localSigner(holder.privateJwk), nonce: NONCE, audience: AUD },
    })
    const theirs = await theirInstance(issuer.publicJwk, holder.publicJwk)
    const result = await theirs.verify(presentation, {
      keyBindingNonce: NONCE,
      requiredClaimKeys: ['family_name'],
    })
    expect(result.payload).toMatchObject({
      vct: 'urn:eudi:pid:1',
      family_name: 'Mustermann',
      address: { locality: 'Köln', country: 'DE' },
      nationalities: ['DE'],
    })
    expect(result.payload).not.toHaveProperty('given_name')
    expect(result.kb?.payload).toMatchObject({ nonce: NONCE, aud: AUD })
    // And theirs rejects what ours rejects: a re-ordered presentation.
    const parts = presentation.split('~')
    const disclosures = parts.slice(1, -1)
    expect(disclosures).toHaveLength(4)
    const reordered = [parts[0], ...disclosures.reverse(), parts.at(-1)].join('~')
    await expect(theirs.verify(reordered, { keyBindingNonce: NONCE })).rejects.toThrow()
    const ours = await verifySdJwt(reordered, { publicJwk: issuer.publicJwk, nonce: NONCE, audience: AUD })
    expect(ours.errors.map((e) => e.code)).toEqual(['KB_SD_HASH_MISMATCH'])
  })

  it("@sd-jwt/sd-jwt-vc's SD-JWT VC and key-bound presentation verify with ours", async () => {
    const issuer = await ES256.generateKeyPair()
    const holder = await ES256.generateKeyPair()
    const theirs = await theirInstance(
      issuer.publicKey as Jwk,
      holder.publicKey as Jwk,
      issuer.privateKey as Jwk,
      holder.privateKey as Jwk,
    )
    const now = Math.floor(Date.now() / 1000)
    const issued = await theirs.issue(
      {
        iss: 'https://pid-provider.example.eu',
        iat: now,
        exp: now + 3600,
        vct: 'urn:eudi:pid:1',
        cnf: { jwk: holder.publicKey },
        ...CLAIMS,
      },
      {
        _sd: ['given_name', 'family_name', 'address'],
        _sd_decoy: 2,
        address: { _sd: ['street_address', 'locality'] },
        nationalities: { _sd: [0, 1] },
      },
    )
    const presentation = await theirs.present(
      issued,
      { given_name: true, address: { locality: true }, nationalities: { 1: true } },
      { kb: { payload: { iat: now, aud: AUD, nonce: NONCE } } },
    )
    const ours = await verifySdJwt(presentation, {
      publicJwk: issuer.publicKey as Jwk,
      nonce: NONCE,
      audience: AUD,
    })
    expect(ours.errors).toEqual([])
    expect(ours.verified).toBe(true)
    expect(ours.claims).toMatchObject({
      vct: 'urn:eudi:pid:1',
      given_name: 'Erika',
      address: { locality: 'Köln', country: 'DE' },
      nationalities: ['FR'],
    })
    expect(ours.claims).not.toHaveProperty('family_name')
    // Their KB-JWT is held to the same rules as ours: another verifier's nonce or audience fails.
    const replayed = await verifySdJwt(presentation, {
      publicJwk: issuer.publicKey as Jwk,
      nonce: 'n-other',
      audience: 'https://other-verifier.example.eu',
    })
    expect(replayed.errors.map((e) => e.code)).toEqual(['NONCE_MISMATCH'])
    const forged = presentation.replace(
      /~([^~]*)$/,
      `~${Buffer.from(JSON.stringify(['c2FsdA', 'family_name', 'Forged'])).toString('base64url')}~$1`,
    )
    const forgedResult = await verifySdJwt(forged, { publicJwk: issuer.publicKey as Jwk })
    expect(forgedResult.errors.map((e) => e.code)).toEqual(['SD_DISCLOSURE_UNREFERENCED'])
    // Their issued (unpresented) SD-JWT also presents through our wallet code.
    const ourPresentation = await presentSdJwt(issued, {
      disclose: ['/family_name'],
      keyBinding: { signer: localSigner(holder.privateKey as Jwk), nonce: NONCE, audience: AUD },
    })
    const again = await verifySdJwt(ourPresentation, {
      publicJwk: issuer.publicKey as Jwk,
      nonce: NONCE,
      audience: AUD,
    })
    expect(again.errors).toEqual([])
    expect(again.claims).toMatchObject({ family_name: 'Mustermann' })
  })
})

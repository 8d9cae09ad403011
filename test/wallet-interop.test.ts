/**
 * @civitas/wallet end to end with independent verifiers: credentials issued by core (and by
 * @sd-jwt/sd-jwt-vc), accepted, matched with DCQL and presented; the SD-JWT presentations
 * verify with @sd-jwt/sd-jwt-vc 0.19 (OpenWallet Foundation) and disclose only what was
 * asked, the VP JWTs verify with core's verifyJwtVp.
 */
import {
  createResolver,
  didJwkFromJwk,
  generateKeyPair,
  issueJwtVc,
  issueSdJwtVc,
  type Jwk,
  localSigner,
  verifyJwtVp,
} from '@civitas/core'
import { openWallet, type Wallet } from '@civitas/wallet'
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { beforeAll, describe, expect, it } from 'vitest'

const NONCE = 'n-7Hq2Zx'
const AUD = 'https://verifier.example.eu'
const FAST_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const
const resolver = createResolver({ web: false })

const PID = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1964-08-12',
  address: { street_address: 'Heidestraße 17', locality: 'Köln', country: 'DE' },
  nationalities: ['DE', 'FR'],
}

const pidRequest = {
  credentials: [
    {
      id: 'pid',
      format: 'dc+sd-jwt',
      meta: { vct_values: ['urn:eudi:pid:1'] },
      claims: [{ path: ['family_name'] }, { path: ['address', 'locality'] }, { path: ['nationalities', 1] }],
    },
  ],
}

let wallet: Wallet
let holderJwk: Jwk
let issuer: { did: string; publicJwk: Jwk; privateJwk: Jwk }

beforeAll(async () => {
  wallet = await openWallet({ store: 'memory', passphrase: 'interop', kdf: FAST_KDF, resolver })
  const holder = await wallet.createKey({ alg: 'ES256', did: 'key' })
  holderJwk = holder.publicJwk
  const keys = await generateKeyPair('ES256')
  issuer = { did: didJwkFromJwk(keys.publicJwk), publicJwk: keys.publicJwk, privateJwk: keys.privateJwk }
})

async function theirVerifier() {
  return new SDJwtVcInstance({
    verifier: await ES256.getVerifier(issuer.publicJwk),
    hasher: digest,
    hashAlg: 'sha-256',
    kbVerifier: await ES256.getVerifier(holderJwk),
  })
}

describe('interop: @civitas/wallet presentations with @sd-jwt/sd-jwt-vc and core', () => {
  it('an SD-JWT VC from core, presented for a DCQL request, verifies with @sd-jwt/sd-jwt-vc and shows only the request', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await issueSdJwtVc(
      {
        vct: 'urn:eudi:pid:1',
        iss: issuer.did,
        iat: now,
        exp: now + 3600,
        cnf: { jwk: holderJwk },
        claims: PID,
        disclosable: {
          _sd: ['given_name', 'family_name', 'birthdate', 'address'],
          _sd_decoy: 2,
          address: { _sd: ['street_address', 'locality', 'country'] },
          nationalities: { _sd: [0, 1] },
        },
      },
      { signer: localSigner(issuer.privateJwk, { kid: `${issuer.did}#0` }) },
    )
    const accepted = await wallet.accept(token)
    const match = await wallet.match(pidRequest)
    expect(match.candidates.pid?.map((c) => c.credentialId)).toEqual([accepted.id])
    const { vpToken } = await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const presentation = vpToken.pid?.[0] as string

    const result = await (await theirVerifier()).verify(presentation, {
      keyBindingNonce: NONCE,
      requiredClaimKeys: ['family_name'],
    })
    expect(result.kb?.payload).toMatchObject({ nonce: NONCE, aud: AUD })
    const { payload } = result as { payload: Record<string, unknown> }
    const { iat: _iat, exp: _exp, cnf: _cnf, ...shown } = payload
    expect(shown).toEqual({
      vct: 'urn:eudi:pid:1',
      iss: issuer.did,
      family_name: 'Mustermann',
      address: { locality: 'Köln' },
      nationalities: ['FR'],
    })
  })

  it('an SD-JWT VC issued by @sd-jwt/sd-jwt-vc (https issuer, key pinned) is accepted and presented the same way', async () => {
    const theirIssuer = await ES256.generateKeyPair()
    const theirs = new SDJwtVcInstance({
      signer: await ES256.getSigner(theirIssuer.privateKey),
      verifier: await ES256.getVerifier(theirIssuer.publicKey),
      signAlg: 'ES256',
      hasher: digest,
      hashAlg: 'sha-256',
      saltGenerator: generateSalt,
      kbVerifier: await ES256.getVerifier(holderJwk),
    })
    const now = Math.floor(Date.now() / 1000)
    const token = await theirs.issue(
      {
        iss: 'https://pid-provider.example.eu',
        iat: now,
        exp: now + 3600,
        vct: 'urn:eudi:pid:1',
        cnf: { jwk: holderJwk },
        ...PID,
      },
      {
        _sd: ['given_name', 'family_name', 'birthdate', 'address'],
        address: { _sd: ['street_address', 'locality', 'country'] },
        nationalities: { _sd: [0, 1] },
      },
    )
    const accepted = await wallet.accept(token, { issuerJwk: theirIssuer.publicKey as Jwk })
    expect(accepted.token).toBe(token)
    const match = await wallet.match(pidRequest)
    const { vpToken } = await wallet.present(
      { query: pidRequest, credentials: { pid: [accepted.id] } },
      { nonce: NONCE, audience: AUD },
    )
    expect(match.candidates.pid?.map((c) => c.credentialId)).toContain(accepted.id)
    const result = await theirs.verify(vpToken.pid?.[0] as string, { keyBindingNonce: NONCE })
    const payload = result.payload as Record<string, unknown>
    expect(payload).toMatchObject({
      family_name: 'Mustermann',
      address: { locality: 'Köln' },
      nationalities: ['FR'],
    })
    expect(payload).not.toHaveProperty('given_name')
    expect(payload).not.toHaveProperty('birthdate')
  })

  it('a jwt_vc_json credential presented as a VP JWT verifies with core’s verifyJwtVp', async () => {
    const [holder] = await wallet.keys()
    const token = await issueJwtVc(
      {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'VerifiableDiploma'],
        issuer: issuer.did,
        issuanceDate: '2025-07-01T09:00:00Z',
        credentialSubject: { id: holder?.did, degree: 'MSc Mathematics' },
      },
      { format: 'jwt_vc_json', signer: localSigner(issuer.privateJwk, { kid: `${issuer.did}#0` }) },
    )
    await wallet.accept(token)
    const match = await wallet.match({
      credentials: [{ id: 'diploma', format: 'jwt_vc_json', meta: { type_values: [['VerifiableDiploma']] } }],
    })
    const { vpToken } = await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const verified = await verifyJwtVp(vpToken.diploma?.[0] as string, {
      resolver,
      nonce: NONCE,
      audience: AUD,
    })
    expect(verified.errors).toEqual([])
    expect(verified.holder).toBe(holder?.did)
    expect(verified.credentials?.[0]?.credential?.credentialSubject).toMatchObject({
      degree: 'MSc Mathematics',
    })
  })
})

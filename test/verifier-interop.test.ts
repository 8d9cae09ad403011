/**
 * Credentials made by the field's libraries, with keys the test accredits on chain, verify
 * through every check of @civitas/verifier: did-jwt-vc's jwt_vc_json credential (ES256K-R
 * and ES256K by the university's did:ethr controller), did-jwt-vc's presentation with nonce
 * and audience, and an SD-JWT VC made by @sd-jwt/sd-jwt-vc with a key-bound presentation.
 */
import {
  base64urlDecode,
  base64urlEncode,
  didKeyFromJwk,
  generateKeyPair,
  localSigner,
  VCDM_1_1_CONTEXT,
} from '@civitas/core'
import { createMemoryNonceStore, createVerifier, type Verifier } from '@civitas/verifier'
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { ES256KSigner, ES256Signer } from 'did-jwt'
import { createVerifiableCredentialJwt, createVerifiablePresentationJwt } from 'did-jwt-vc'
import { getBytes } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIPLOMA,
  drawIndex,
  listUrl,
  newHolder,
  PID,
  privateJwkOf,
  REVOCATION_LIST,
  startWorld,
  statusChain,
  TOKEN_LIST,
  type World,
} from './verifier-support.js'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

describe('verifier interop with did-jwt-vc and @sd-jwt/sd-jwt-vc', () => {
  let world: World
  let verifier: Verifier

  beforeAll(async () => {
    world = await startWorld()
    verifier = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
    })
  })
  afterAll(async () => {
    await world?.stop()
  })

  async function didJwtVcDiploma(subject: string, alg: 'ES256K' | 'ES256K-R') {
    const now = Math.floor(Date.now() / 1000)
    const index = drawIndex()
    return createVerifiableCredentialJwt(
      {
        sub: subject,
        nbf: now - 60,
        exp: now + 3600,
        vc: {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiableCredential', DIPLOMA],
          credentialSubject: { familyName: 'Rossi', degree: 'PhD' },
          credentialStatus: {
            id: `${listUrl(world, world.university, REVOCATION_LIST)}#${index}`,
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: String(index),
            statusListCredential: listUrl(world, world.university, REVOCATION_LIST),
            statusChain: statusChain(world, world.university, REVOCATION_LIST),
          },
          credentialSchema: { id: world.schemaId, type: 'JsonSchema' },
        },
      },
      {
        did: world.university.did,
        alg,
        signer: ES256KSigner(getBytes(world.university.wallet.signingKey.privateKey), alg === 'ES256K-R'),
      },
    )
  }

  for (const alg of ['ES256K', 'ES256K-R'] as const) {
    it(`did-jwt-vc's credential (${alg}, did:ethr controller) passes every check`, async () => {
      const holder = await newHolder()
      const result = await verifier.verifyCredential(await didJwtVcDiploma(holder.did, alg))
      expect(failures(result)).toEqual([])
      expect(result.checks.map((c) => c.id)).toContain('credential/schema')
    })
  }

  it("did-jwt-vc's presentation with nonce and audience verifies, holder bound", async () => {
    const keys = await generateKeyPair('ES256')
    const did = didKeyFromJwk(keys.publicJwk)
    const holder = { did, alg: 'ES256', signer: ES256Signer(base64urlDecode(keys.privateJwk.d!)) }
    const vp = await createVerifiablePresentationJwt(
      {
        vp: {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiablePresentation'],
          verifiableCredential: [await didJwtVcDiploma(did, 'ES256K')],
        },
      },
      holder,
      { challenge: 'c-1', domain: 'https://border.test' },
    )
    const result = await verifier.verifyPresentation(vp, { nonce: 'c-1', audience: 'https://border.test' })
    expect(failures(result)).toEqual([])
    expect(result.holder).toBe(did)
    // A credential issued to someone else, presented by this holder, is refused.
    const other = await newHolder()
    const stolen = await createVerifiablePresentationJwt(
      {
        vp: {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiablePresentation'],
          verifiableCredential: [await didJwtVcDiploma(other.did, 'ES256K')],
        },
      },
      holder,
      { challenge: 'c-2', domain: 'https://border.test' },
    )
    expect(
      failures(await verifier.verifyPresentation(stolen, { nonce: 'c-2', audience: 'https://border.test' })),
    ).toEqual(['presentation/holder-binding: HOLDER_BINDING_INVALID'])
  })

  it('a did-jwt-vc presentation (no exp) replayed two minutes later is still NONCE_REPLAYED', async () => {
    const keys = await generateKeyPair('ES256')
    const did = didKeyFromJwk(keys.publicJwk)
    const vp = await createVerifiablePresentationJwt(
      {
        vp: {
          '@context': [VCDM_1_1_CONTEXT],
          type: ['VerifiablePresentation'],
          verifiableCredential: [await didJwtVcDiploma(did, 'ES256K')],
        },
      },
      { did, alg: 'ES256', signer: ES256Signer(base64urlDecode(keys.privateJwk.d!)) },
      { challenge: 'c-3', domain: 'https://border.test' },
    )
    let now = Date.now()
    const guarded = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
      policy: { nonceStore: createMemoryNonceStore({ now: () => now }) },
      clock: () => now,
    })
    const options = { nonce: 'c-3', audience: 'https://border.test' }
    expect(failures(await guarded.verifyPresentation(vp, options))).toEqual([])
    now += 120_000
    expect(failures(await guarded.verifyPresentation(vp, options))).toEqual([
      'presentation/nonce: NONCE_REPLAYED',
    ])
  })

  it("@sd-jwt/sd-jwt-vc's SD-JWT VC and key-bound presentation pass every check", async () => {
    const keys = await generateKeyPair('ES256')
    const universityKey = privateJwkOf(world.university.wallet)
    const sign = (jwk: typeof universityKey) => {
      const signer = localSigner(jwk)
      return async (data: string) => base64urlEncode(await signer.sign(new TextEncoder().encode(data)))
    }
    const theirs = new SDJwtVcInstance({
      signer: sign(universityKey),
      signAlg: 'ES256K',
      hasher: digest,
      hashAlg: 'sha-256',
      saltGenerator: generateSalt,
      kbSigner: sign(keys.privateJwk),
      kbSignAlg: 'ES256',
    })
    const index = drawIndex()
    const credential = await theirs.issue(
      {
        iss: world.university.did,
        vct: PID,
        iat: Math.floor(Date.now() / 1000) - 60,
        cnf: { jwk: keys.publicJwk },
        status: {
          status_list: {
            idx: index,
            uri: listUrl(world, world.university, TOKEN_LIST),
            statusChain: statusChain(world, world.university, TOKEN_LIST),
          },
        },
        given_name: 'Erika',
        age_over_18: true,
      } as never,
      { _sd: ['given_name', 'age_over_18'] } as never,
      { header: { kid: `${world.university.did}#controller` } },
    )
    const presentation = await theirs.present(credential, { age_over_18: true } as never, {
      kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: 'https://border.test', nonce: 'k-1' } },
    })
    const result = await verifier.verifyPresentation(presentation, {
      nonce: 'k-1',
      audience: 'https://border.test',
    })
    expect(failures(result)).toEqual([])
    expect(result.credential).toMatchObject({ age_over_18: true })
  })
})

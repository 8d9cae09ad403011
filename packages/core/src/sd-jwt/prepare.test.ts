import { describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { isCivitasError } from '../errors/index.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { issueSdJwtVc, prepareSdJwtVc, signSdJwtVc } from './issue.js'
import { verifySdJwt } from './verify.js'

// prepareSdJwtVc / signSdJwtVc: issueSdJwtVc in two steps, so an issuer refuses what core
// would refuse before it spends a status index, and signs later with the index it drew.

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run()
    return undefined
  } catch (error) {
    return isCivitasError(error) ? error.code : 'not a CivitasError'
  }
}

describe('prepareSdJwtVc and signSdJwtVc', () => {
  it('throw what issueSdJwtVc throws, before anything is signed', async () => {
    const input = { vct: 'urn:eudi:pid:1', iss: 'did:example:issuer', claims: { iss: 'x' } }
    expect(await codeOf(() => prepareSdJwtVc(input))).toBe('INVALID_ARGUMENT')
    expect(await codeOf(() => prepareSdJwtVc({ ...input, claims: { a: 1 }, nbf: -1 }))).toBe('CLAIM_INVALID')
    expect(await codeOf(() => prepareSdJwtVc({ ...input, claims: { a: 1n } }))).toBe('INVALID_ARGUMENT')
    expect(
      await codeOf(() => prepareSdJwtVc({ ...input, claims: { a: 1 }, disclosable: ['/missing'] })),
    ).toBe('INVALID_ARGUMENT')
  })

  it('sign the prepared credential with the status given at signing, which verifies like issueSdJwtVc output', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256')
    const did = didJwkFromJwk(publicJwk)
    const signer = localSigner(privateJwk, { kid: `${did}#0` })
    const input = {
      vct: 'urn:eudi:pid:1',
      iss: did,
      claims: { given_name: 'Ada', family_name: 'Lovelace' },
      disclosable: ['/given_name', '/family_name'],
      status: { status_list: { idx: 0, uri: 'https://issuer.example/status/1' } },
    }
    const prepared = prepareSdJwtVc(input)
    const token = await signSdJwtVc(prepared, {
      signer,
      status: { status_list: { idx: 40312, uri: 'https://issuer.example/status/7' } },
    })
    const result = await verifySdJwt(token, { resolver: createResolver({ web: false, cache: false }) })
    expect(result.errors).toEqual([])
    expect(result.payload?.status).toEqual({
      status_list: { idx: 40312, uri: 'https://issuer.example/status/7' },
    })
    expect(result.claims).toMatchObject({ given_name: 'Ada', family_name: 'Lovelace' })
    expect(result.header?.typ).toBe('dc+sd-jwt')
    // issueSdJwtVc is the two steps at once.
    const direct = await verifySdJwt(await issueSdJwtVc(input, { signer }), {
      resolver: createResolver({ web: false, cache: false }),
    })
    expect(direct.errors).toEqual([])
  })

  it('signSdJwtVc signs only what prepareSdJwtVc made, and checks the status it is given', async () => {
    const { privateJwk } = await generateKeyPair('ES256')
    const signer = localSigner(privateJwk)
    const prepared = prepareSdJwtVc({ vct: 'urn:x', iss: 'did:example:i', claims: { a: 1 } })
    expect(await codeOf(() => signSdJwtVc({ payload: { ...prepared.payload } }, { signer }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(
      await codeOf(() =>
        signSdJwtVc(prepared, { signer, status: { status_list: { idx: -1, uri: 'x' } } as never }),
      ),
    ).toBe('INVALID_ARGUMENT')
  })
})

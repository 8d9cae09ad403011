import {
  createResolver,
  decodeJws,
  generateKeyPair,
  isCivitasError,
  parseJwtClaims,
  presentSdJwt,
  verifyJwtVc,
  verifySdJwt,
} from '@civitas/core'
import { defineTemplate, type Issuer } from '@civitas/issuer'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { verifyCredential } from 'did-jwt-vc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countAllocations } from './issuer-support/allocations.js'
import {
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9 "Templates", through issuer.issue on a real anvil chain and SQLite: the diploma
// (EBSI VerifiableDiploma as jwt_vc_json, the ELM diploma as vc+jwt), the PID-like SD-JWT VC
// with every claim disclosable, user templates; claims that do not fit cost no status index.

const resolver = createResolver({ web: false, cache: false })
const HOLDER = 'did:example:student-5c1e'

const diplomaClaims = {
  identifier: 'S-20231',
  givenNames: 'Chiara',
  familyName: 'Rossi',
  dateOfBirth: '2001-03-14',
  awardingBody: { name: 'Università di Bologna', homepage: 'https://www.unibo.it/' },
  qualification: { title: 'Laurea Magistrale in Informatica', eqfLevel: 7, iscedfCode: ['0613'] },
  awardDate: '2026-07-15',
}

const pidClaims = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1984-01-26',
  nationalities: ['DE'],
  address: { street_address: 'Heidestraße 17', postal_code: '51147', locality: 'Köln', country: 'DE' },
}

let chain: LocalChain
let databases: Databases
let identity: IssuerIdentity
let issuer: Issuer
beforeAll(async () => {
  ;[chain, databases, identity] = await Promise.all([
    startLocalChain({ accounts: 2 }),
    startDatabases(),
    issuerIdentity(),
  ])
  issuer = await openIssuer(chain, identity, databases.sqlite(), 1, {
    templates: [
      defineTemplate({
        id: 'library-card',
        type: 'LibraryCard',
        formats: ['vc+jwt'],
        context: ['https://library.example/contexts/v1'],
        schema: {
          type: 'object',
          required: ['cardNumber'],
          additionalProperties: false,
          properties: { cardNumber: { type: 'string', pattern: '^[0-9]{6}$' } },
        },
      }),
    ],
  })
})
afterAll(async () => {
  await issuer?.close()
  await Promise.all([chain?.stop(), databases?.stop()])
})

function payloadOf(token: string): Record<string, unknown> {
  return parseJwtClaims(decodeJws(token.split('~')[0]!).payload)
}

async function allocations(): Promise<number> {
  return countAllocations(issuer.store.db)
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code?: string; details?: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isCivitasError(error), String(error)).toBe(true)
  return error as { code: string; details?: Record<string, unknown> }
}

describe('issue({ template })', () => {
  it("'diploma' as jwt_vc_json is an EBSI VerifiableDiploma that core and did-jwt-vc verify", async () => {
    const { token } = await issuer.issue({
      format: 'jwt_vc_json',
      template: 'diploma',
      subject: HOLDER,
      claims: diplomaClaims,
    })
    expect((await verifyJwtVc(token, { resolver })).errors).toEqual([])
    const theirs = await verifyCredential(token, resolver as never)
    const vc = theirs.verifiableCredential
    expect(vc.type).toEqual(['VerifiableCredential', 'VerifiableAttestation', 'VerifiableDiploma'])
    expect(vc.credentialSubject).toMatchObject({
      id: HOLDER,
      givenNames: 'Chiara',
      familyName: 'Rossi',
      dateOfBirth: '2001-03-14',
      awardingOpportunity: { awardingBody: { id: identity.did, preferredName: 'Università di Bologna' } },
      learningSpecification: { iscedfCode: ['0613'], eqfLevel: 7 },
    })
  })

  it("'diploma' as vc+jwt carries the ELM context and fields and verifies with core", async () => {
    const { token } = await issuer.issue({
      format: 'vc+jwt',
      template: 'diploma',
      subject: HOLDER,
      claims: diplomaClaims,
    })
    expect((await verifyJwtVc(token, { resolver })).errors).toEqual([])
    const payload = payloadOf(token)
    expect(payload['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'http://data.europa.eu/snb/model/context/edc-ap',
    ])
    expect(payload.credentialSubject).toMatchObject({
      id: HOLDER,
      type: 'Person',
      hasClaim: [{ specifiedBy: { eqfLevel: { id: 'http://data.europa.eu/snb/eqf/7' } } }],
    })
  })

  it("'pid' as dc+sd-jwt: nothing personal in clear, a holder discloses age_over_18 alone, and @sd-jwt/sd-jwt-vc reads every claim", async () => {
    const holder = await generateKeyPair('ES256')
    const { token } = await issuer.issue({
      format: 'dc+sd-jwt',
      template: 'pid',
      claims: pidClaims,
      holderKey: holder.publicJwk,
    })
    const payload = payloadOf(token)
    expect(payload.vct).toBe('urn:eudi:pid:1')
    for (const name of [
      'given_name',
      'family_name',
      'birthdate',
      'nationalities',
      'address',
      'age_over_18',
    ]) {
      expect(payload[name], name).toBeUndefined()
    }
    const onlyAge = await presentSdJwt(token, { disclose: ['/age_over_18'] })
    const shown = await verifySdJwt(onlyAge, { resolver })
    expect(shown.errors).toEqual([])
    expect(shown.claims).toMatchObject({ age_over_18: true })
    expect(shown.claims?.birthdate).toBeUndefined()
    expect(shown.claims?.given_name).toBeUndefined()

    const locality = await presentSdJwt(token, { disclose: ['/address/locality'] })
    const address = (await verifySdJwt(locality, { resolver })).claims?.address
    expect(address).toEqual({ locality: 'Köln' })

    const handler = issuer.statusListHandler()
    const theirs = new SDJwtVcInstance({
      verifier: await ES256.getVerifier(identity.publicJwk),
      hasher: digest,
      hashAlg: 'sha-256',
      statusListFetcher: async (uri: string) => (await handler(new Request(uri))).text(),
    })
    const read = await theirs.verify(token)
    expect(read.payload).toMatchObject({
      ...pidClaims,
      age_over_18: true,
      age_over_65: false,
      age_birth_year: 1984,
    })
  })

  it('a user template from createIssuer({ templates }) issues with its context and checks its claims', async () => {
    const { token } = await issuer.issue({
      format: 'vc+jwt',
      template: 'library-card',
      claims: { cardNumber: '004711' },
    })
    expect(payloadOf(token)['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://library.example/contexts/v1',
    ])
    expect(
      await errorOf(
        issuer.issue({ format: 'vc+jwt', template: 'library-card', claims: { cardNumber: 'x' } }),
      ),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/cardNumber' } })
  })

  it('claims that do not fit, an unknown template, a format the template does not issue, a type that contradicts the template: each its own code, and no status index spent', async () => {
    const before = await allocations()
    const { qualification, ...noQualification } = diplomaClaims
    expect(
      await errorOf(issuer.issue({ format: 'vc+jwt', template: 'diploma', claims: noQualification })),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/qualification', template: 'diploma' } })
    expect(
      await errorOf(
        issuer.issue({
          format: 'vc+jwt',
          template: 'diploma',
          claims: { ...diplomaClaims, qualification: { ...qualification, eqfLevel: '7' } },
        }),
      ),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/qualification/eqfLevel' } })
    expect(
      await errorOf(
        issuer.issue({ format: 'dc+sd-jwt', template: 'pid', claims: { ...pidClaims, age_over_18: true } }),
      ),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/age_over_18' } })
    expect(
      await errorOf(issuer.issue({ format: 'vc+jwt', template: 'transcript', claims: {} })),
    ).toMatchObject({
      code: 'TEMPLATE_NOT_FOUND',
    })
    expect(
      await errorOf(issuer.issue({ format: 'dc+sd-jwt', template: 'diploma', claims: diplomaClaims })),
    ).toMatchObject({
      code: 'FORMAT_UNSUPPORTED',
    })
    expect(
      await errorOf(
        issuer.issue({ format: 'vc+jwt', template: 'diploma', type: 'PhD', claims: diplomaClaims }),
      ),
    ).toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await allocations()).toBe(before)
  })
})

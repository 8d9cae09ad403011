/**
 * Issue #9 "Before signing": a credential core would refuse to sign costs nothing. Core's own
 * checks (the W3C data model, validity order, what a JWT or an SD-JWT VC can carry) run on the
 * credential with stand-in status entries before any status index is allocated, so a refused
 * issuance leaves no issuer_allocations or issuer_credentials row behind (formerly: an index
 * drawn and committed, an `active` row with no token), and the caller gets core's own error.
 * Real anvil chain, real SQLite store.
 */
import { type CivitasError, generateKeyPair, isCivitasError } from '@civitas/core'
import { defineTemplate, type IssueInput, type Issuer } from '@civitas/issuer'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countAllocations } from './issuer-support/allocations.js'
import { type Databases, issuerIdentity, openIssuer, startDatabases } from './issuer-support/setup.js'

const HOLDER = 'did:example:holder-refused'

let chain: LocalChain
let databases: Databases
let issuer: Issuer
beforeAll(async () => {
  ;[chain, databases] = await Promise.all([startLocalChain({ accounts: 3 }), startDatabases()])
  const card = defineTemplate({
    id: 'library-card',
    type: 'LibraryCard',
    formats: ['dc+sd-jwt'],
    schema: {
      type: 'object',
      required: ['cardNumber'],
      properties: { cardNumber: { type: 'string' }, branch: { type: 'string' } },
    },
    disclosable: ['/branch'],
  })
  // A misspelt pointer: "brnach" names no claim; skipping it would sign branch in the clear.
  const typo = defineTemplate({
    id: 'library-card-typo',
    type: 'LibraryCard',
    formats: ['dc+sd-jwt'],
    schema: card.schema!,
    disclosable: ['/brnach'],
  })
  issuer = await openIssuer(chain, await issuerIdentity(), databases.sqlite(), 1, { templates: [card, typo] })
}, 120_000)
afterAll(async () => {
  await issuer?.close()
  await Promise.all([chain?.stop(), databases?.stop()])
})

async function rows(): Promise<{ allocations: number; credentials: number }> {
  const db = issuer.store.db
  const [allocations, credentials] = await Promise.all([
    countAllocations(db),
    db
      .selectFrom('issuer_credentials')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return { allocations, credentials: Number(credentials.n) }
}

/** The error issue() rejects with, and the rows it left behind. */
async function refused(input: IssueInput): Promise<{ error: CivitasError; added: number[] }> {
  const before = await rows()
  let error: unknown
  try {
    await issuer.issue(input)
  } catch (caught) {
    error = caught
  }
  const after = await rows()
  if (!isCivitasError(error)) throw new Error(`expected a CivitasError, got ${String(error)}`)
  return { error, added: [after.allocations - before.allocations, after.credentials - before.credentials] }
}

describe('a credential core refuses allocates nothing', () => {
  it('the issuer still allocates and stores a good credential (the row count can change)', async () => {
    const before = await rows()
    await issuer.issue({ format: 'vc+jwt', type: 'Diploma', subject: HOLDER, claims: { degree: 'MSc' } })
    const after = await rows()
    expect([after.allocations - before.allocations, after.credentials - before.credentials]).toEqual([2, 1])
  })

  it.each(['vc+jwt', 'jwt_vc_json'] as const)(
    '%s with empty claims and no subject (empty credentialSubject): CREDENTIAL_INVALID from the data model',
    async (format) => {
      const { error, added } = await refused({ format, type: 'Diploma', claims: {} })
      expect(error.code).toBe('CREDENTIAL_INVALID')
      expect(error.message).toContain('credentialSubject must carry at least one claim')
      expect(added).toEqual([0, 0])
    },
  )

  it('a validFrom no XML Schema dateTime can carry (year 10000): CREDENTIAL_INVALID', async () => {
    const { error, added } = await refused({
      format: 'vc+jwt',
      type: 'Diploma',
      subject: HOLDER,
      claims: { degree: 'MSc' },
      validFrom: '+010000-01-01T00:00:00Z',
    })
    expect(error.code).toBe('CREDENTIAL_INVALID')
    expect(added).toEqual([0, 0])
  })

  it('validUntil before validFrom: TIME_ORDER_INVALID', async () => {
    const { error, added } = await refused({
      format: 'jwt_vc_json',
      type: 'Diploma',
      subject: HOLDER,
      claims: { degree: 'MSc' },
      validFrom: '2030-01-01T00:00:00Z',
      validUntil: '2029-01-01T00:00:00Z',
    })
    expect(error.code).toBe('TIME_ORDER_INVALID')
    expect(added).toEqual([0, 0])
  })

  it('claims JSON cannot carry (a BigInt): INVALID_ARGUMENT, as core refuses to sign them', async () => {
    const { error, added } = await refused({
      format: 'vc+jwt',
      type: 'Diploma',
      subject: HOLDER,
      claims: { credits: 120n },
    })
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toContain('BigInt')
    expect(added).toEqual([0, 0])
  })

  it('dc+sd-jwt valid from before 1970 (no NumericDate): CLAIM_INVALID', async () => {
    const { error, added } = await refused({
      format: 'dc+sd-jwt',
      type: 'urn:eudi:pid:1',
      claims: { given_name: 'Ada' },
      validFrom: '1969-12-31T00:00:00Z',
    })
    expect(error.code).toBe('CLAIM_INVALID')
    expect(error.message).toContain('nbf')
    expect(added).toEqual([0, 0])
  })

  it('dc+sd-jwt with a token claim among the claims (iss): INVALID_ARGUMENT', async () => {
    const { error, added } = await refused({
      format: 'dc+sd-jwt',
      type: 'urn:eudi:pid:1',
      claims: { iss: 'did:example:someone-else', given_name: 'Ada' },
    })
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toContain('"iss" is a token claim')
    expect(added).toEqual([0, 0])
  })

  it('dc+sd-jwt with a claim named like an SD-JWT digest member (...): SD_CLAIM_NAME_RESERVED', async () => {
    const { error, added } = await refused({
      format: 'dc+sd-jwt',
      type: 'urn:eudi:pid:1',
      claims: { '...': 'forged', given_name: 'Ada' },
    })
    expect(error.code).toBe('SD_CLAIM_NAME_RESERVED')
    expect(added).toEqual([0, 0])
  })

  it('dc+sd-jwt whose template lists an optional claim as disclosable: issued without it when the claim is absent', async () => {
    const holder = await generateKeyPair('ES256')
    const { token } = await issuer.issue({
      format: 'dc+sd-jwt',
      template: 'library-card',
      claims: { cardNumber: '004711' },
      holderKey: holder.publicJwk,
    })
    // The issuer-signed JWT and no Disclosure: cardNumber in the clear, no branch anywhere.
    const [jwt, ...disclosures] = token.split('~')
    expect(disclosures.filter((d) => d !== '')).toEqual([])
    const payload = JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >
    expect(payload).toMatchObject({ cardNumber: '004711' })
    expect(payload).not.toHaveProperty('branch')
    expect(payload).not.toHaveProperty('_sd')
  })

  it("dc+sd-jwt whose template lists a pointer that names no claim (a typo): core's INVALID_ARGUMENT, before allocation", async () => {
    const holder = await generateKeyPair('ES256')
    const { error, added } = await refused({
      format: 'dc+sd-jwt',
      template: 'library-card-typo',
      claims: { cardNumber: '004711', branch: 'Centrale' },
      holderKey: holder.publicJwk,
    })
    expect(error.code).toBe('INVALID_ARGUMENT')
    expect(error.message).toContain('/brnach')
    expect(added).toEqual([0, 0])
  })

  it('a dc+sd-jwt checked before allocation is signed with its drawn status, not the stand-in', async () => {
    const holder = await generateKeyPair('ES256')
    const { token, status } = await issuer.issue({
      format: 'dc+sd-jwt',
      template: 'library-card',
      claims: { cardNumber: '004711', branch: 'Centrale' },
      holderKey: holder.publicJwk,
    })
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
      status: { status_list: { idx: number; uri: string; statusChain: { listId: string } } }
    }
    expect(payload.status.status_list).toMatchObject({
      idx: status[0]!.index,
      uri: status[0]!.url,
      statusChain: { listId: String(status[0]!.listId) },
    })
  })
})

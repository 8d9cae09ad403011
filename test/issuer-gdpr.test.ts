import { existsSync, readFileSync } from 'node:fs'
import { generateKeyPair, isCivitasError, type Jwk, jwkThumbprint } from '@civitas/core'
import type { Issuer } from '@civitas/issuer'
import { createStatusRegistryClient } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { sql } from '@civitas/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countAllocations } from './issuer-support/allocations.js'
import { type Databases, issuerIdentity, openIssuer, startDatabases } from './issuer-support/setup.js'

// Issue #9 "Storage", GDPR: exportSubject gives a holder everything the issuer holds about
// them; eraseSubject leaves only what revocation needs (list, index, HMAC of the credential
// id), so the database no longer names the person, while revoke(id) keeps working.

const HOLDER = 'did:key:z6MkGdprHolderXimenaQuetzalBrandt0001'
const OTHER = 'did:key:z6MkGdprOtherHolderUntouched000000002'
const CLAIMS = { familyName: 'Quetzal-Brandt', givenName: 'Ximena', birthDate: '1999-04-17' }
const ROW_KEY = 'enrolment-2024-ximena-4711'

let chain: LocalChain
let databases: Databases
beforeAll(async () => {
  ;[chain, databases] = await Promise.all([startLocalChain({ accounts: 4 }), startDatabases()])
})
afterAll(async () => {
  await Promise.all([chain?.stop(), databases?.stop()])
})

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    return isCivitasError(error) ? error.code : `not a CivitasError: ${String(error)}`
  }
}

interface Issued {
  kept: { id: string; token: string; status: { listId: number; index: number }[] }
  revoked: { id: string; status: { listId: number; index: number }[] }
  other: { id: string }
}

/** Two credentials to HOLDER (one kept by its idempotency key, one revoked and flushed), one to OTHER. */
async function issueFixtures(issuer: Issuer): Promise<Issued> {
  const kept = await issuer.issue({
    format: 'vc+jwt',
    type: 'VerifiableDiploma',
    subject: HOLDER,
    claims: CLAIMS,
    idempotencyKey: ROW_KEY,
  })
  const revoked = await issuer.issue({
    format: 'jwt_vc_json',
    type: 'VerifiableDiploma',
    subject: HOLDER,
    claims: CLAIMS,
  })
  const other = await issuer.issue({
    format: 'jwt_vc_json',
    type: 'VerifiableDiploma',
    subject: OTHER,
    claims: { familyName: 'Other' },
  })
  await issuer.revoke(revoked.id)
  await issuer.flush()
  return { kept, revoked, other }
}

/** Strings that name the holder: the DID, the claim values, the ids, the caller's key, the signed payload. */
function personalStrings(issued: Issued): string[] {
  return [
    HOLDER,
    ...Object.values(CLAIMS),
    ROW_KEY,
    issued.kept.id,
    issued.revoked.id,
    issued.kept.token.split('.')[1]!.slice(0, 48),
  ]
}

function hits(haystack: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => haystack.includes(needle))
}

const kinds = [
  { name: 'SQLite', account: 1 },
  { name: 'PostgreSQL', account: 2 },
] as const

for (const kind of kinds) {
  describe(`GDPR export and erasure on ${kind.name}`, () => {
    let issuer: Issuer
    let target: string
    let issued: Issued
    beforeAll(async () => {
      target = kind.name === 'SQLite' ? databases.sqlite() : await databases.postgres()
      issuer = await openIssuer(chain, await issuerIdentity(), target, kind.account)
      issued = await issueFixtures(issuer)
    }, 120_000)
    afterAll(async () => {
      await issuer?.close()
    })

    /** Every byte the store holds: the SQLite files, or every row of every PostgreSQL table. */
    async function storeContents(): Promise<string> {
      if (kind.name === 'SQLite') {
        const path = target.slice('sqlite:'.length)
        return [path, `${path}-wal`]
          .filter((file) => existsSync(file))
          .map((file) => readFileSync(file).toString('latin1'))
          .join('\n')
      }
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(issuer.store.db)
      expect(tables.rows.map((t) => t.table_name)).toContain('issuer_credentials')
      const dumps: string[] = []
      for (const { table_name } of tables.rows) {
        const rows = await sql`select * from ${sql.table(table_name)}`.execute(issuer.store.db)
        dumps.push(JSON.stringify(rows.rows))
      }
      return dumps.join('\n')
    }

    it('exportSubject returns every credential of the holder with its status and log, and none of another holder', async () => {
      const exported = await issuer.exportSubject(HOLDER)
      expect(exported).toMatchObject({ subject: HOLDER, issuer: issuer.did })
      expect(exported.credentials.map((c) => c.id).sort()).toEqual([issued.kept.id, issued.revoked.id].sort())
      const kept = exported.credentials.find((c) => c.id === issued.kept.id)!
      expect(kept).toMatchObject({
        state: 'active',
        idempotencyKey: ROW_KEY,
        token: issued.kept.token,
        type: 'VerifiableDiploma',
      })
      expect(kept.status.map((s) => s.purpose)).toEqual(['revocation', 'suspension'])
      const revoked = exported.credentials.find((c) => c.id === issued.revoked.id)!
      expect(revoked.state).toBe('revoked')
      expect(revoked.history).toEqual([
        expect.objectContaining({
          purpose: 'revocation',
          op: 'set',
          applied: true,
          transaction: expect.any(String),
        }),
      ])
      expect(JSON.stringify(exported)).not.toContain(OTHER)
      expect((await issuer.exportSubject('did:key:z6MkNobody')).credentials).toEqual([])
    })

    it('eraseSubject leaves no name, DID, claim value, id or key of the holder in the store; the other holder stays', async () => {
      // The scan finds them before erasure, so it is able to fail.
      expect(hits(await storeContents(), [HOLDER, ROW_KEY, issued.kept.id])).toEqual([
        HOLDER,
        ROW_KEY,
        issued.kept.id,
      ])
      // A change queued before erasure is not lost by it.
      await issuer.suspend(issued.kept.id)
      const rowsBefore = await issuer.store.db.selectFrom('issuer_credentials').select('seq').execute()
      expect(await issuer.eraseSubject(HOLDER)).toEqual({ erased: 2 })
      // The rows are gone, not blanked: a row left in place would sit between its neighbours'
      // issuance times and date the erased credential. What stays is keyed by the id's HMAC only.
      const rowsAfter = await issuer.store.db.selectFrom('issuer_credentials').select('seq').execute()
      expect(rowsAfter).toHaveLength(rowsBefore.length - 2)
      const residue = await issuer.store.db.selectFrom('issuer_erased').selectAll().execute()
      expect(residue).toHaveLength(2)
      for (const row of residue) {
        expect(Object.keys(row).sort()).toEqual(
          [
            'format',
            'id_hash',
            'revocation_idx',
            'revocation_list',
            'state',
            'suspension_idx',
            'suspension_list',
            'type',
          ].sort(),
        )
      }
      expect(hits(await storeContents(), personalStrings(issued))).toEqual([])
      expect((await issuer.exportSubject(HOLDER)).credentials).toEqual([])
      expect((await issuer.exportSubject(OTHER)).credentials.map((c) => c.id)).toEqual([issued.other.id])
      expect(await issuer.eraseSubject(HOLDER)).toEqual({ erased: 0 })
    })

    it('after erasure revoke/suspend by credential id still work and reach the chain', async () => {
      const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
      const owner = chain.wallets[kind.account]!.address
      const [revocation, suspension] = issued.kept.status
      await issuer.revoke(issued.kept.id)
      expect(await codeOf(issuer.revoke(issued.kept.id))).toBe('ALREADY_REVOKED')
      expect(await codeOf(issuer.revoke(issued.revoked.id))).toBe('ALREADY_REVOKED')
      await issuer.flush()
      expect(await registry.isSet(owner, revocation!.listId, revocation!.index)).toBe(true)
      expect(await registry.isSet(owner, suspension!.listId, suspension!.index)).toBe(true)
      // Reissuing under the erased idempotency key does not resurrect the erased credential.
      expect(
        await codeOf(
          issuer.issue({
            format: 'vc+jwt',
            type: 'VerifiableDiploma',
            subject: HOLDER,
            claims: CLAIMS,
            idempotencyKey: ROW_KEY,
          }),
        ),
      ).toBeUndefined()
    })

    it("an SD-JWT VC bound only by holderKey is filed under the key's RFC 9278 thumbprint URI: exported and erased by JWK or URI, revoke(id) still works", async () => {
      const holder = await generateKeyPair('ES256')
      const uri = `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${await jwkThumbprint(holder.publicJwk)}`
      const pid = await issuer.issue({
        format: 'dc+sd-jwt',
        type: 'urn:eudi:pid:1',
        claims: { given_name: 'Ximena', family_name: 'Quetzal-Brandt' },
        holderKey: holder.publicJwk,
      })
      const byJwk = await issuer.exportSubject(holder.publicJwk)
      expect(byJwk.subject).toBe(uri)
      expect(byJwk.credentials.map((c) => c.id)).toEqual([pid.id])
      expect(byJwk.credentials[0]).toMatchObject({ format: 'dc+sd-jwt', state: 'active' })
      expect((await issuer.exportSubject(uri)).credentials.map((c) => c.id)).toEqual([pid.id])
      // The same key with its private member is refused, never looked up.
      expect(await codeOf(issuer.exportSubject(holder.privateJwk))).toBe('INVALID_ARGUMENT')

      expect(hits(await storeContents(), [pid.id, uri])).toEqual([pid.id, uri])
      expect(await issuer.eraseSubject(holder.publicJwk)).toEqual({ erased: 1 })
      expect(hits(await storeContents(), [pid.id, uri])).toEqual([])
      expect((await issuer.exportSubject(uri)).credentials).toEqual([])
      expect(await issuer.eraseSubject(uri)).toEqual({ erased: 0 })

      const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
      const [revocation] = pid.status
      await issuer.revoke(pid.id)
      await issuer.flush()
      expect(
        await registry.isSet(chain.wallets[kind.account]!.address, revocation!.listId, revocation!.index),
      ).toBe(true)
    })

    it('with both subject and holderKey the credential is filed under the subject DID', async () => {
      const holder = await generateKeyPair('ES256')
      const subject = 'did:key:z6MkGdprHolderWithKeyAndDid00000003'
      const pid = await issuer.issue({
        format: 'dc+sd-jwt',
        type: 'urn:eudi:pid:1',
        subject,
        claims: { given_name: 'Ximena' },
        holderKey: holder.publicJwk,
      })
      expect((await issuer.exportSubject(subject)).credentials.map((c) => c.id)).toEqual([pid.id])
      expect((await issuer.exportSubject(holder.publicJwk)).credentials).toEqual([])
    })

    it('a private, malformed or misplaced holderKey is INVALID_ARGUMENT with no index allocated and no row written', async () => {
      const holder = await generateKeyPair('ES256')
      const rows = async () => {
        const db = issuer.store.db
        const [allocations, credentials] = await Promise.all([
          countAllocations(db),
          db
            .selectFrom('issuer_credentials')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow(),
        ])
        return [allocations, Number(credentials.n)]
      }
      const before = await rows()
      const pid = (holderKey: unknown, format: 'dc+sd-jwt' | 'jwt_vc_json' = 'dc+sd-jwt') =>
        codeOf(
          issuer.issue({
            format,
            type: 'urn:eudi:pid:1',
            ...(format === 'jwt_vc_json' ? { subject: HOLDER } : {}),
            claims: { given_name: 'Ximena' },
            holderKey: holderKey as Jwk,
          }),
        )
      expect(await pid(holder.privateJwk)).toBe('INVALID_ARGUMENT')
      expect(await pid({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' })).toBe('INVALID_ARGUMENT')
      expect(await pid({ kty: 'oct', k: 'c2VjcmV0' })).toBe('INVALID_ARGUMENT')
      expect(await pid('not a key')).toBe('INVALID_ARGUMENT')
      // The JWT formats bind by subject: a key there would bind nothing.
      expect(await pid(holder.publicJwk, 'jwt_vc_json')).toBe('INVALID_ARGUMENT')
      expect(await rows()).toEqual(before)
    })

    it('a subject id that is not a string is INVALID_ARGUMENT', async () => {
      expect(await codeOf(issuer.exportSubject(42 as unknown as string))).toBe('INVALID_ARGUMENT')
      expect(await codeOf(issuer.eraseSubject(''))).toBe('INVALID_ARGUMENT')
    })
  })
}

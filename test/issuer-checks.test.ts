import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CivitasErrorCode, isCivitasError } from '@civitas/core'
import { type CreateIssuerOptions, createIssuer, defineTemplate, type Issuer } from '@civitas/issuer'
import { createVerifier } from '@civitas/verifier'
import { Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countAllocations } from './issuer-support/allocations.js'
import { DIPLOMA, type Entity, entity, newHolder, PID, startWorld, type World } from './verifier-support.js'

// Issue #9 "Before signing": the issuer checks that its own accreditation in the
// TrustedIssuersRegistry covers the credential's type, and validates the credential against
// the JSON Schema registered in the SchemaRegistry (hash checked), before any status index is
// allocated or anything signed. Real anvil chain, real registries, schema served over HTTP.

let world: World
let dir: string
const opened: Issuer[] = []

beforeAll(async () => {
  world = await startWorld()
  dir = await mkdtemp(join(tmpdir(), 'civitas-issuer-checks-'))
})
afterAll(async () => {
  await Promise.all(opened.map((i) => i.close()))
  await world?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const schemaTemplate = () =>
  defineTemplate({
    id: 'registered-diploma',
    type: DIPLOMA,
    formats: ['vc+jwt', 'jwt_vc_json'],
    credentialSchema: { id: world.schemaId, type: 'JsonSchema' },
  })

async function open(who: Entity, extra: Partial<CreateIssuerOptions> = {}): Promise<Issuer> {
  const issuer = await createIssuer({
    did: who.did,
    signer: who.signer,
    chain: { manifest: world.chain.manifest, txSigner: who.wallet },
    store: `sqlite:${join(dir, `${crypto.randomUUID()}.db`)}`,
    statusLists: { baseUrl: `${world.http.url}/status`, purposes: ['revocation'] },
    flushIntervalMs: 0,
    templates: [schemaTemplate()],
    ...extra,
  })
  opened.push(issuer)
  return issuer
}

async function codeOf(promise: Promise<unknown>): Promise<CivitasErrorCode | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isCivitasError(error), String(error)).toBe(true)
  return (error as { code: CivitasErrorCode }).code
}

async function allocations(issuer: Issuer): Promise<number> {
  return countAllocations(issuer.store.db)
}

describe('accreditation before signing', () => {
  it('an accredited university issues VerifiableDiploma and the PID type it holds; the verifier trusts both', async () => {
    const issuer = await open(world.university)
    const holder = await newHolder()
    const verifier = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
      policy: { checks: { status: false } },
    })
    const { token } = await issuer.issue({
      format: 'vc+jwt',
      type: DIPLOMA,
      subject: holder.did,
      claims: { n: 1 },
    })
    const result = await verifier.verifyCredential(token)
    expect(result.checks.find((c) => c.id === 'credential/trust')?.ok).toBe(true)
    await issuer.issue({
      format: 'dc+sd-jwt',
      type: PID,
      claims: { given_name: 'Ada' },
      holderKey: holder.publicJwk,
    })
  })

  it('a type outside the accreditation is ACCREDITATION_SCOPE_EXCEEDED, with no index allocated and nothing signed', async () => {
    const signed: unknown[] = []
    const signer = {
      ...world.university.signer,
      sign: async (bytes: Uint8Array) => {
        signed.push(bytes)
        return world.university.signer.sign(bytes)
      },
    }
    const issuer = await open(world.university, { signer })
    await issuer.issue({ format: 'vc+jwt', type: DIPLOMA, claims: { n: 1 } })
    const before = { allocations: await allocations(issuer), signed: signed.length }
    expect(await codeOf(issuer.issue({ format: 'vc+jwt', type: 'VerifiableId', claims: { n: 1 } }))).toBe(
      'ACCREDITATION_SCOPE_EXCEEDED',
    )
    // A registrar accredited for VerifiableId only, and an issuer nobody accredited.
    expect(
      await codeOf(
        (await open(world.registrar)).issue({ format: 'jwt_vc_json', type: DIPLOMA, claims: { n: 1 } }),
      ),
    ).toBe('ACCREDITATION_SCOPE_EXCEEDED')
    expect(
      await codeOf(
        (await open(world.rogue)).issue({ format: 'jwt_vc_json', type: DIPLOMA, claims: { n: 1 } }),
      ),
    ).toBe('ACCREDITATION_SCOPE_EXCEEDED')
    expect({ allocations: await allocations(issuer), signed: signed.length }).toEqual(before)
  })

  it('a revoked accreditation is ACCREDITATION_INACTIVE once the cached records expire (ttlMs)', async () => {
    const college = entity(world, world.chain.wallets[7]!)
    const record = await world.agency.registries.trustedIssuers.accredit(
      college.address,
      'TrustedIssuer',
      world.agencyRecord,
      {
        types: [DIPLOMA],
        documentHash: `0x${'ef'.repeat(32)}`,
        documentUri: 'https://accreditations.civitas.test/college-7',
      },
    )
    const cachedLong = await open(college, { checks: { accreditation: { ttlMs: 3_600_000 } } })
    const fresh = await open(college, { checks: { accreditation: { ttlMs: 0 } } })
    await cachedLong.issue({ format: 'vc+jwt', type: DIPLOMA, claims: { n: 1 } })
    await fresh.issue({ format: 'vc+jwt', type: DIPLOMA, claims: { n: 1 } })
    await world.agency.registries.trustedIssuers.revoke(college.address, record.index)
    expect(await codeOf(fresh.issue({ format: 'vc+jwt', type: DIPLOMA, claims: { n: 1 } }))).toBe(
      'ACCREDITATION_INACTIVE',
    )
    // Within its TTL the first issuer still answers from the records it read.
    await cachedLong.issue({ format: 'vc+jwt', type: DIPLOMA, claims: { n: 1 } })
  })

  it('a chain that cannot answer is CHAIN_UNAVAILABLE: fail closed, nothing allocated', async () => {
    const issuer = await open(world.university, {
      chain: {
        manifest: world.chain.manifest,
        rpcUrl: 'http://127.0.0.1:9',
        txSigner: new Wallet(world.university.wallet.privateKey),
      },
    })
    expect(await codeOf(issuer.issue({ format: 'vc+jwt', type: DIPLOMA, claims: { n: 1 } }))).toBe(
      'CHAIN_UNAVAILABLE',
    )
    expect(await allocations(issuer)).toBe(0)
  })

  it('an issuer DID that cannot hold an accreditation (did:key) needs checks.accreditation: false, else createIssuer is INVALID_ARGUMENT', async () => {
    const holder = await newHolder()
    const asIssuer = { ...world.rogue, did: holder.did, signer: holder.signer }
    expect(await codeOf(open(asIssuer))).toBe('INVALID_ARGUMENT')
    const issuer = await open(asIssuer, { checks: { accreditation: false } })
    await issuer.issue({ format: 'vc+jwt', type: 'AnyType', claims: { n: 1 } })
  })
})

describe('JSON Schema of the SchemaRegistry before signing', () => {
  const fits = { familyName: 'Rossi', degree: 'MSc', awarded: '2026-07-15' }

  it('a credential that fits its registered schema is issued; one that does not is SCHEMA_INVALID with no index allocated', async () => {
    const issuer = await open(world.university)
    const holder = await newHolder()
    for (const format of ['vc+jwt', 'jwt_vc_json'] as const) {
      await issuer.issue({ format, template: 'registered-diploma', subject: holder.did, claims: fits })
    }
    const before = await allocations(issuer)
    expect(
      await codeOf(
        issuer.issue({
          format: 'vc+jwt',
          template: 'registered-diploma',
          subject: holder.did,
          claims: { ...fits, degree: 'Diploma' },
        }),
      ),
    ).toBe('SCHEMA_INVALID')
    // credentialSubject.id is required by the schema: no subject, no credential.
    expect(
      await codeOf(issuer.issue({ format: 'vc+jwt', template: 'registered-diploma', claims: fits })),
    ).toBe('SCHEMA_INVALID')
    expect(await allocations(issuer)).toBe(before)
  })

  it('a schema document that does not hash to the registered hash is SCHEMA_HASH_MISMATCH; a schema id nobody registered is SCHEMA_UNAVAILABLE', async () => {
    const holder = await newHolder()
    const route = world.http.routes.get('/schemas/diploma-1.json')!
    world.http.routes.set('/schemas/diploma-1.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/schema+json' }).end('{"type":"object"}')
    })
    try {
      const issuer = await open(world.university)
      expect(
        await codeOf(
          issuer.issue({
            format: 'vc+jwt',
            template: 'registered-diploma',
            subject: holder.did,
            claims: fits,
          }),
        ),
      ).toBe('SCHEMA_HASH_MISMATCH')
    } finally {
      world.http.routes.set('/schemas/diploma-1.json', route)
    }
    const unregistered = defineTemplate({
      id: 'unregistered',
      type: DIPLOMA,
      credentialSchema: { id: 'https://schemas.civitas.test/nobody/1.json', type: 'JsonSchema' },
    })
    const issuer = await open(world.university, { templates: [unregistered] })
    expect(await codeOf(issuer.issue({ format: 'vc+jwt', template: 'unregistered', claims: fits }))).toBe(
      'SCHEMA_UNAVAILABLE',
    )
  })

  it('a schema server that never answers is SCHEMA_UNAVAILABLE within timeoutMs, and checks.schema: false skips the check', async () => {
    const holder = await newHolder()
    const route = world.http.routes.get('/schemas/diploma-1.json')!
    world.http.routes.set('/schemas/diploma-1.json', () => new Promise<void>(() => undefined))
    try {
      const issuer = await open(world.university, { checks: { schema: { timeoutMs: 300 } } })
      expect(
        await codeOf(
          issuer.issue({
            format: 'vc+jwt',
            template: 'registered-diploma',
            subject: holder.did,
            claims: fits,
          }),
        ),
      ).toBe('SCHEMA_UNAVAILABLE')
      const unchecked = await open(world.university, { checks: { schema: false } })
      await unchecked.issue({
        format: 'vc+jwt',
        template: 'registered-diploma',
        subject: holder.did,
        claims: fits,
      })
    } finally {
      world.http.routes.set('/schemas/diploma-1.json', route)
    }
  })
})

/**
 * End to end: credentials issued by @civitas/issuer (a did:ethr university the agency
 * accredits on chain, SQLite store, status lists served by its statusListHandler over real
 * HTTP) verify with @civitas/verifier in every format, both by reading the status words on
 * chain and by fetching the issuer's signed lists; the issuer's revoke / suspend / reinstate,
 * once flushed, are what the verifier reports.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { presentSdJwt } from '@civitas/core'
import { createIssuer, type Issuer } from '@civitas/issuer'
import { ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { createVerifier, type Verifier } from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIPLOMA, type Entity, entity, newHolder, PID, startWorld, type World } from './verifier-support.js'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

describe('@civitas/issuer → @civitas/verifier', () => {
  let world: World
  let college: Entity
  let issuer: Issuer
  let server: Server
  let dir: string

  /** Reads status on chain (statusChain): the issuer never sees the request. */
  const onChain = (): Verifier =>
    createVerifier({ chain: { manifest: world.chain.manifest }, trust: { rootTaos: [world.ministry.did] } })
  /** No chain: status from the issuer's signed lists over HTTP, trust by allow-list. */
  const overHttp = (): Verifier =>
    createVerifier({
      networks: [ethrNetworkFromManifest(world.chain.manifest)],
      trust: { issuers: [college.did] },
      policy: { checks: { schema: false } },
    })

  beforeAll(async () => {
    world = await startWorld()
    college = entity(world, world.chain.wallets[6]!)
    await world.agency.registries.trustedIssuers.accredit(
      college.address,
      'TrustedIssuer',
      world.agencyRecord,
      {
        types: [DIPLOMA, PID],
        documentHash: `0x${'cd'.repeat(32)}`,
        documentUri: 'https://accreditations.civitas.test/college',
      },
    )
    dir = await mkdtemp(join(tmpdir(), 'civitas-verifier-e2e-'))
    let handle: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 })
    server = createServer(async (req, res) => {
      const response = await handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method }))
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`
    issuer = await createIssuer({
      did: college.did,
      signer: college.signer,
      chain: { manifest: world.chain.manifest, txSigner: college.wallet },
      store: `sqlite:${join(dir, 'issuer.db')}`,
      statusLists: { baseUrl: base, purposes: ['revocation', 'suspension'], ttlSeconds: 1 },
      flushIntervalMs: 0,
    })
    handle = issuer.statusListHandler()
  })
  afterAll(async () => {
    await issuer?.close()
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await world?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  for (const format of ['jwt_vc_json', 'vc+jwt'] as const) {
    it(`${format}: verifies on chain and over HTTP; revoked, both say so`, async () => {
      const holder = await newHolder()
      const { token, id } = await issuer.issue({
        format,
        type: DIPLOMA,
        subject: holder.did,
        claims: { familyName: 'Rossi', degree: 'MSc' },
      })
      expect(failures(await onChain().verifyCredential(token))).toEqual([])
      const http = await overHttp().verifyCredential(token)
      expect(failures(http)).toEqual([])
      expect(http.checks.find((c) => c.id === 'credential/status')?.data?.entries).toMatchObject([
        { source: 'list' },
        { source: 'list' },
      ])
      await issuer.revoke(id)
      await issuer.flush()
      expect(failures(await onChain().verifyCredential(token))).toEqual([
        'credential/status: CREDENTIAL_REVOKED',
      ])
      await new Promise((resolve) => setTimeout(resolve, 1_100)) // the handler's list cache (ttl / 2)
      expect(failures(await overHttp().verifyCredential(token))).toEqual([
        'credential/status: CREDENTIAL_REVOKED',
      ])
    })
  }

  it('suspend then reinstate through the issuer: suspended, then verified again', async () => {
    const holder = await newHolder()
    const { token, id } = await issuer.issue({
      format: 'vc+jwt',
      type: DIPLOMA,
      subject: holder.did,
      claims: { degree: 'PhD' },
    })
    await issuer.suspend(id)
    await issuer.flush()
    expect(failures(await onChain().verifyCredential(token))).toEqual([
      'credential/status: CREDENTIAL_SUSPENDED',
    ])
    await issuer.reinstate(id)
    await issuer.flush()
    expect(failures(await onChain().verifyCredential(token))).toEqual([])
  })

  it('dc+sd-jwt: a key-bound presentation verifies on chain and against the Token Status List over HTTP', async () => {
    const holder = await newHolder()
    const { token, id } = await issuer.issue({
      format: 'dc+sd-jwt',
      type: PID,
      claims: { given_name: 'Erika', age_over_18: true },
      holderKey: holder.publicJwk,
    })
    const present = () =>
      presentSdJwt(token, {
        disclose: { age_over_18: true },
        keyBinding: { signer: holder.signer, nonce: 'e2e', audience: 'https://border.test' },
      })
    const options = { nonce: 'e2e', audience: 'https://border.test' }
    expect(failures(await onChain().verifyPresentation(await present(), options))).toEqual([])
    expect(failures(await overHttp().verifyPresentation(await present(), options))).toEqual([])
    await issuer.revoke(id)
    await issuer.flush()
    expect(failures(await onChain().verifyPresentation(await present(), options))).toEqual([
      'credential/status: CREDENTIAL_REVOKED',
    ])
  })
})

/**
 * credential/status in detail: on-chain words read in one eth_call per list and block (1,000
 * credentials of one list cost at most 2 RPC calls, counted at a JSON-RPC proxy), and the
 * issuer's signed lists over real HTTP — Bitstring Status List credentials and IETF Token
 * Status Lists — with their signer, purpose and ttl honoured.
 */
import { encodeBitstringStatusListBytes, issueJwtVc, presentSdJwt } from '@civitas/core'
import { ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { type CredentialVerificationResult, createVerifier } from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RpcProxy, startRpcProxy } from './verifier-rpc-proxy.js'
import {
  drawIndex,
  issueDiploma,
  issuePid,
  listUrl,
  REVOCATION_LIST,
  startWorld,
  TOKEN_LIST,
  type World,
} from './verifier-support.js'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

function statusOf(result: CredentialVerificationResult) {
  return result.checks.find((c) => c.id === 'credential/status')
}

describe('credential/status', () => {
  let world: World
  let proxy: RpcProxy

  beforeAll(async () => {
    world = await startWorld()
    proxy = await startRpcProxy(world.chain.rpcUrl)
  })
  afterAll(async () => {
    await proxy?.close()
    await world?.stop()
  })

  /** A verifier without a chain: status from the issuer's HTTP lists only. */
  const httpVerifier = (clock?: () => number, limits?: { timeoutMs?: number }) =>
    createVerifier({
      networks: [ethrNetworkFromManifest(world.chain.manifest)],
      trust: { issuers: [world.university.did] },
      ...(clock ? { clock } : {}),
      ...(limits ? { limits: { statusLists: limits } } : {}),
    })

  it('1,000 credentials on one list: at most 2 RPC calls (head block + one getWords), counted at the node', async () => {
    // Distinct random indices, as an issuer draws them without replacement.
    const indices = new Set<number>()
    while (indices.size < 1_000) indices.add(drawIndex())
    const credentials = await Promise.all(
      [...indices].map((revocationIndex) =>
        issueDiploma(world, { purposes: ['revocation'], schema: false, revocationIndex }),
      ),
    )
    const revoked = credentials.slice(0, 10).map((c) => c.revocationIndex)
    await world.university.registries.status.update(world.university.address, REVOCATION_LIST, {
      set: revoked,
    })
    const verifier = createVerifier({
      // DID documents from the node directly: only the status reads go through the counting proxy.
      networks: [ethrNetworkFromManifest(world.chain.manifest)],
      chain: { manifest: world.chain.manifest, rpcUrl: proxy.url, headTtlMs: 3_600_000 },
      trust: { issuers: [world.university.did] },
    })
    proxy.reset()
    const results = await verifier.verifyMany(
      credentials.map((c) => c.token),
      { concurrency: 16 },
    )
    expect(proxy.total()).toBeLessThanOrEqual(2)
    expect(Object.fromEntries(proxy.calls)).toEqual({ eth_blockNumber: 1, eth_call: 1 })
    const refused = results.flatMap((r, i) => (r.verified ? [] : [i]))
    expect(refused).toEqual(Array.from({ length: 10 }, (_, i) => i))
    expect(results.slice(0, 10).every((r) => statusOf(r)?.code === 'CREDENTIAL_REVOKED')).toBe(true)
  })

  it('W3C Bitstring Status List credential over HTTP: verified, signed by the issuer, revocation reflected', async () => {
    const { token, revocationIndex } = await issueDiploma(world, { schema: false, listsOnly: true })
    const verifier = httpVerifier()
    const before = await verifier.verifyCredential(token)
    expect(failures(before)).toEqual([])
    expect(statusOf(before)?.data?.entries).toMatchObject([{ source: 'list' }, { source: 'list' }])
    await world.university.registries.status.update(world.university.address, REVOCATION_LIST, {
      set: [revocationIndex],
    })
    expect(failures(await httpVerifier().verifyCredential(token))).toEqual([
      'credential/status: CREDENTIAL_REVOKED',
    ])
  })

  it('a list is reused for its ttl, then fetched again', async () => {
    const { token, revocationIndex } = await issueDiploma(world, { schema: false, listsOnly: true })
    let now = Date.now()
    const verifier = httpVerifier(() => now)
    const path = new URL(listUrl(world, world.university, REVOCATION_LIST)).pathname
    const hits = () => world.http.hits.get(path) ?? 0
    expect(failures(await verifier.verifyCredential(token))).toEqual([])
    const fetched = hits()
    await world.university.registries.status.update(world.university.address, REVOCATION_LIST, {
      set: [revocationIndex],
    })
    expect(failures(await verifier.verifyCredential(token))).toEqual([])
    expect(hits()).toBe(fetched)
    now += 61_000 // past the default ttl of a list that names none (60 s)
    expect(failures(await verifier.verifyCredential(token))).toEqual([
      'credential/status: CREDENTIAL_REVOKED',
    ])
    expect(hits()).toBe(fetched + 1)
  })

  it('IETF Token Status List over HTTP for an SD-JWT VC', async () => {
    const { token, holder, index } = await issuePid(world)
    // The entry names its chain too; a verifier without a chain reads the list at its uri.
    const verifier = httpVerifier()
    const present = async () =>
      verifier.verifyPresentation(
        await presentSdJwt(token, {
          disclose: {},
          keyBinding: { signer: holder.signer, nonce: 'n', audience: 'a' },
        }),
        { nonce: 'n', audience: 'a' },
      )
    const result = await present()
    expect(failures(result)).toEqual([])
    const status = result.checks.find((c) => c.id === 'credential/status')
    expect(status?.data?.entries).toMatchObject([{ source: 'list', value: 0 }])
    await world.university.registries.status.update(world.university.address, TOKEN_LIST, { set: [index] })
    const again = await httpVerifier().verifyPresentation(
      await presentSdJwt(token, {
        disclose: {},
        keyBinding: { signer: holder.signer, nonce: 'n', audience: 'a' },
      }),
      { nonce: 'n', audience: 'a' },
    )
    expect(failures(again)).toEqual(['credential/status: CREDENTIAL_REVOKED'])
  })

  it('a list signed by someone else than the credential issuer → STATUS_LIST_INVALID', async () => {
    const { token } = await issueDiploma(world, { schema: false, listsOnly: true, purposes: ['revocation'] })
    const path = new URL(listUrl(world, world.university, REVOCATION_LIST)).pathname
    const original = world.http.routes.get(path)!
    const roguePath = new URL(listUrl(world, world.rogue, REVOCATION_LIST)).pathname
    world.http.routes.set(path, world.http.routes.get(roguePath)!)
    try {
      const result = await httpVerifier().verifyCredential(token)
      expect(failures(result)).toEqual(['credential/status: STATUS_LIST_INVALID'])
      expect(statusOf(result)?.message).toMatch(/not by the credential's issuer/)
    } finally {
      world.http.routes.set(path, original)
    }
  })

  it('a list of the wrong purpose (suspension list named as revocation) → STATUS_LIST_INVALID', async () => {
    const { token } = await issueDiploma(world, { schema: false, listsOnly: true, purposes: ['revocation'] })
    const path = new URL(listUrl(world, world.university, REVOCATION_LIST)).pathname
    const original = world.http.routes.get(path)!
    world.http.routes.set(path, async (_req, res) => {
      const credential = {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: listUrl(world, world.university, REVOCATION_LIST),
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: world.university.did,
        credentialSubject: {
          type: 'BitstringStatusList',
          statusPurpose: 'suspension',
          encodedList: encodeBitstringStatusListBytes(new Uint8Array(16_384)),
        },
      }
      res
        .writeHead(200)
        .end(await issueJwtVc(credential, { format: 'vc+jwt', signer: world.university.signer }))
    })
    try {
      const result = await httpVerifier().verifyCredential(token)
      expect(failures(result)).toEqual(['credential/status: STATUS_LIST_INVALID'])
    } finally {
      world.http.routes.set(path, original)
    }
  })
})

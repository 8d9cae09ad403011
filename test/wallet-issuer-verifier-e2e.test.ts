/**
 * End to end on a real anvil chain: @civitas/issuer (a did:ethr college the agency accredits,
 * SQLite store, status lists on chain) issues to a @civitas/wallet, which accepts with a
 * @civitas/verifier (signature, time, status, trust), matches a DCQL request, and presents;
 * the verifier verifies the presentations. A revoked or untrusted credential is refused at
 * accept with the verifier's failed checks; without a verifier the wallet checks signature,
 * time and binding through core only.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CivitasError, createResolver, decodeSdJwt, issueJwtVc } from '@civitas/core'
import { createIssuer, type Issuer } from '@civitas/issuer'
import { ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { createVerifier, type Verifier } from '@civitas/verifier'
import { openWallet, type Wallet } from '@civitas/wallet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIPLOMA, type Entity, entity, PID, startWorld, type World } from './verifier-support.js'

const FAST_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const
const NONCE = 'wallet-e2e-nonce'
const AUDIENCE = 'https://border.civitas.test'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

async function rejection(promise: Promise<unknown>): Promise<CivitasError> {
  try {
    await promise
  } catch (error) {
    return error as CivitasError
  }
  throw new Error('expected a rejection')
}

describe('@civitas/issuer → @civitas/wallet (accept with @civitas/verifier) → @civitas/verifier', () => {
  let world: World
  let college: Entity
  let issuer: Issuer
  let server: Server
  let dir: string
  let wallet: Wallet

  /** Status read on chain, trust from the accreditation chain up to the ministry (Root TAO). */
  const verifier = (): Verifier =>
    createVerifier({ chain: { manifest: world.chain.manifest }, trust: { rootTaos: [world.ministry.did] } })

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
    dir = await mkdtemp(join(tmpdir(), 'civitas-wallet-e2e-'))
    let handle: (request: Request) => Promise<Response> = async () => new Response(null, { status: 503 })
    server = createServer(async (req, res) => {
      const response = await handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method }))
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    issuer = await createIssuer({
      did: college.did,
      signer: college.signer,
      chain: { manifest: world.chain.manifest, txSigner: college.wallet },
      store: `sqlite:${join(dir, 'issuer.db')}`,
      statusLists: {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`,
        purposes: ['revocation', 'suspension'],
      },
      flushIntervalMs: 0,
    })
    handle = issuer.statusListHandler()
    wallet = await openWallet({
      store: `sqlite:${join(dir, 'wallet.db')}`,
      passphrase: 'e2e passphrase',
      kdf: FAST_KDF,
      // Used only when no verifier is given: did:ethr on the local chain.
      resolver: createResolver({ ethr: { networks: [ethrNetworkFromManifest(world.chain.manifest)] } }),
    })
  })
  afterAll(async () => {
    await wallet?.close()
    await issuer?.close()
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await world?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('jwt_vc_json, vc+jwt and dc+sd-jwt: issued, accepted with the verifier, matched, presented, verified', async () => {
    const holder = await wallet.createKey({ did: 'key-ebsi' })
    const issued = {
      diploma: await issuer.issue({
        format: 'jwt_vc_json',
        type: DIPLOMA,
        subject: holder.did,
        claims: { familyName: 'Rossi', degree: 'MSc' },
      }),
      diploma2: await issuer.issue({
        format: 'vc+jwt',
        type: DIPLOMA,
        subject: holder.did,
        claims: { familyName: 'Rossi', degree: 'PhD' },
      }),
      pid: await issuer.issue({
        format: 'dc+sd-jwt',
        type: PID,
        claims: { given_name: 'Erika', family_name: 'Mustermann', age_over_18: true },
        holderKey: holder.publicJwk,
      }),
    }
    const stored = {
      diploma: await wallet.accept(issued.diploma.token, { verifier: verifier() }),
      diploma2: await wallet.accept(issued.diploma2.token, { verifier: verifier() }),
      pid: await wallet.accept(issued.pid.token, { verifier: verifier() }),
    }
    expect(stored.diploma).toMatchObject({ format: 'jwt_vc_json', issuer: college.did, keyId: holder.id })
    expect(stored.diploma2).toMatchObject({ format: 'vc+jwt', issuer: college.did, keyId: holder.id })
    expect(stored.pid).toMatchObject({ format: 'dc+sd-jwt', issuer: college.did, keyId: holder.id })
    expect(stored.pid.token).toBe(issued.pid.token)
    // Core's normalised status entries are kept with each credential, on-chain location included.
    const chainOf = { chainId: world.chain.chainId, owner: college.address }
    expect(stored.diploma.statusEntries).toEqual([
      expect.objectContaining({
        kind: 'bitstring-status-list',
        purpose: 'revocation',
        chain: expect.objectContaining(chainOf),
      }),
      expect.objectContaining({
        kind: 'bitstring-status-list',
        purpose: 'suspension',
        chain: expect.objectContaining(chainOf),
      }),
    ])
    expect(stored.pid.statusEntries).toEqual([
      expect.objectContaining({ kind: 'token-status-list', chain: expect.objectContaining(chainOf) }),
    ])

    const request = {
      credentials: [
        {
          id: 'diploma',
          format: 'jwt_vc_json',
          meta: { type_values: [['VerifiableCredential', DIPLOMA]] },
        },
        {
          id: 'pid',
          format: 'dc+sd-jwt',
          meta: { vct_values: [PID] },
          claims: [{ path: ['age_over_18'] }],
        },
      ],
    }
    const match = await wallet.match(request)
    expect(match.satisfiable).toBe(true)
    expect(match.candidates.diploma?.map((c) => c.credentialId)).toEqual([stored.diploma.id])
    expect(match.candidates.pid?.[0]).toMatchObject({
      credentialId: stored.pid.id,
      requested: ['/age_over_18'],
    })
    const { vpToken } = await wallet.present(match.choice!, { nonce: NONCE, audience: AUDIENCE })

    const vp = await verifier().verifyPresentation(vpToken.diploma?.[0] as string, {
      nonce: NONCE,
      audience: AUDIENCE,
    })
    expect(failures(vp)).toEqual([])
    expect(vp).toMatchObject({ verified: true, holder: holder.did, issuer: college.did })
    const sd = vpToken.pid?.[0] as string
    expect(decodeSdJwt(sd.slice(0, sd.lastIndexOf('~') + 1)).disclosures.map((d) => d.path)).toEqual([
      '/age_over_18',
    ])
    const pid = await verifier().verifyPresentation(sd, { nonce: NONCE, audience: AUDIENCE })
    expect(failures(pid)).toEqual([])
    expect(pid.verified).toBe(true)
    expect(pid.credential?.age_over_18).toBe(true)
    expect(pid.credential).not.toHaveProperty('given_name')
    expect(pid.credential).not.toHaveProperty('family_name')

    // vc+jwt: the same through a vp+jwt.
    const match2 = await wallet.match({
      credentials: [{ id: 'd', format: 'vc+jwt', meta: { type_values: [[DIPLOMA]] } }],
    })
    const vp2 = (await wallet.present(match2.choice!, { nonce: NONCE, audience: AUDIENCE })).vpToken.d?.[0]
    const verified2 = await verifier().verifyPresentation(vp2 as string, { nonce: NONCE, audience: AUDIENCE })
    expect(failures(verified2)).toEqual([])
    expect(verified2.credential).toMatchObject({ credentialSubject: { degree: 'PhD' } })
  })

  it('a revoked credential is refused at accept with the verifier’s failed status check; nothing is stored', async () => {
    const holder = await wallet.createKey()
    const before = (await wallet.list()).map((c) => c.id)
    for (const format of ['jwt_vc_json', 'dc+sd-jwt'] as const) {
      const { token, id } =
        format === 'dc+sd-jwt'
          ? await issuer.issue({
              format,
              type: PID,
              claims: { age_over_18: true },
              holderKey: holder.publicJwk,
            })
          : await issuer.issue({ format, type: DIPLOMA, subject: holder.did, claims: { degree: 'BSc' } })
      await issuer.revoke(id)
      await issuer.flush()
      const error = await rejection(wallet.accept(token, { verifier: verifier() }))
      expect(error).toMatchObject({ name: 'CivitasError', code: 'CREDENTIAL_REVOKED' })
      expect(error.details?.checks).toEqual([
        expect.objectContaining({ id: 'credential/status', ok: false, code: 'CREDENTIAL_REVOKED' }),
      ])
      expect(error.details?.errors).toEqual([expect.objectContaining({ code: 'CREDENTIAL_REVOKED' })])
      // Without a verifier the wallet checks what core can (signature, time, binding): the
      // credential is genuine and ours, so it is stored; status needs the verifier.
      const unchecked = await wallet.accept(token)
      expect(unchecked.format).toBe(format)
      await wallet.erase(unchecked.id)
    }
    expect((await wallet.list()).map((c) => c.id)).toEqual(before)
  })

  it('a credential from an issuer nobody accredited is refused with the verifier’s failed trust check', async () => {
    const holder = await wallet.createKey()
    const token = await issueJwtVc(
      {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', DIPLOMA],
        issuer: world.rogue.did,
        issuanceDate: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        credentialSubject: { id: holder.did, familyName: 'Rossi', degree: 'MSc' },
      },
      { format: 'jwt_vc_json', signer: world.rogue.signer },
    )
    const error = await rejection(wallet.accept(token, { verifier: verifier() }))
    expect(error.name).toBe('CivitasError')
    const checks = error.details?.checks as { id: string; ok: boolean; code?: string }[]
    expect(checks.map((c) => c.id)).toContain('credential/trust')
    expect(checks.every((c) => c.ok === false)).toBe(true)
    expect(error.code).toBe(checks[0]?.code)
    expect(await wallet.list({ issuer: world.rogue.did })).toEqual([])
  })

  it('a token bound to someone else’s key is CREDENTIAL_NOT_BOUND even when the verifier passes it', async () => {
    const stranger = await openWallet({ store: 'memory', passphrase: 'stranger', kdf: FAST_KDF })
    const theirs = await stranger.createKey()
    await stranger.close()
    const { token } = await issuer.issue({
      format: 'vc+jwt',
      type: DIPLOMA,
      subject: theirs.did,
      claims: { familyName: 'Bianchi', degree: 'MSc' },
    })
    expect((await verifier().verifyCredential(token)).verified).toBe(true)
    await expect(wallet.accept(token, { verifier: verifier() })).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_BOUND',
    })
  })
})

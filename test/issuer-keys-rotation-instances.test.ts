/**
 * Issue #9 "Keys", rotation with several issuer instances on one store: `rotateKey` on
 * instance A switches A's signer only. Instance B (same SQLite file, same DID, started with the
 * old key) keeps issuing during the grace period, which verifies; once the old key is retired
 * (A's retireDueKeys, or revokeKey) B refuses to sign with SIGNER_RETIRED and allocates nothing,
 * instead of issuing credentials that no verifier accepts. Restarted with the new key it issues
 * again. Real anvil chain, real SQLite file shared by both instances.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  generateKeyPair,
  isCivitasError,
  issueJwtVc,
  type Jwk,
  localSigner,
  type Signer,
  VCDM_1_1_CONTEXT,
} from '@civitas/core'
import { type CreateIssuerOptions, createIssuer, type Issuer } from '@civitas/issuer'
import { ethrKeyAttribute } from '@civitas/issuer/signers'
import { createVerifier } from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { countAllocations } from './issuer-support/allocations.js'
import { DIPLOMA, type Entity, entity, newHolder, startWorld, type World } from './verifier-support.js'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    return isCivitasError(error) ? error.code : `not a CivitasError: ${String(error)}`
  }
}

/** Lets the next block get a later timestamp than any token signed so far (NumericDate is whole seconds). */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1_100))

describe('issuer instances sharing one store after a key rotation', () => {
  let world: World
  let college: Entity
  let dir: string
  let a: Issuer
  let b: Issuer
  let first: { signer: Signer; publicJwk: Jwk }
  let second: Signer
  let secondKeys: { privateJwk: Jwk; publicJwk: Jwk }
  let secondKid = ''
  const opened: Issuer[] = []

  const verify = async (token: string) =>
    failures(
      await createVerifier({
        chain: { manifest: world.chain.manifest },
        trust: { rootTaos: [world.ministry.did] },
      }).verifyCredential(token),
    )
  const open = async (signer: Signer, extra: Partial<CreateIssuerOptions> = {}) => {
    const issuer = await createIssuer({
      did: college.did,
      signer,
      chain: { manifest: world.chain.manifest, txSigner: college.wallet },
      store: `sqlite:${join(dir, 'shared.db')}`,
      statusLists: { baseUrl: 'https://college.example/status', purposes: ['revocation'] },
      flushIntervalMs: 0,
      ...extra,
    })
    opened.push(issuer)
    return issuer
  }
  const diploma = async (by: Issuer) =>
    (
      await by.issue({
        format: 'jwt_vc_json',
        type: DIPLOMA,
        subject: (await newHolder()).did,
        claims: { familyName: 'Rossi', degree: 'MSc' },
      })
    ).token
  const rows = async () => {
    return countAllocations(a.store.db)
  }

  beforeAll(async () => {
    world = await startWorld()
    college = entity(world, world.chain.wallets[7]!)
    await world.agency.registries.trustedIssuers.accredit(
      college.address,
      'TrustedIssuer',
      world.agencyRecord,
      {
        types: [DIPLOMA],
        documentHash: `0x${'ce'.repeat(32)}`,
        documentUri: 'https://accreditations.civitas.test/college-b',
      },
    )
    const key = await generateKeyPair('ES256K')
    const attribute = ethrKeyAttribute(key.publicJwk)
    await college.registries.did.setAttribute(college.address, attribute.name, attribute.value, 86_400 * 365)
    first = {
      signer: localSigner(key.privateJwk, { kid: `${college.did}#delegate-1` }),
      publicJwk: key.publicJwk,
    }
    secondKeys = await generateKeyPair('ES256K')
    second = localSigner(secondKeys.privateJwk)
    dir = await mkdtemp(join(tmpdir(), 'civitas-rotation-instances-'))
    a = await open(first.signer)
    // B reads the store before every signature here; by default at most every 5 s.
    b = await open(first.signer, { signerRetirement: { refreshMs: 0 } })
  }, 120_000)
  afterAll(async () => {
    vi.useRealTimers()
    for (const issuer of opened) await issuer.close()
    await world?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('during the grace period of A’s rotation, B still issues with the old key, and what it issues verifies', async () => {
    expect(await verify(await diploma(b))).toEqual([])
    await nextSecond()
    const rotation = await a.rotateKey({ newSigner: second, gracePeriodSeconds: 3_600 })
    secondKid = rotation.kid
    expect(await verify(await diploma(a))).toEqual([])
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      const duringGrace = await diploma(b)
      expect(await verify(duringGrace)).toEqual([])
      expect(warning).toHaveBeenCalledWith(expect.stringContaining(first.signer.kid!), {
        code: 'CIVITAS_SIGNER_RETIRING',
      })
    } finally {
      warning.mockRestore()
    }
  })

  it('once A retires the old key, B refuses to sign (SIGNER_RETIRED), allocates nothing, and signs no status list', async () => {
    // An hour later (Date only: the chain keeps its own clock): the grace period is over.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_601_000 })
    expect(await a.retireDueKeys()).toHaveLength(1)
    const before = await rows()
    expect(await codeOf(diploma(b))).toBe('SIGNER_RETIRED')
    expect(await codeOf(b.statusListCredential(1))).toBe('SIGNER_RETIRED')
    expect(await rows()).toBe(before)
    vi.useRealTimers()
    // What B would have signed: the old key is gone from the DID, so no verifier accepts it.
    await nextSecond()
    const holder = await newHolder()
    const late = await issueJwtVc(
      {
        '@context': [VCDM_1_1_CONTEXT],
        id: `urn:uuid:${crypto.randomUUID()}`,
        type: ['VerifiableCredential', DIPLOMA],
        issuer: college.did,
        issuanceDate: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        credentialSubject: { id: holder.did, familyName: 'Rossi' },
      },
      { format: 'jwt_vc_json', signer: first.signer },
    )
    expect(await verify(late)).toContain('credential/signature: KEY_NOT_FOUND')
  })

  it('B restarted with the new key issues again; a key ended at once by revokeKey stops the instances signing with it', async () => {
    const restarted = await open(localSigner(secondKeys.privateJwk, { kid: secondKid }))
    expect(await verify(await diploma(restarted))).toEqual([])
    // A rotates on and then ends the second key at once (compromise): no grace for anyone.
    await a.rotateKey({
      newSigner: localSigner((await generateKeyPair('ES256K')).privateJwk),
      gracePeriodSeconds: 3_600,
    })
    await a.revokeKey(secondKeys.publicJwk)
    const fresh = await open(localSigner(secondKeys.privateJwk, { kid: secondKid }))
    expect(await codeOf(diploma(fresh))).toBe('SIGNER_RETIRED')
    expect(await verify(await diploma(a))).toEqual([])
  })
})

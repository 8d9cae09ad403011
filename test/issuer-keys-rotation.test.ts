/**
 * Issue #9 "Keys", rotation: the issuer adds a new assertion key to its did:ethr, issues with
 * it, and retires the old one after a grace period (or at once). Credentials the old key signed
 * while it was valid keep verifying with @civitas/verifier (keyTime 'issuance'); a credential
 * the old key signs after its end does not, and an issuer instance still holding it refuses to
 * sign (SIGNER_RETIRED). Real anvil chain, SQLite store.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  decodeJws,
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
import { createVerifier, type Verifier } from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

/** Waits until the wall clock (what did:ethr resolution counts validity against) is past `seconds`. */
async function waitUntilPast(seconds: number): Promise<void> {
  while (Date.now() / 1000 <= seconds + 1) await new Promise((resolve) => setTimeout(resolve, 250))
}

/** Lets the next block get a later timestamp than any token signed so far (NumericDate is whole seconds). */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1_100))

describe('key rotation on a did:ethr issuer', () => {
  let world: World
  let college: Entity
  let dir: string
  let issuer: Issuer
  let first: { signer: Signer; publicJwk: Jwk }
  let second: { signer: Signer; publicJwk: Jwk; privateJwk: Jwk }
  let secondKid = ''
  const tokens: Record<string, string> = {}

  const verifier = (): Verifier =>
    createVerifier({ chain: { manifest: world.chain.manifest }, trust: { rootTaos: [world.ministry.did] } })
  const store = () => `sqlite:${join(dir, 'issuer.db')}`
  const open = (signer: Signer, extra: Partial<CreateIssuerOptions> = {}) =>
    createIssuer({
      did: college.did,
      signer,
      chain: { manifest: world.chain.manifest, txSigner: college.wallet },
      store: store(),
      statusLists: { baseUrl: 'https://college.example/status', purposes: ['revocation'] },
      flushIntervalMs: 0,
      ...extra,
    })
  const diploma = async (by: Issuer) =>
    (
      await by.issue({
        format: 'jwt_vc_json',
        type: DIPLOMA,
        subject: (await newHolder()).did,
        claims: { familyName: 'Rossi', degree: 'MSc' },
      })
    ).token
  /**
   * A credential signed now with `signer`, through a second issuer instance on the same store.
   * The grace periods here are seconds long: no margin before a retirement is due.
   */
  const signedNowWith = async (signer: Signer) => {
    const other = await open(signer, { signerRetirement: { refreshMs: 0, marginSeconds: 0 } })
    try {
      return await diploma(other)
    } finally {
      await other.close()
    }
  }
  /** What a signer holding a retired key would sign now, signed with core (an issuer instance refuses to). */
  const signedByCoreWith = async (signer: Signer) =>
    issueJwtVc(
      {
        '@context': [VCDM_1_1_CONTEXT],
        id: `urn:uuid:${crypto.randomUUID()}`,
        type: ['VerifiableCredential', DIPLOMA],
        issuer: college.did,
        issuanceDate: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        credentialSubject: { id: (await newHolder()).did, familyName: 'Rossi' },
      },
      { format: 'jwt_vc_json', signer },
    )

  beforeAll(async () => {
    world = await startWorld()
    college = entity(world, world.chain.wallets[6]!)
    await world.agency.registries.trustedIssuers.accredit(
      college.address,
      'TrustedIssuer',
      world.agencyRecord,
      {
        types: [DIPLOMA],
        documentHash: `0x${'cd'.repeat(32)}`,
        documentUri: 'https://accreditations.civitas.test/college',
      },
    )
    // The college's first assertion key: an attribute (the controller key cannot be retired).
    const key = await generateKeyPair('ES256K')
    const attribute = ethrKeyAttribute(key.publicJwk)
    await college.registries.did.setAttribute(college.address, attribute.name, attribute.value, 86_400 * 365)
    first = {
      signer: localSigner(key.privateJwk, { kid: `${college.did}#delegate-1` }),
      publicJwk: key.publicJwk,
    }
    const next = await generateKeyPair('ES256K')
    second = { signer: localSigner(next.privateJwk), publicJwk: next.publicJwk, privateJwk: next.privateJwk }
    dir = await mkdtemp(join(tmpdir(), 'civitas-rotation-'))
    issuer = await open(first.signer)
  }, 120_000)
  afterAll(async () => {
    await issuer?.close()
    await world?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('before rotation, credentials signed with the first key verify', async () => {
    tokens.before = await diploma(issuer)
    expect(decodeJws(tokens.before).header.kid).toBe(`${college.did}#delegate-1`)
    expect(failures(await verifier().verifyCredential(tokens.before))).toEqual([])
  })

  let oldKeyValidUntil = 0
  it('rotateKey publishes the new key, issuing switches to it, and the old key stays valid for the grace period', async () => {
    await nextSecond()
    const rotation = await issuer.rotateKey({ newSigner: second.signer, gracePeriodSeconds: 4 })
    expect(rotation.previousKid).toBe(`${college.did}#delegate-1`)
    expect(rotation.kid).toMatch(new RegExp(`^${college.did}#delegate-\\d+$`))
    expect(rotation.transactions).toHaveLength(1)
    // Not due yet: nothing is revoked.
    expect(await issuer.retireDueKeys()).toEqual([])
    expect(issuer.signer.kid).toBe(rotation.kid)
    oldKeyValidUntil = rotation.oldKeyValidUntil
    secondKid = rotation.kid

    tokens.after = await diploma(issuer)
    expect(decodeJws(tokens.after).header.kid).toBe(rotation.kid)
    expect(failures(await verifier().verifyCredential(tokens.after))).toEqual([])
    // Within the grace period the old key still signs (an instance not yet switched over).
    tokens.duringGrace = await signedNowWith(first.signer)
    expect(failures(await verifier().verifyCredential(tokens.duringGrace))).toEqual([])
  })

  it('after the grace period: what the old key signed before still verifies (keyTime issuance), what it signs now does not', async () => {
    await waitUntilPast(oldKeyValidUntil)
    expect(await issuer.retireDueKeys()).toHaveLength(1)
    expect(await issuer.retireDueKeys()).toEqual([])
    await nextSecond()
    expect(failures(await verifier().verifyCredential(tokens.before!))).toEqual([])
    expect(failures(await verifier().verifyCredential(tokens.duringGrace!))).toEqual([])
    expect(failures(await verifier().verifyCredential(tokens.after!))).toEqual([])
    // An instance still holding the old key refuses to sign with it (signers/retirement.ts) ...
    expect(await codeOf(signedNowWith(first.signer))).toBe('SIGNER_RETIRED')
    // ... as what it would sign verifies nowhere.
    const late = await verifier().verifyCredential(await signedByCoreWith(first.signer))
    expect(late.verified).toBe(false)
    expect(failures(late)).toContain('credential/signature: KEY_NOT_FOUND')
    // The same token verified by the current key only (keyTime 'now') fails too: the old key is gone.
    const now = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
      policy: { keyTime: 'now' },
    })
    expect((await now.verifyCredential(tokens.before!)).verified).toBe(false)
  })

  it('revokeKey ends a key at once: its earlier credentials still verify, a credential it signs afterwards does not', async () => {
    const third = await generateKeyPair('ES256K')
    await nextSecond()
    await issuer.rotateKey({ newSigner: localSigner(third.privateJwk), gracePeriodSeconds: 3_600 })
    // The second key would be valid for an hour more; it is compromised: end it now.
    await issuer.revokeKey(second.publicJwk)
    await nextSecond()
    expect(failures(await verifier().verifyCredential(tokens.after!))).toEqual([])
    expect(failures(await verifier().verifyCredential(await diploma(issuer)))).toEqual([])
    const compromised = localSigner(second.privateJwk, { kid: secondKid })
    expect(await codeOf(signedNowWith(compromised))).toBe('SIGNER_RETIRED')
    const late = await verifier().verifyCredential(await signedByCoreWith(compromised))
    expect(failures(late)).toContain('credential/signature: KEY_NOT_FOUND')
  })

  it('rotateKey refuses, before sending anything, to retire the controller key or to run without a public key', async () => {
    const controllerIssuer = await open(college.signer)
    try {
      const nonce = await world.chain.provider.getTransactionCount(college.address)
      expect(
        await codeOf(controllerIssuer.rotateKey({ newSigner: second.signer, gracePeriodSeconds: 0 })),
      ).toBe('INVALID_ARGUMENT')
      const { privateJwk } = await generateKeyPair('ES256K')
      const { publicJwk: _omitted, ...noPublic } = localSigner(privateJwk)
      expect(await codeOf(issuer.rotateKey({ newSigner: noPublic as Signer, gracePeriodSeconds: 0 }))).toBe(
        'INVALID_ARGUMENT',
      )
      expect(await codeOf(issuer.rotateKey({ newSigner: second.signer, gracePeriodSeconds: -1 }))).toBe(
        'INVALID_ARGUMENT',
      )
      expect(await world.chain.provider.getTransactionCount(college.address)).toBe(nonce)
    } finally {
      await controllerIssuer.close()
    }
  })
})

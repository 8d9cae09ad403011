/**
 * verifyPresentation on anvil: jwt_vc_json presentations with enclosed credentials, vp+jwt
 * with enveloped ones, and SD-JWT VC with a KB-JWT. Nonce and audience are required unless
 * the policy opts out; the presenter must be the credential's subject (or hold its cnf key);
 * a nonce store refuses a replay; custom checks report like the built-in ones.
 */
import { presentSdJwt } from '@civitas/core'
import {
  createMemoryNonceStore,
  createVerifier,
  type PresentationVerificationResult,
  type Verifier,
} from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  issueDiploma,
  issuePid,
  newHolder,
  presentJwt,
  startWorld,
  TOKEN_LIST,
  type World,
} from './verifier-support.js'

const AUDIENCE = 'https://border.civitas.test'

function failures(result: PresentationVerificationResult): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

describe('verifyPresentation on anvil', () => {
  let world: World
  let verifier: Verifier

  beforeAll(async () => {
    world = await startWorld()
    verifier = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
    })
  })
  afterAll(async () => {
    await world?.stop()
  })

  it('jwt_vc_json presentation: presentation checks, then each credential’s checks tagged with its position', async () => {
    const { token, holder } = await issueDiploma(world)
    const vp = await presentJwt(holder, [token], { nonce: 'n-1', audience: AUDIENCE })
    const result = await verifier.verifyPresentation(vp, { nonce: 'n-1', audience: AUDIENCE })
    expect(failures(result)).toEqual([])
    expect(result.verified).toBe(true)
    expect(result.holder).toBe(holder.did)
    expect(result.checks.filter((c) => c.credential === undefined).map((c) => c.id)).toEqual([
      'presentation/format',
      'presentation/signature',
      'presentation/time',
      'presentation/data-model',
      'presentation/nonce',
      'presentation/audience',
    ])
    expect(result.checks.filter((c) => c.credential === 0).map((c) => c.id)).toEqual([
      'credential/format',
      'credential/signature',
      'credential/time',
      'credential/data-model',
      'presentation/holder-binding',
      'credential/status',
      'credential/trust',
      'credential/schema',
    ])
    expect(result.credentials).toHaveLength(1)
    expect(result.credentials[0]?.verified).toBe(true)
  })

  it('vp+jwt with enveloped vc+jwt credentials verifies', async () => {
    const { token, holder } = await issueDiploma(world, { format: 'vc+jwt' })
    const vp = await presentJwt(holder, [token], { nonce: 'n-2', audience: AUDIENCE, format: 'vc+jwt' })
    const result = await verifier.verifyPresentation(vp, { nonce: 'n-2', audience: AUDIENCE })
    expect(failures(result)).toEqual([])
    expect(result.format).toBe('vc+jwt')
  })

  it('someone else presenting the credential → presentation/holder-binding HOLDER_BINDING_INVALID', async () => {
    const { token } = await issueDiploma(world)
    const thief = await newHolder()
    const vp = await presentJwt(thief, [token], { nonce: 'n-3', audience: AUDIENCE })
    const result = await verifier.verifyPresentation(vp, { nonce: 'n-3', audience: AUDIENCE })
    expect(failures(result)).toEqual(['presentation/holder-binding: HOLDER_BINDING_INVALID'])
    expect(result.errors[0]?.credential).toBe(0)
  })

  it('wrong audience → presentation/audience AUDIENCE_MISMATCH; wrong nonce → presentation/nonce NONCE_MISMATCH', async () => {
    const { token, holder } = await issueDiploma(world)
    const vp = await presentJwt(holder, [token], { nonce: 'n-4', audience: 'https://elsewhere.test' })
    expect(failures(await verifier.verifyPresentation(vp, { nonce: 'n-4', audience: AUDIENCE }))).toEqual([
      'presentation/audience: AUDIENCE_MISMATCH',
    ])
    expect(
      failures(await verifier.verifyPresentation(vp, { nonce: 'other', audience: 'https://elsewhere.test' })),
    ).toEqual(['presentation/nonce: NONCE_MISMATCH'])
  })

  it('a replayed presentation → presentation/nonce NONCE_REPLAYED (with a nonce store)', async () => {
    const guarded = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
      policy: { nonceStore: createMemoryNonceStore() },
    })
    const { token, holder } = await issueDiploma(world)
    const vp = await presentJwt(holder, [token], { nonce: 'n-5', audience: AUDIENCE })
    expect(failures(await guarded.verifyPresentation(vp, { nonce: 'n-5', audience: AUDIENCE }))).toEqual([])
    expect(failures(await guarded.verifyPresentation(vp, { nonce: 'n-5', audience: AUDIENCE }))).toEqual([
      'presentation/nonce: NONCE_REPLAYED',
    ])
  })

  it('nonce and audience are required unless the policy opts out (legacy presentations)', async () => {
    const { token, holder } = await issueDiploma(world)
    const vp = await presentJwt(holder, [token], { nonce: 'n-6', audience: AUDIENCE })
    await expect(verifier.verifyPresentation(vp)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    const legacy = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
      policy: { allowLegacyPresentations: true },
    })
    const result = await legacy.verifyPresentation(vp)
    expect(failures(result)).toEqual([])
    expect(result.checks.some((c) => c.id === 'presentation/nonce')).toBe(false)
  })

  it('SD-JWT VC with KB-JWT: key binding, holder binding, status from the chain, trust for the vct', async () => {
    const { token, holder } = await issuePid(world)
    const presentation = await presentSdJwt(token, {
      disclose: { age_over_18: true },
      keyBinding: { signer: holder.signer, nonce: 'n-7', audience: AUDIENCE },
    })
    const result = await verifier.verifyPresentation(presentation, { nonce: 'n-7', audience: AUDIENCE })
    expect(failures(result)).toEqual([])
    expect(result.format).toBe('dc+sd-jwt')
    expect(result.credential).toMatchObject({ age_over_18: true })
    expect(result.credential).not.toHaveProperty('given_name')
    const ids = result.checks.map((c) => c.id)
    for (const id of [
      'sd-jwt/key-binding',
      'presentation/nonce',
      'presentation/audience',
      'presentation/holder-binding',
      'credential/status',
      'credential/trust',
    ]) {
      expect(ids).toContain(id)
    }
  })

  it('SD-JWT VC revoked on its token list → CREDENTIAL_REVOKED; KB-JWT by another key → key binding fails', async () => {
    const revoked = await issuePid(world)
    await world.university.registries.status.update(world.university.address, TOKEN_LIST, {
      set: [revoked.index],
    })
    // A new verifier: the shared one may still read at the block before the revocation (head kept 1 s).
    const fresh = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
    })
    const presented = await presentSdJwt(revoked.token, {
      disclose: {},
      keyBinding: { signer: revoked.holder.signer, nonce: 'n-8', audience: AUDIENCE },
    })
    expect(failures(await fresh.verifyPresentation(presented, { nonce: 'n-8', audience: AUDIENCE }))).toEqual(
      ['credential/status: CREDENTIAL_REVOKED'],
    )
    const { token } = await issuePid(world)
    const thief = await newHolder()
    const stolen = await presentSdJwt(token, {
      disclose: {},
      keyBinding: { signer: thief.signer, nonce: 'n-9', audience: AUDIENCE },
    })
    const result = await verifier.verifyPresentation(stolen, { nonce: 'n-9', audience: AUDIENCE })
    expect(result.verified).toBe(false)
    expect(failures(result)).toContain('sd-jwt/key-binding: KB_JWT_INVALID')
    expect(failures(result)).toContain('presentation/holder-binding: HOLDER_BINDING_INVALID')
  })

  it('custom checks appear in checks like the built-in ones, and a throwing one fails closed', async () => {
    const custom = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.ministry.did] },
      policy: {
        custom: [
          {
            id: 'border/age-over-18',
            run: ({ credential }) =>
              credential.age_over_18 === true
                ? { ok: true, message: 'Over 18 (disclosed by the holder).' }
                : { ok: false, message: 'Age over 18 was not disclosed.' },
          },
          {
            id: 'border/broken',
            run: () => {
              throw new Error('boom')
            },
          },
        ],
      },
    })
    const { token, holder } = await issuePid(world)
    const withAge = await presentSdJwt(token, {
      disclose: { age_over_18: true },
      keyBinding: { signer: holder.signer, nonce: 'n-10', audience: AUDIENCE },
    })
    const result = await custom.verifyPresentation(withAge, { nonce: 'n-10', audience: AUDIENCE })
    expect(result.checks.find((c) => c.id === 'border/age-over-18')).toMatchObject({
      ok: true,
      credential: 0,
    })
    expect(failures(result)).toEqual(['border/broken: CHECK_FAILED'])
    const withoutAge = await presentSdJwt(token, {
      disclose: {},
      keyBinding: { signer: holder.signer, nonce: 'n-11', audience: AUDIENCE },
    })
    expect(
      failures(await custom.verifyPresentation(withoutAge, { nonce: 'n-11', audience: AUDIENCE })),
    ).toEqual(['border/age-over-18: CHECK_FAILED', 'border/broken: CHECK_FAILED'])
  })
})

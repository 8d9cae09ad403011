/**
 * @civitas/verifier on VCDM 2.0 secured with SD-JWT (W3C vc-jose-cose §3.2, `typ` vc+sd-jwt)
 * on a real anvil chain: verified through core's verifyVcSdJwt (the key of the credential's
 * `issuer` valid at issuance, validity, data model, Disclosures, a KB-JWT when present), then
 * the same status (on-chain statusChain), trust and schema checks as a vc+jwt.
 */
import {
  base64urlDecode,
  base64urlEncode,
  issueVcSdJwt,
  issueVpSdJwt,
  presentSdJwt,
  sdJwtToJson,
} from '@civitas/core'
import {
  type CredentialVerificationResult,
  createVerifier,
  type PresentationVerificationResult,
  type Verifier,
} from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Entity,
  issueDiploma,
  newHolder,
  REVOCATION_LIST,
  startWorld,
  type World,
} from './verifier-support.js'

const AUDIENCE = 'https://border.civitas.test'

function failures(result: CredentialVerificationResult | PresentationVerificationResult): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

describe('verifyCredential of a vc+sd-jwt (VCDM 2.0 + SD-JWT) on anvil', () => {
  let world: World
  let verifier: Verifier

  const newVerifier = (): Verifier =>
    createVerifier({ chain: { manifest: world.chain.manifest }, trust: { rootTaos: [world.ministry.did] } })

  /** The diploma of verifier-support, secured as vc+sd-jwt: family name and award date disclosable. */
  async function issueSdDiploma(options: { issuer?: Entity } = {}) {
    const holder = await newHolder()
    const diploma = await issueDiploma(world, { format: 'vc+jwt', holder, ...options })
    const token = await issueVcSdJwt(diploma.credential, {
      signer: (options.issuer ?? world.university).signer,
      disclosable: ['/credentialSubject/familyName', '/credentialSubject/awarded'],
      holderJwk: holder.publicJwk,
    })
    return { ...diploma, token, holder }
  }

  beforeAll(async () => {
    world = await startWorld()
    verifier = newVerifier()
  })
  afterAll(async () => {
    await world?.stop()
  })

  it('a valid one passes every check: signature with the key at issuance, Disclosures, status, trust, schema', async () => {
    const { token, holder } = await issueSdDiploma()
    const result = await verifier.verifyCredential(token)
    expect(failures(result)).toEqual([])
    expect(result.verified).toBe(true)
    expect(result).toMatchObject({ format: 'vc+sd-jwt', issuer: world.university.did, subject: holder.did })
    expect(result.checks.map((c) => c.id)).toEqual([
      'credential/format',
      'credential/signature',
      'credential/time',
      'credential/data-model',
      'sd-jwt/disclosures',
      'credential/status',
      'credential/trust',
      'credential/schema',
    ])
    expect(result.checks.find((c) => c.id === 'credential/signature')?.data).toMatchObject({
      keyTime: 'issuance',
      verificationMethod: `${world.university.did}#controller`,
    })
    expect(result.credential?.credentialSubject).toMatchObject({ familyName: 'Rossi', awarded: '2025-07-01' })
    expect(result.credential?.cnf).toBeUndefined()
    const entries = result.checks.find((c) => c.id === 'credential/status')?.data?.entries as Array<
      Record<string, unknown>
    >
    expect(entries.map((e) => [e.purpose, e.source, e.value])).toEqual([
      ['revocation', 'chain', 0],
      ['suspension', 'chain', 0],
    ])
  })

  it('JSON-serialized (General) verifies the same way', async () => {
    const { token } = await issueSdDiploma()
    const result = await verifier.verifyCredential(JSON.stringify(sdJwtToJson(token, 'general')))
    expect(failures(result)).toEqual([])
    expect(result.format).toBe('vc+sd-jwt')
  })

  it('revoked on chain → credential/status CREDENTIAL_REVOKED', async () => {
    const { token, revocationIndex } = await issueSdDiploma()
    await world.university.registries.status.update(world.university.address, REVOCATION_LIST, {
      set: [revocationIndex],
    })
    const result = await newVerifier().verifyCredential(token)
    expect(failures(result)).toEqual(['credential/status: CREDENTIAL_REVOKED'])
  })

  it('an issuer nobody accredited → credential/trust ISSUER_NOT_TRUSTED', async () => {
    const { token } = await issueSdDiploma({ issuer: world.rogue })
    const result = await verifier.verifyCredential(token)
    expect(result.issuer).toBe(world.rogue.did)
    expect(failures(result)).toEqual(['credential/trust: ISSUER_NOT_TRUSTED'])
  })

  it('a Disclosure whose value was changed → sd-jwt/disclosures fails, never verified', async () => {
    const { token } = await issueSdDiploma()
    const parts = token.split('~')
    const index = parts.findIndex(
      (part, i) => i > 0 && new TextDecoder().decode(base64urlDecode(part)).includes('"familyName"'),
    )
    const [salt, name] = JSON.parse(new TextDecoder().decode(base64urlDecode(parts[index]!))) as string[]
    parts[index] = base64urlEncode(new TextEncoder().encode(JSON.stringify([salt, name, 'Bianchi'])))
    const result = await verifier.verifyCredential(parts.join('~'))
    expect(result.verified).toBe(false)
    expect(result.format).toBe('vc+sd-jwt')
    expect(result.errors.map((e) => e.check)).toEqual(['sd-jwt/disclosures'])
    expect(result.errors[0]?.code).toMatch(/^SD_/)
  })

  it('presented with a KB-JWT: verifyCredential checks the key binding; a KB-JWT by another key fails it', async () => {
    const { token, holder } = await issueSdDiploma()
    const keyBinding = { signer: holder.signer, nonce: 'n-1', audience: AUDIENCE }
    const presented = await presentSdJwt(token, { disclose: ['/credentialSubject/familyName'], keyBinding })
    const result = await verifier.verifyCredential(presented)
    expect(failures(result)).toEqual([])
    expect(result.checks.map((c) => c.id)).toContain('sd-jwt/key-binding')
    // Only the family name was disclosed: the award date is withheld.
    expect(result.credential?.credentialSubject).not.toHaveProperty('awarded')

    const stranger = await newHolder()
    const forged = await presentSdJwt(token, {
      disclose: ['/credentialSubject/familyName'],
      keyBinding: { ...keyBinding, signer: stranger.signer },
    })
    expect(failures(await verifier.verifyCredential(forged))).toEqual(['sd-jwt/key-binding: KB_JWT_INVALID'])
  })

  it('verifyPresentation of a vc+sd-jwt with its KB-JWT: nonce, audience and holder binding', async () => {
    const { token, holder } = await issueSdDiploma()
    const presented = await presentSdJwt(token, {
      disclose: ['/credentialSubject/familyName'],
      keyBinding: { signer: holder.signer, nonce: 'n-2', audience: AUDIENCE },
    })
    const result = await verifier.verifyPresentation(presented, { nonce: 'n-2', audience: AUDIENCE })
    expect(failures(result)).toEqual([])
    expect(result.format).toBe('vc+sd-jwt')
    expect(result.checks.map((c) => c.id)).toContain('presentation/holder-binding')
    const other = await verifier.verifyPresentation(presented, { nonce: 'n-3', audience: AUDIENCE })
    expect(other.verified).toBe(false)
    expect(failures(other)).toContain('presentation/nonce: NONCE_MISMATCH')
  })

  it('a vp+sd-jwt presentation is not supported: presentation/format FORMAT_UNSUPPORTED, never a throw', async () => {
    const { token, holder } = await issueSdDiploma()
    const presented = await presentSdJwt(token, {
      disclose: ['/credentialSubject/familyName'],
      keyBinding: { signer: holder.signer, nonce: 'n-4', audience: AUDIENCE },
    })
    const vp = await issueVpSdJwt(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiablePresentation'],
        holder: holder.did,
        verifiableCredential: [presented],
      },
      { signer: holder.signer, nonce: 'n-4', audience: AUDIENCE },
    )
    const result = await verifier.verifyPresentation(vp, { nonce: 'n-4', audience: AUDIENCE })
    expect(result.verified).toBe(false)
    expect(failures(result)).toEqual(['presentation/format: FORMAT_UNSUPPORTED'])
    // Handed to verifyCredential, it is a presentation, not a credential.
    expect(failures(await verifier.verifyCredential(vp))).toEqual(['credential/format: FORMAT_MISMATCH'])
  })
})

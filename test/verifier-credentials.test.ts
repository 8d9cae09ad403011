/**
 * @civitas/verifier on a real anvil chain with the real registries: one verifyCredential call
 * checks signature, time, status (on-chain words), trust (the TrustedIssuersRegistry chain up
 * to a trusted Root TAO) and schema (SchemaRegistry + JSON Schema 2020-12), and names each
 * failure by its check id and code.
 */
import { createResolver, generateKeyPair, issueJwtVc, localSigner } from '@civitas/core'
import { ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { type CredentialVerificationResult, createVerifier, type Verifier } from '@civitas/verifier'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIPLOMA,
  entity,
  issueDiploma,
  REVOCATION_LIST,
  SUSPENSION_LIST,
  startWorld,
  type World,
} from './verifier-support.js'

function checkOf(result: CredentialVerificationResult, id: string) {
  return result.checks.find((c) => c.id === id)
}

/** The failed checks as `id: code`, for compact expectations. */
function failures(result: CredentialVerificationResult): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

describe('verifyCredential on anvil', () => {
  let world: World
  let verifier: Verifier

  const newVerifier = (): Verifier =>
    createVerifier({ chain: { manifest: world.chain.manifest }, trust: { rootTaos: [world.ministry.did] } })

  beforeAll(async () => {
    world = await startWorld()
    verifier = newVerifier()
  })
  afterAll(async () => {
    await world?.stop()
  })

  it('a valid diploma passes every check, each named, with the trust chain up to the Root TAO', async () => {
    const { token, holder } = await issueDiploma(world)
    const result = await verifier.verifyCredential(token)
    expect(failures(result)).toEqual([])
    expect(result.verified).toBe(true)
    expect(result.checks.map((c) => c.id)).toEqual([
      'credential/format',
      'credential/signature',
      'credential/time',
      'credential/data-model',
      'credential/status',
      'credential/trust',
      'credential/schema',
    ])
    expect(result).toMatchObject({ format: 'jwt_vc_json', issuer: world.university.did, subject: holder.did })
    expect(result.trust.source).toBe('chain')
    const chain = checkOf(result, 'credential/trust')?.data?.chain as Array<Record<string, unknown>>
    expect(chain.map((hop) => [hop.did, hop.role])).toEqual([
      [world.university.did, 'TrustedIssuer'],
      [world.agency.did, 'TAO'],
      [world.ministry.did, 'RootTAO'],
    ])
    expect(chain[0]?.types).toContain(DIPLOMA)
    const entries = checkOf(result, 'credential/status')?.data?.entries as Array<Record<string, unknown>>
    expect(entries.map((e) => [e.purpose, e.source, e.value])).toEqual([
      ['revocation', 'chain', 0],
      ['suspension', 'chain', 0],
    ])
  })

  it('vc+jwt (VCDM 2.0) verifies the same way', async () => {
    const { token } = await issueDiploma(world, { format: 'vc+jwt' })
    const result = await verifier.verifyCredential(token)
    expect(failures(result)).toEqual([])
    expect(result.format).toBe('vc+jwt')
  })

  it('expired → credential/time CREDENTIAL_EXPIRED; not yet valid → CREDENTIAL_NOT_YET_VALID', async () => {
    const now = Math.floor(Date.now() / 1000)
    const expired = await issueDiploma(world, { validFrom: now - 2 * 86_400, validUntil: now - 86_400 })
    expect(failures(await verifier.verifyCredential(expired.token))).toEqual([
      'credential/time: CREDENTIAL_EXPIRED',
    ])
    const early = await issueDiploma(world, { format: 'vc+jwt', validFrom: now + 86_400 })
    expect(failures(await verifier.verifyCredential(early.token))).toEqual([
      'credential/time: CREDENTIAL_NOT_YET_VALID',
    ])
  })

  it('revoked on chain → credential/status CREDENTIAL_REVOKED', async () => {
    const { token, revocationIndex } = await issueDiploma(world)
    await world.university.registries.status.update(world.university.address, REVOCATION_LIST, {
      set: [revocationIndex],
    })
    const result = await newVerifier().verifyCredential(token)
    expect(failures(result)).toEqual(['credential/status: CREDENTIAL_REVOKED'])
    expect(checkOf(result, 'credential/status')?.message).toMatch(/^Revoked by its issuer/)
  })

  it('suspended → CREDENTIAL_SUSPENDED; reinstated → verified again', async () => {
    const { token, suspensionIndex } = await issueDiploma(world)
    const status = world.university.registries.status
    await status.update(world.university.address, SUSPENSION_LIST, { set: [suspensionIndex] })
    expect(failures(await newVerifier().verifyCredential(token))).toEqual([
      'credential/status: CREDENTIAL_SUSPENDED',
    ])
    await status.update(world.university.address, SUSPENSION_LIST, { clear: [suspensionIndex] })
    expect(failures(await newVerifier().verifyCredential(token))).toEqual([])
  })

  it('an issuer nobody accredited → credential/trust ISSUER_NOT_TRUSTED', async () => {
    const { token } = await issueDiploma(world, { issuer: world.rogue })
    const result = await verifier.verifyCredential(token)
    expect(failures(result)).toContain('credential/trust: ISSUER_NOT_TRUSTED')
  })

  it('an issuer accredited for another type → ACCREDITATION_SCOPE_EXCEEDED', async () => {
    const { token } = await issueDiploma(world, { issuer: world.registrar })
    const result = await verifier.verifyCredential(token)
    expect(failures(result)).toContain('credential/trust: ACCREDITATION_SCOPE_EXCEEDED')
    expect(checkOf(result, 'credential/trust')?.message).toMatch(/not for VerifiableDiploma/)
  })

  it('the agency above the issuer loses its accreditation → ACCREDITATION_INACTIVE, naming the hop', async () => {
    const { token } = await issueDiploma(world)
    const snapshot = await world.chain.provider.send('evm_snapshot', [])
    try {
      await world.ministry.registries.trustedIssuers.revoke(world.agency.address, world.agencyRecord)
      const result = await newVerifier().verifyCredential(token)
      expect(failures(result)).toEqual(['credential/trust: ACCREDITATION_INACTIVE'])
      expect(checkOf(result, 'credential/trust')?.message).toContain(`${world.agency.did} (TAO) was revoked`)
    } finally {
      await world.chain.provider.send('evm_revert', [snapshot])
    }
  })

  it('a Root TAO the verifier does not trust → ISSUER_NOT_TRUSTED', async () => {
    const { token } = await issueDiploma(world)
    const other = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { rootTaos: [world.rogue.did] },
    })
    expect(failures(await other.verifyCredential(token))).toEqual(['credential/trust: ISSUER_NOT_TRUSTED'])
  })

  it('claims that do not match the registered schema → credential/schema SCHEMA_INVALID', async () => {
    const { token } = await issueDiploma(world, { subject: { degree: 'Bachelor of Arts' } })
    const result = await verifier.verifyCredential(token)
    expect(failures(result)).toEqual(['credential/schema: SCHEMA_INVALID'])
    expect(checkOf(result, 'credential/schema')?.message).toMatch(/degree/)
  })

  it('a schema id nobody registered → SCHEMA_UNAVAILABLE; a served document that is not the registered one → SCHEMA_HASH_MISMATCH', async () => {
    const unregistered = await issueDiploma(world, { schema: 'https://schemas.civitas.test/none.json' })
    expect(failures(await verifier.verifyCredential(unregistered.token))).toEqual([
      'credential/schema: SCHEMA_UNAVAILABLE',
    ])
    const path = '/schemas/tampered.json'
    world.http.routes.set(path, (_req, res) => {
      res.writeHead(200).end('{"type":"object"}')
    })
    await world.governance.registries.schemas.addVersion(
      'urn:schema:tampered',
      `0x${'11'.repeat(32)}`,
      `${world.http.url}${path}`,
    )
    const tampered = await issueDiploma(world, { schema: 'urn:schema:tampered' })
    expect(failures(await newVerifier().verifyCredential(tampered.token))).toEqual([
      'credential/schema: SCHEMA_HASH_MISMATCH',
    ])
  })

  it('a token that is not a credential fails credential/format and never throws', async () => {
    for (const garbage of ['', 'not a jwt', 'a.b.c', `${'x'.repeat(2_000_000)}`]) {
      const result = await verifier.verifyCredential(garbage)
      expect(result.verified).toBe(false)
      expect(result.errors[0]?.check).toMatch(/^credential\/(format|signature)$/)
    }
  })

  it('any one-character change to a valid token: never verified, never a throw (property)', async () => {
    const { token } = await issueDiploma(world)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~{}"'
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        async (at, char) => {
          fc.pre(token[at] !== char)
          const mutated = `${token.slice(0, at)}${char}${token.slice(at + 1)}`
          const result = await verifier.verifyCredential(mutated)
          expect(result.verified).toBe(false)
          expect(result.errors.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    )
  })

  it('a forged signature → credential/signature SIGNATURE_INVALID, and no status, trust or schema lookup', async () => {
    const { token } = await issueDiploma(world)
    const [header, payload] = token.split('.')
    const { token: other } = await issueDiploma(world)
    const forged = `${header}.${payload}.${other.split('.')[2]}`
    const result = await verifier.verifyCredential(forged)
    expect(failures(result)).toEqual(['credential/signature: SIGNATURE_INVALID'])
    expect(result.checks.map((c) => c.id)).toEqual(['credential/signature'])
  })

  it('an allow-listed issuer is trusted without an accreditation chain', async () => {
    const { token } = await issueDiploma(world, { issuer: world.rogue })
    const allowList = createVerifier({
      chain: { manifest: world.chain.manifest },
      trust: { issuers: [world.rogue.did] },
    })
    const result = await allowList.verifyCredential(token)
    expect(failures(result)).toEqual([])
    expect(checkOf(result, 'credential/trust')?.data?.source).toBe('allow-list')
  })

  it('a deactivated issuer DID → credential/signature DID_DEACTIVATED', async () => {
    const wallet = world.chain.wallets[6]!
    const college = entity(world, wallet)
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
    await college.registries.status.createList(REVOCATION_LIST, 'revocation')
    const { token } = await issueDiploma(world, { issuer: college, purposes: ['revocation'] })
    expect(failures(await newVerifier().verifyCredential(token))).toEqual([])
    await college.registries.did.deactivate(college.address)
    const result = await newVerifier().verifyCredential(token)
    expect(failures(result)).toEqual(['credential/signature: DID_DEACTIVATED'])
  })

  it('a rotated key: a credential it signed before the rotation verifies (key at issuance), one signed after does not', async () => {
    const key = await generateKeyPair('EdDSA')
    const name = 'did/pub/Ed25519/veriKey/hex'
    const value = `0x${Buffer.from(key.publicJwk.x!, 'base64url').toString('hex')}`
    const added = await world.university.registries.did.setAttribute(
      world.university.address,
      name,
      value,
      86_400,
    )
    const addedAt = (await world.chain.provider.getBlock(added.blockNumber))!.timestamp
    const resolver = createResolver({
      web: false,
      cache: false,
      ethr: { networks: [ethrNetworkFromManifest(world.chain.manifest)] },
    })
    const method = (await resolver.resolve(world.university.did)).didDocument?.verificationMethod?.find(
      (vm) => vm.type === 'Ed25519VerificationKey2018',
    )
    expect(method).toBeDefined()
    const signer = localSigner(key.privateJwk, { kid: method!.id })
    const sign = async (iat: number) => {
      const { credential } = await issueDiploma(world)
      const issued = new Date(iat * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      return issueJwtVc({ ...credential, issuanceDate: issued }, { format: 'jwt_vc_json', signer, iat })
    }
    const before = await sign(addedAt + 1)
    // The key is revoked ten seconds (chain time) later; a credential it signs after that is new.
    await world.chain.provider.send('evm_setNextBlockTimestamp', [addedAt + 10])
    await world.university.registries.did.revokeAttribute(world.university.address, name, value)
    const after = await sign(addedAt + 11)
    // The verifier's clock at the chain's (which the test moved ahead): a credential dated
    // after the verifier's "now" would be checked with the key of "now".
    const atChainTime = (keyTime?: 'now') =>
      createVerifier({
        chain: { manifest: world.chain.manifest },
        trust: { rootTaos: [world.ministry.did] },
        clock: () => (addedAt + 12) * 1000,
        ...(keyTime ? { policy: { keyTime } } : {}),
      })
    expect(failures(await atChainTime().verifyCredential(before))).toEqual([])
    const refused = await atChainTime().verifyCredential(after)
    expect(refused.verified).toBe(false)
    expect(refused.errors.map((e) => e.check)).toEqual(['credential/signature'])
    const strict = atChainTime('now')
    expect((await strict.verifyCredential(before)).errors.map((e) => e.check)).toEqual([
      'credential/signature',
    ])
  })
})

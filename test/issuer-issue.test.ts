import {
  createResolver,
  decodeBitstringStatusList,
  decodeJws,
  generateKeyPair,
  parseJwtClaims,
  verifyJwtVc,
  verifySdJwt,
  verifyStatusListToken,
} from '@civitas/core'
import type { Issuer } from '@civitas/issuer'
import { createStatusRegistryClient } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BASE_URL,
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9: the issuer on a real anvil chain and a real database of each kind: the three
// formats with holder binding and on-chain status entries (BRIEF-STATUS-SHAPE), status
// changes reflected on-chain after flush and in the served lists.

const resolver = createResolver({ web: false, cache: false })
const HOLDER = 'did:example:holder-7f3a'

let chain: LocalChain
let databases: Databases
beforeAll(async () => {
  ;[chain, databases] = await Promise.all([startLocalChain({ accounts: 4 }), startDatabases()])
})
afterAll(async () => {
  await Promise.all([chain?.stop(), databases?.stop()])
})

function payloadOf(token: string): Record<string, unknown> {
  return parseJwtClaims(decodeJws(token.split('~')[0]!).payload)
}

describe.each([
  ['sqlite', () => databases.sqlite()],
  ['postgres', () => databases.postgres()],
] as const)('issuer on %s', (_name, newStore) => {
  let identity: IssuerIdentity
  let issuer: Issuer
  let account: number
  beforeAll(async () => {
    identity = await issuerIdentity()
    // Each store gets its own issuer account, so their list ids do not collide on-chain.
    account = _name === 'sqlite' ? 1 : 2
    issuer = await openIssuer(chain, identity, await newStore(), account)
  })
  afterAll(async () => {
    await issuer?.close()
  })

  it('jwt_vc_json: VCDM 1.1 with sub = holder, one BitstringStatusListEntry per purpose naming the list URL and the chain location, verifies with core', async () => {
    const { token, id, status } = await issuer.issue({
      format: 'jwt_vc_json',
      type: 'VerifiableDiploma',
      subject: HOLDER,
      claims: { familyName: 'Rossi', givenName: 'Chiara' },
      validUntil: '2040-01-01T00:00:00Z',
    })
    const result = await verifyJwtVc(token, { resolver })
    expect(result.errors).toEqual([])
    expect(result.verified).toBe(true)
    const payload = payloadOf(token)
    expect(payload.sub).toBe(HOLDER)
    expect(payload.jti).toBe(id)
    const vc = payload.vc as Record<string, unknown>
    expect(vc.type).toEqual(['VerifiableCredential', 'VerifiableDiploma'])
    const entries = vc.credentialStatus as Record<string, unknown>[]
    expect(entries.map((e) => e.statusPurpose)).toEqual(['revocation', 'suspension'])
    const owner = chain.wallets[account]!.address
    // Core reads the issuer's statusChain into its normalised status entries.
    expect(result.statusEntries?.map((e) => (e.kind === 'unsupported' ? undefined : e.chain?.owner))).toEqual(
      [owner, owner],
    )
    for (const [i, entry] of entries.entries()) {
      const s = status[i]!
      expect(entry).toEqual({
        id: `${BASE_URL}/${s.listId}/${s.purpose}?format=jwt_vc_json#${s.index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: s.purpose,
        statusListIndex: String(s.index),
        statusListCredential: `${BASE_URL}/${s.listId}/${s.purpose}?format=jwt_vc_json`,
        statusChain: {
          chainId: 31337,
          registry: chain.contracts.StatusRegistry,
          owner,
          listId: String(s.listId),
        },
      })
      expect(s.index).toBeLessThan(131_072)
    }
    // Each purpose is its own on-chain list, created before the token was returned.
    expect(status[0]!.listId).not.toBe(status[1]!.listId)
    const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    expect(await registry.getList(owner, status[0]!.listId)).toEqual({
      purpose: 'revocation',
      length: 131_072,
    })
    expect(await registry.getList(owner, status[1]!.listId)).toEqual({
      purpose: 'suspension',
      length: 131_072,
    })
  })

  it('vc+jwt: VCDM 2.0 with credentialSubject.id = holder and validFrom/validUntil, verifies with core', async () => {
    const { token, id } = await issuer.issue({
      format: 'vc+jwt',
      type: 'VerifiableDiploma',
      subject: HOLDER,
      claims: { familyName: 'Rossi' },
      validFrom: new Date('2024-09-01T00:00:00Z'),
      validUntil: new Date('2040-01-01T00:00:00Z'),
    })
    const result = await verifyJwtVc(token, { resolver })
    expect(result.errors).toEqual([])
    const payload = payloadOf(token)
    expect(payload.id).toBe(id)
    expect(payload.validFrom).toBe('2024-09-01T00:00:00Z')
    expect((payload.credentialSubject as Record<string, unknown>).id).toBe(HOLDER)
    const entries = payload.credentialStatus as Record<string, unknown>[]
    expect(entries[0]!.statusListCredential).toMatch(/^https:\/\/uni\.example\/status\/\d+\/revocation$/)
  })

  it('dc+sd-jwt: cnf.jwk = holder key, every claim disclosable, IETF status_list with idx, uri and statusChain, verifies with core', async () => {
    const holder = await generateKeyPair('ES256')
    const { token } = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'urn:eudi:pid:1',
      claims: { given_name: 'Chiara', family_name: 'Rossi' },
      holderKey: holder.publicJwk,
    })
    const result = await verifySdJwt(token, { resolver })
    expect(result.errors).toEqual([])
    expect(result.claims).toMatchObject({ given_name: 'Chiara', family_name: 'Rossi' })
    const payload = payloadOf(token)
    expect(payload.cnf).toEqual({ jwk: holder.publicJwk })
    expect(payload.given_name).toBeUndefined()
    const list = (payload.status as { status_list: Record<string, unknown> }).status_list
    expect(list.uri).toMatch(/^https:\/\/uni\.example\/status\/\d+\/token$/)
    expect(list.statusChain).toMatchObject({ chainId: 31337, registry: chain.contracts.StatusRegistry })
  })

  it('dc+sd-jwt issued to a named subject carries no sub (it would link every presentation); the subject files it for export', async () => {
    const holder = await generateKeyPair('ES256')
    const subject = `did:example:${crypto.randomUUID()}`
    const named = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'urn:eudi:pid:1',
      subject,
      claims: { given_name: 'Chiara' },
      holderKey: holder.publicJwk,
    })
    expect(payloadOf(named.token)).not.toHaveProperty('sub')
    const [jwt, ...disclosures] = named.token.split('~')
    const decoded = [jwt!.split('.')[1]!, ...disclosures.filter((d) => d !== '')].map((part) =>
      Buffer.from(part, 'base64url').toString(),
    )
    expect(decoded.join('\n')).not.toContain(subject)
    expect((await issuer.exportSubject(subject)).credentials.map((c) => c.id)).toEqual([named.id])
  })

  it('revoke, suspend and reinstate are queued until flush, then on-chain, and the served lists say so', async () => {
    const issued = await Promise.all(
      [0, 1, 2].map(() =>
        issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', subject: HOLDER, claims: { n: 1 } }),
      ),
    )
    const [a, b, c] = issued
    await issuer.revoke(a!.id)
    await issuer.suspend(b!.id)
    await issuer.suspend(c!.id)
    await issuer.reinstate(c!.id)
    expect(await issuer.pending()).toBe(4)
    const owner = chain.wallets[account]!.address
    const registry = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    const bit = (s: { listId: number; index: number }) => registry.isSet(owner, s.listId, s.index)
    expect(await bit(a!.status[0]!)).toBe(false)

    const flushed = await issuer.flush()
    expect(flushed.applied).toBe(4)
    expect(await issuer.pending()).toBe(0)
    expect(await bit(a!.status[0]!)).toBe(true)
    expect(await bit(b!.status[1]!)).toBe(true)
    expect(await bit(c!.status[1]!)).toBe(false)
    expect(await bit(b!.status[0]!)).toBe(false)

    const handler = issuer.statusListHandler()
    const response = await handler(new Request(`${BASE_URL}/${a!.status[0]!.listId}/revocation`))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/vc+jwt')
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/)
    const listToken = await response.text()
    const verified = await verifyJwtVc(listToken, { resolver })
    expect(verified.errors).toEqual([])
    const subject = (verified.credential as { credentialSubject: { encodedList: string } }).credentialSubject
    const decoded = decodeBitstringStatusList(subject.encodedList)
    expect(decoded.get(a!.status[0]!.index)).toBe(1)
    expect(decoded.get(b!.status[0]!.index)).toBe(0)

    const tokenList = await handler(new Request(`${BASE_URL}/${a!.status[0]!.listId}/token`))
    const list = await verifyStatusListToken(await tokenList.text(), {
      publicJwk: identity.publicJwk,
      uri: `${BASE_URL}/${a!.status[0]!.listId}/token`,
    })
    expect(list.errors).toEqual([])
    expect(list.list?.get(a!.status[0]!.index)).toBe(1)
    expect(list.list?.get(b!.status[0]!.index)).toBe(0)
  })
})

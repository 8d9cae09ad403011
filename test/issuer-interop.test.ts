import { createResolver, generateKeyPair } from '@civitas/core'
import type { Issuer } from '@civitas/issuer'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { verifyCredential } from 'did-jwt-vc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BASE_URL,
  type Databases,
  type IssuerIdentity,
  issuerIdentity,
  openIssuer,
  startDatabases,
} from './issuer-support/setup.js'

// Issue #9 "Must show": what the issuer issues and serves verifies with the peers:
// did-jwt-vc (jwt_vc_json), @sd-jwt/sd-jwt-vc (dc+sd-jwt, including its status-list check
// against our served Token Status List), Digital Bazaar's vc-bitstring-status-list (our lists).

const resolver = createResolver({ web: false, cache: false })
let chain: LocalChain
let databases: Databases
let identity: IssuerIdentity
let issuer: Issuer
beforeAll(async () => {
  ;[chain, databases, identity] = await Promise.all([
    startLocalChain({ accounts: 2 }),
    startDatabases(),
    issuerIdentity(),
  ])
  issuer = await openIssuer(chain, identity, databases.sqlite(), 1)
})
afterAll(async () => {
  await issuer?.close()
  await Promise.all([chain?.stop(), databases?.stop()])
})

describe('issuer output read by the peers', () => {
  it('did-jwt-vc verifyCredential accepts our jwt_vc_json with its status entries', async () => {
    const holder = 'did:example:holder-1'
    const { token, id } = await issuer.issue({
      format: 'jwt_vc_json',
      type: 'VerifiableDiploma',
      subject: holder,
      claims: { familyName: 'Rossi' },
    })
    const verified = await verifyCredential(token, resolver as never)
    expect(verified.issuer).toBe(identity.did)
    expect(verified.verifiableCredential.id).toBe(id)
    expect(verified.verifiableCredential.credentialSubject).toMatchObject({ id: holder, familyName: 'Rossi' })
  })

  it('@sd-jwt/sd-jwt-vc verifies our dc+sd-jwt, fetching our Token Status List, and refuses it once revoked and flushed', async () => {
    const holder = await generateKeyPair('ES256')
    const { token, id } = await issuer.issue({
      format: 'dc+sd-jwt',
      type: 'urn:eudi:pid:1',
      claims: { given_name: 'Erika', family_name: 'Mustermann' },
      holderKey: holder.publicJwk,
    })
    const handler = issuer.statusListHandler()
    const theirs = new SDJwtVcInstance({
      verifier: await ES256.getVerifier(identity.publicJwk),
      hasher: digest,
      hashAlg: 'sha-256',
      statusListFetcher: async (uri: string) => (await handler(new Request(uri))).text(),
    })
    const ok = await theirs.verify(token)
    expect(ok.payload).toMatchObject({ iss: identity.did, vct: 'urn:eudi:pid:1', given_name: 'Erika' })

    await issuer.revoke(id)
    await issuer.flush()
    // A fresh handler: the first one may serve its cached (pre-revocation) list for ttl/2.
    const fresh = issuer.statusListHandler()
    const after = new SDJwtVcInstance({
      verifier: await ES256.getVerifier(identity.publicJwk),
      hasher: digest,
      hashAlg: 'sha-256',
      statusListFetcher: async (uri: string) => (await fresh(new Request(uri))).text(),
    })
    await expect(after.verify(token)).rejects.toThrow(/status/i)
  })

  it('vc-bitstring-status-list decodes the served lists and reads the revoked and suspended entries', async () => {
    const issued = await Promise.all(
      [0, 1, 2].map(() => issuer.issue({ format: 'vc+jwt', type: 'VerifiableDiploma', claims: { n: 1 } })),
    )
    await issuer.revoke(issued[0]!.id)
    await issuer.suspend(issued[1]!.id)
    await issuer.flush()
    const handler = issuer.statusListHandler()
    for (const [purpose, k, expected] of [
      ['revocation', 0, [true, false, false]],
      ['suspension', 1, [false, true, false]],
    ] as const) {
      const url = issued[0]!.status[k]!.url
      expect(url).toBe(`${BASE_URL}/${issued[0]!.status[k]!.listId}/${purpose}`)
      const response = await handler(new Request(url))
      const payload = JSON.parse(Buffer.from((await response.text()).split('.')[1]!, 'base64url').toString())
      const list = await BitstringStatusList.decode({ encodedList: payload.credentialSubject.encodedList })
      expect(list.length).toBe(131_072)
      expect(issued.map((c) => list.getStatus(c.status[k]!.index))).toEqual(expected)
      expect(payload.credentialSubject.statusPurpose).toBe(purpose)
    }
  })
})

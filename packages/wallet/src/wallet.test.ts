import {
  decodeJwt,
  decodeSdJwt,
  generateKeyPair,
  signJws,
  verifyJwsWithDid,
  verifyJwtVp,
  verifySdJwt,
  verifyVcSdJwt,
  verifyVpSdJwt,
} from '@civitas/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createMemoryStore } from './store/memory.js'
import type { WalletStore } from './store/types.js'
import { FAST_KDF, PID_CLAIMS, resolver, type TestIssuer, testIssuer } from './test-utils/issuer.js'
import { openWallet } from './wallet.js'

const NONCE = 'n-0S6_WzA2Mj'
const AUD = 'https://border.example.eu'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await testIssuer()
})

async function newWallet(store = createMemoryStore(), passphrase = 'correct horse battery staple') {
  return openWallet({ store, passphrase, kdf: FAST_KDF, resolver })
}

const pidQuery = (
  claims: unknown[] | null = [{ path: ['given_name'] }, { path: ['address', 'locality'] }],
) => ({
  credentials: [
    {
      id: 'pid',
      format: 'dc+sd-jwt',
      meta: { vct_values: ['urn:eudi:pid:1'] },
      ...(claims ? { claims } : {}),
    },
  ],
})

const diplomaQuery = (format = 'jwt_vc_json', claims?: unknown[]) => ({
  credentials: [
    {
      id: 'diploma',
      format,
      meta: { type_values: [['VerifiableCredential', 'VerifiableDiploma']] },
      ...(claims ? { claims } : {}),
    },
  ],
})

async function walletWithCredentials() {
  const store = createMemoryStore()
  const wallet = await newWallet(store)
  const holder = await wallet.createKey()
  const holderJwk = await wallet.createKey({ did: 'jwk' })
  const diploma = await wallet.accept(await issuer.diploma(holder.did))
  const diploma2 = await wallet.accept(await issuer.diploma2(holderJwk.did))
  const pid = await wallet.accept(await issuer.pid(holder.publicJwk))
  return { store, wallet, holder, holderJwk, diploma, diploma2, pid }
}

describe('keys: ES256 (default), EdDSA, ES256K on did:key, did:jwk and EBSI did:key (jwk_jcs-pub)', () => {
  it('each key signs through core’s Signer and verifies through its DID document', async () => {
    const wallet = await newWallet()
    for (const alg of ['ES256', 'EdDSA', 'ES256K'] as const) {
      for (const did of ['key', 'jwk', 'key-ebsi'] as const) {
        const key = await wallet.createKey({ alg, did })
        expect(key.alg).toBe(alg)
        expect(key.did.startsWith(did === 'jwk' ? 'did:jwk:' : 'did:key:')).toBe(true)
        expect(key).not.toHaveProperty('privateJwk')
        expect(key.publicJwk).not.toHaveProperty('d')
        const jws = await signJws({ iss: key.did, n: 1 }, await wallet.signer(key.id))
        const verified = await verifyJwsWithDid(jws, { resolver, purpose: 'authentication' })
        expect(verified.verificationMethod.id).toBe(key.kid)
      }
    }
    expect(await wallet.keys()).toHaveLength(9)
    // The EBSI natural-person form is the jwk_jcs-pub did:key (z + base58 of 0xeb51 ‖ JCS JWK).
    const ebsi = (await wallet.keys()).find((k) => k.didMethod === 'key-ebsi' && k.alg === 'ES256')
    expect(ebsi?.did.startsWith('did:key:z2dmzD81cgPx8Vki7JbuuMmFYrWPgYoytykUZ3eyqht1j9Kb')).toBe(true)
  })

  it('refuses an unknown algorithm or DID method with a typed error', async () => {
    const wallet = await newWallet()
    await expect(wallet.createKey({ alg: 'RS256' as never })).rejects.toMatchObject({
      code: 'UNSUPPORTED_ALG',
    })
    await expect(wallet.createKey({ did: 'web' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(wallet.signer('nope')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' })
  })
})

describe('accept: verified, bound to one of our keys, kept byte for byte', () => {
  it('accepts jwt_vc_json, vc+jwt and dc+sd-jwt and lists them by type, issuer and format', async () => {
    const { wallet, holder, holderJwk, diploma, diploma2, pid } = await walletWithCredentials()
    expect(diploma).toMatchObject({
      format: 'jwt_vc_json',
      keyId: holder.id,
      holder: holder.did,
      issuer: issuer.did,
    })
    expect(diploma2).toMatchObject({ format: 'vc+jwt', keyId: holderJwk.id })
    expect(pid).toMatchObject({ format: 'dc+sd-jwt', keyId: holder.id, types: ['urn:eudi:pid:1'] })
    expect(pid.claims).toMatchObject(PID_CLAIMS)
    expect((await wallet.list()).map((c) => c.id)).toEqual([diploma.id, diploma2.id, pid.id])
    expect((await wallet.list({ type: 'VerifiableDiploma' })).map((c) => c.id)).toEqual([
      diploma.id,
      diploma2.id,
    ])
    expect((await wallet.list({ format: 'dc+sd-jwt' })).map((c) => c.id)).toEqual([pid.id])
    expect(await wallet.list({ issuer: issuer.did })).toHaveLength(3)
    expect(await wallet.list({ issuer: 'did:example:other' })).toEqual([])
    expect(await wallet.list({ type: 'VerifiableDiploma', format: 'vc+jwt' })).toHaveLength(1)
  })

  it('keeps the raw token byte for byte, also after reopening', async () => {
    const store = createMemoryStore()
    const wallet = await newWallet(store)
    const holder = await wallet.createKey()
    const token = await issuer.pid(holder.publicJwk)
    const { id } = await wallet.accept(token)
    await wallet.close()
    const reopened = await newWallet(store)
    expect((await reopened.get(id)).token).toBe(token)
  })

  it('accepting the same token twice keeps one credential; what list returns cannot be altered', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey()
    const token = await issuer.pid(holder.publicJwk)
    const first = await wallet.accept(token)
    expect((await wallet.accept(token)).id).toBe(first.id)
    const [listed] = await wallet.list()
    expect(listed?.id).toBe(first.id)
    expect(() => {
      ;(listed?.claims as Record<string, unknown>).given_name = 'Mallory'
    }).toThrow(TypeError)
    expect((await wallet.get(first.id)).claims.given_name).toBe('Erika')
  })

  it('a token bound to someone else’s key is CREDENTIAL_NOT_BOUND and nothing is stored', async () => {
    const { wallet } = await walletWithCredentials()
    const stranger = await generateKeyPair('ES256')
    const before = await wallet.list()
    await expect(wallet.accept(await issuer.pid(stranger.publicJwk))).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_BOUND',
    })
    await expect(
      wallet.accept(await issuer.diploma('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK')),
    ).rejects.toMatchObject({
      code: 'CREDENTIAL_NOT_BOUND',
    })
    expect(await wallet.list()).toEqual(before)
  })

  it('refuses an expired credential, a forged signature and a presentation, each with its code', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey()
    await expect(
      wallet.accept(await issuer.diploma(holder.did, undefined, { expired: true })),
    ).rejects.toMatchObject({
      code: 'CREDENTIAL_EXPIRED',
    })
    const token = await issuer.diploma(holder.did)
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(86)}`
    await expect(wallet.accept(forged)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' })
    await expect(wallet.accept('not a token')).rejects.toMatchObject({ code: 'INVALID_JWS' })
    // The wallet keeps and presents compact serializations; a JSON one is refused, not converted.
    await expect(
      wallet.accept(JSON.stringify({ payload: 'e30', protected: 'e30', signature: 'AA', disclosures: [] })),
    ).rejects.toMatchObject({ code: 'FORMAT_MISMATCH' })
    await expect(wallet.accept(`${token}.${'A'.repeat(2_000_000)}`)).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
    })
    expect(await wallet.list()).toEqual([])
  })

  it('a verifier decides validity when given (status and trust live there)', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey()
    const token = await issuer.diploma(holder.did)
    const revoked = {
      verifyCredential: async () => ({
        verified: false,
        checks: [{ id: 'credential/status', ok: false }],
        errors: [{ code: 'CREDENTIAL_REVOKED', message: 'revoked' }],
      }),
    }
    await expect(wallet.accept(token, { verifier: revoked })).rejects.toMatchObject({
      code: 'CREDENTIAL_REVOKED',
    })
    const seen: string[] = []
    const ok = {
      verifyCredential: async (t: string) => {
        seen.push(t)
        return { verified: true, checks: [], errors: [] }
      },
    }
    await wallet.accept(token, { verifier: ok })
    expect(seen).toEqual([token])
  })
})

describe('passphrase, tampering and truncation: typed errors, nothing lost', () => {
  it('a wrong passphrase is PASSPHRASE_INVALID and changes nothing', async () => {
    const { store, wallet, diploma } = await walletWithCredentials()
    await wallet.close()
    const header = await store.getMeta('wallet')
    await expect(newWallet(store, 'wrong passphrase')).rejects.toMatchObject({ code: 'PASSPHRASE_INVALID' })
    expect(await store.getMeta('wallet')).toEqual(header)
    const reopened = await newWallet(store)
    expect((await reopened.get(diploma.id)).token).toBe(diploma.token)
  })

  it('a tampered record is RECORD_TAMPERED for that record; the others stay readable', async () => {
    const { store, wallet, diploma, pid } = await walletWithCredentials()
    await wallet.close()
    const sealed = (await store.get('credentials', diploma.id)) as Uint8Array
    sealed[40] = (sealed[40] ?? 0) ^ 0x01
    await store.put('credentials', { id: diploma.id, data: sealed })
    const reopened = await newWallet(store)
    await expect(reopened.get(diploma.id)).rejects.toMatchObject({ code: 'RECORD_TAMPERED' })
    expect((await reopened.get(pid.id)).token).toBe(pid.token)
    expect((await reopened.list()).map((c) => c.id)).not.toContain(diploma.id)
    expect(await reopened.list()).toHaveLength(2)
    const integrity = await reopened.verifyIntegrity()
    expect(integrity.ok).toBe(false)
    expect(integrity.problems).toEqual([
      expect.objectContaining({ table: 'credentials', id: diploma.id, code: 'RECORD_TAMPERED' }),
    ])
  })

  it('a record copied over another is RECORD_TAMPERED (the id is associated data)', async () => {
    const { store, wallet, diploma, pid } = await walletWithCredentials()
    await wallet.close()
    await store.put('credentials', {
      id: diploma.id,
      data: (await store.get('credentials', pid.id)) as Uint8Array,
    })
    const reopened = await newWallet(store)
    await expect(reopened.get(diploma.id)).rejects.toMatchObject({ code: 'RECORD_TAMPERED' })
  })

  it('a truncated record is RECORD_TRUNCATED', async () => {
    const { store, wallet, pid, diploma } = await walletWithCredentials()
    await wallet.close()
    const sealed = (await store.get('credentials', pid.id)) as Uint8Array
    await store.put('credentials', { id: pid.id, data: sealed.subarray(0, sealed.length - 100) })
    const reopened = await newWallet(store)
    await expect(reopened.get(pid.id)).rejects.toMatchObject({ code: 'RECORD_TRUNCATED' })
    expect((await reopened.get(diploma.id)).id).toBe(diploma.id)
  })

  it('a corrupted header is WALLET_CORRUPTED', async () => {
    const store = createMemoryStore()
    await (await newWallet(store)).close()
    await store.setMeta(
      'wallet',
      new TextEncoder().encode('{"format":"civitas-wallet","version":1,"kdf":{}}'),
    )
    await expect(newWallet(store)).rejects.toMatchObject({ code: 'WALLET_CORRUPTED' })
  })

  it('a header lost while records remain is WALLET_CORRUPTED, never a new wallet over them', async () => {
    const { store, wallet, pid } = await walletWithCredentials()
    await wallet.close()
    const headerless: WalletStore = { ...store, getMeta: async () => undefined }
    await expect(newWallet(headerless as never)).rejects.toMatchObject({ code: 'WALLET_CORRUPTED' })
    // Nothing was written: the real header and the records still open.
    const reopened = await newWallet(store)
    expect((await reopened.get(pid.id)).token).toBe(pid.token)
    expect(await reopened.list()).toHaveLength(3)
  })

  it('changing the passphrase re-wraps the master key only; a KDF upgrade on open re-wraps too', async () => {
    const { store, wallet, pid } = await walletWithCredentials()
    const sealedBefore = await store.get('credentials', pid.id)
    await expect(wallet.changePassphrase('not it', 'new passphrase')).rejects.toMatchObject({
      code: 'PASSPHRASE_INVALID',
    })
    await wallet.changePassphrase('correct horse battery staple', 'new passphrase')
    expect(await store.get('credentials', pid.id)).toEqual(sealedBefore)
    await wallet.close()
    await expect(newWallet(store)).rejects.toMatchObject({ code: 'PASSPHRASE_INVALID' })
    const upgraded = await openWallet({
      store,
      passphrase: 'new passphrase',
      kdf: { name: 'scrypt', N: 2 ** 11, r: 8, p: 1 },
    })
    const header = JSON.parse(new TextDecoder().decode(await store.getMeta('wallet')))
    expect(header.kdf).toMatchObject({ name: 'scrypt', N: 2048 })
    expect((await upgraded.get(pid.id)).token).toBe(pid.token)
  })

  it('a closed wallet is WALLET_LOCKED', async () => {
    const wallet = await newWallet()
    await wallet.close()
    await wallet.close()
    await expect(wallet.list()).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
    await expect(wallet.createKey()).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
  })
})

describe('match (DCQL, OpenID4VP 1.0) and present: only what was asked', () => {
  it('an SD-JWT VC presentation carries only the requested Disclosures and a KB-JWT', async () => {
    const { wallet, holder, pid } = await walletWithCredentials()
    const match = await wallet.match(pidQuery())
    expect(match.satisfiable).toBe(true)
    const [candidate] = match.candidates.pid ?? []
    expect(candidate).toMatchObject({
      credentialId: pid.id,
      selective: true,
      requested: ['/given_name', '/address/locality'],
      overDisclosed: [],
    })
    expect(candidate?.disclosed).toEqual(
      expect.arrayContaining(['/given_name', '/address/locality', '/vct', '/iss']),
    )
    expect(candidate?.disclosed).not.toContain('/family_name')
    expect(candidate?.disclosed).not.toContain('/address/street_address')
    expect(candidate?.withheld).toEqual(
      expect.arrayContaining(['/family_name', '/birthdate', '/address/country']),
    )
    expect(match.choice).toEqual({ query: pidQuery(), credentials: { pid: [pid.id] } })

    const result = await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const token = result.vpToken.pid?.[0] as string
    const verified = await verifySdJwt(token, { resolver, nonce: NONCE, audience: AUD })
    expect(verified.errors).toEqual([])
    expect(verified.claims).toEqual({
      vct: 'urn:eudi:pid:1',
      iss: issuer.did,
      iat: expect.any(Number),
      exp: expect.any(Number),
      cnf: { jwk: holder.publicJwk },
      given_name: 'Erika',
      address: { locality: 'Köln' },
      nationalities: [], // the array is always visible, its elements are Disclosures
    })
    expect(
      decodeSdJwt(token)
        .disclosures.map((d) => d.path)
        .sort(),
    ).toEqual(['/address', '/address/locality', '/given_name'])
  })

  it('null wildcards and values select array elements; a query without claims discloses none', async () => {
    const { wallet } = await walletWithCredentials()
    const wildcard = await wallet.match(pidQuery([{ path: ['nationalities', null], values: ['FR'] }]))
    expect(wildcard.candidates.pid?.[0]?.requested).toEqual(['/nationalities/1'])
    const presented = await wallet.present(wildcard.choice!, { nonce: NONCE, audience: AUD })
    expect(
      (await verifySdJwt(presented.vpToken.pid?.[0] as string, { resolver, nonce: NONCE, audience: AUD }))
        .claims,
    ).toMatchObject({
      nationalities: ['FR'],
    })
    const bare = await wallet.match(pidQuery(null))
    const none = await wallet.present(bare.choice!, { nonce: NONCE, audience: AUD })
    expect(decodeSdJwt(none.vpToken.pid?.[0] as string).disclosures).toEqual([])
  })

  it('claim_sets: the first satisfiable set (the verifier’s preference) is used', async () => {
    const { wallet } = await walletWithCredentials()
    const query = pidQuery([
      { id: 'a', path: ['passport_number'] },
      { id: 'b', path: ['birthdate'] },
      { id: 'c', path: ['age_over_18'], values: [true] },
    ])
    const match = await wallet.match({
      credentials: [{ ...query.credentials[0], claim_sets: [['a'], ['c'], ['b']] }],
    })
    expect(match.candidates.pid?.[0]).toMatchObject({ claimSetIndex: 1, requested: ['/age_over_18'] })
  })

  it('credential_sets: alternatives and optional sets; the minimal choice takes only required ones', async () => {
    const { wallet, diploma, pid } = await walletWithCredentials()
    const query = {
      credentials: [
        { ...pidQuery().credentials[0] },
        { id: 'mdl', format: 'mso_mdoc', meta: { doctype_value: 'org.iso.18013.5.1.mDL' } },
        { ...diplomaQuery().credentials[0] },
      ],
      credential_sets: [{ options: [['mdl'], ['pid']] }, { options: [['diploma']], required: false }],
    }
    const match = await wallet.match(query)
    expect(match.satisfiable).toBe(true)
    expect(match.credentialSets?.[0]?.matchingOptions).toEqual([['pid']])
    expect(match.candidates.diploma?.[0]?.credentialId).toBe(diploma.id)
    expect(match.choice?.credentials).toEqual({ pid: [pid.id] })
  })

  it('a request the wallet cannot satisfy is an empty match, not an error', async () => {
    const { wallet } = await walletWithCredentials()
    const unknownType = await wallet.match({
      credentials: [{ id: 'x', format: 'dc+sd-jwt', meta: { vct_values: ['urn:other'] } }],
    })
    expect(unknownType).toEqual({ satisfiable: false, candidates: { x: [] } })
    const missingClaim = await wallet.match(pidQuery([{ path: ['passport_number'] }]))
    expect(missingClaim).toEqual({ satisfiable: false, candidates: { pid: [] } })
    const mdoc = await wallet.match({
      credentials: [{ id: 'mdl', format: 'mso_mdoc', meta: { doctype_value: 'org.iso.18013.5.1.mDL' } }],
    })
    expect(mdoc.satisfiable).toBe(false)
    const empty = await (await newWallet()).match(pidQuery())
    expect(empty.satisfiable).toBe(false)
  })

  it('a malformed query is QUERY_INVALID', async () => {
    const wallet = await newWallet()
    await expect(wallet.match({ credentials: [] })).rejects.toMatchObject({ code: 'QUERY_INVALID' })
    await expect(wallet.match('select *')).rejects.toMatchObject({ code: 'QUERY_INVALID' })
    await expect(
      wallet.match({
        credentials: [{ id: 'a', format: 'dc+sd-jwt' }],
        credential_sets: [{ options: [['b']] }],
      }),
    ).rejects.toMatchObject({ code: 'QUERY_INVALID' })
  })

  it('a jwt_vc_json VP and a vp+jwt verify with core’s verifyJwtVp, bound to the holder', async () => {
    const { wallet, holder, holderJwk, diploma, diploma2 } = await walletWithCredentials()
    const match = await wallet.match(diplomaQuery())
    expect(match.candidates.diploma?.map((c) => c.credentialId)).toEqual([diploma.id])
    const result = await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const vp = result.vpToken.diploma?.[0] as string
    const verified = await verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUD })
    expect(verified.errors).toEqual([])
    expect(verified.verified).toBe(true)
    expect(verified.holder).toBe(holder.did)
    expect(verified.credentials?.[0]?.verified).toBe(true)

    const match2 = await wallet.match(diplomaQuery('vc+jwt'))
    expect(match2.candidates.diploma?.map((c) => c.credentialId)).toEqual([diploma2.id])
    const vp2 = (await wallet.present(match2.choice!, { nonce: NONCE, audience: AUD })).vpToken
      .diploma?.[0] as string
    expect(decodeJwt(vp2).header.typ).toBe('vp+jwt')
    const verified2 = await verifyJwtVp(vp2, { resolver, nonce: NONCE, audience: AUD })
    expect(verified2.errors).toEqual([])
    expect(verified2.holder).toBe(holderJwk.did)
  })

  it('vc+sd-jwt (VCDM 2.0 + SD-JWT): accepted, matched by type, presented with only the asked Disclosures and a KB-JWT', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey()
    const token = await issuer.vcSdJwt(holder.did, { holderJwk: holder.publicJwk })
    const stored = await wallet.accept(token)
    expect(stored).toMatchObject({
      format: 'vc+sd-jwt',
      keyId: holder.id,
      issuer: issuer.did,
      types: ['VerifiableCredential', 'VerifiableDiploma'],
      token,
    })
    expect(stored.claims).not.toHaveProperty('cnf')
    expect([...stored.disclosable].sort()).toEqual([
      '/credentialSubject/awarded',
      '/credentialSubject/degree',
      '/credentialSubject/name',
    ])
    expect(await wallet.list({ format: 'vc+sd-jwt' })).toHaveLength(1)
    // A vc+jwt or jwt_vc_json query does not match it: the format is part of the request.
    expect((await wallet.match(diplomaQuery('vc+jwt'))).satisfiable).toBe(false)

    const match = await wallet.match(diplomaQuery('vc+sd-jwt', [{ path: ['credentialSubject', 'degree'] }]))
    const candidate = match.candidates.diploma?.[0]
    expect(candidate).toMatchObject({
      credentialId: stored.id,
      format: 'vc+sd-jwt',
      selective: true,
      requested: ['/credentialSubject/degree'],
      overDisclosed: [],
    })
    expect([...(candidate?.withheld ?? [])].sort()).toEqual([
      '/credentialSubject/awarded',
      '/credentialSubject/name',
    ])
    expect(candidate?.disclosed).toContain('/credentialSubject/degree')
    expect(candidate?.disclosed).not.toContain('/credentialSubject/name')
    const result = await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const vp = result.vpToken.diploma?.[0] as string
    expect(decodeSdJwt(vp).disclosures.map((d) => d.path)).toEqual(['/credentialSubject/degree'])
    const verified = await verifyVcSdJwt(vp, { resolver, nonce: NONCE, audience: AUD })
    expect(verified.errors).toEqual([])
    expect(verified.verified).toBe(true)
    expect(verified.credential?.credentialSubject).toEqual({ id: holder.did, degree: 'MSc Mathematics' })
    // The KB-JWT names this verifier and nonce only.
    expect((await verifyVcSdJwt(vp, { resolver, nonce: 'other', audience: AUD })).verified).toBe(false)
  })

  it('a vc+sd-jwt about a holder DID without cnf is presented in a vp+sd-jwt the holder signs', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey({ did: 'key-ebsi' })
    const stored = await wallet.accept(await issuer.vcSdJwt(holder.did))
    expect(stored).toMatchObject({ format: 'vc+sd-jwt', keyId: holder.id, holder: holder.did })
    const match = await wallet.match(diplomaQuery('vc+sd-jwt', [{ path: ['credentialSubject', 'awarded'] }]))
    const vp = (await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })).vpToken
      .diploma?.[0] as string
    expect(decodeJwt(vp.split('~')[0] as string).header.typ).toBe('vp+sd-jwt')
    const verified = await verifyVpSdJwt(vp, { resolver, nonce: NONCE, audience: AUD })
    expect(verified.errors).toEqual([])
    expect(verified.verified).toBe(true)
    expect(verified.holder).toBe(holder.did)
    expect(verified.credentials[0]?.credential?.credentialSubject).toEqual({
      id: holder.did,
      awarded: '2024-07-01',
    })
    // Someone else's DID as subject: not ours.
    await expect(
      wallet.accept(await issuer.vcSdJwt('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK')),
    ).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_BOUND' })
  })

  it('an expired vc+sd-jwt is refused at accept with CREDENTIAL_EXPIRED', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey()
    const expired = await issuer.vcSdJwt(holder.did, {
      holderJwk: holder.publicJwk,
      validUntil: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    })
    await expect(wallet.accept(expired)).rejects.toMatchObject({ code: 'CREDENTIAL_EXPIRED' })
    expect(await wallet.list()).toEqual([])
  })

  it('a JWT VC asked for some claims would show all: refused unless the holder allows it', async () => {
    const { wallet } = await walletWithCredentials()
    const match = await wallet.match(diplomaQuery('jwt_vc_json', [{ path: ['credentialSubject', 'degree'] }]))
    const candidate = match.candidates.diploma?.[0]
    expect(candidate).toMatchObject({ selective: false, requested: ['/credentialSubject/degree'] })
    expect(candidate?.overDisclosed).toEqual(['/credentialSubject/name'])
    await expect(wallet.present(match.choice!, { nonce: NONCE, audience: AUD })).rejects.toMatchObject({
      code: 'DISCLOSURE_NOT_SELECTIVE',
    })
    const result = await wallet.present(match.choice!, {
      nonce: NONCE,
      audience: AUD,
      allowFullDisclosure: true,
    })
    expect(result.presentations[0]?.disclosed).toContain('/credentialSubject/name')
  })

  it('an SD-JWT claim the issuer made always visible counts as over-disclosure too', async () => {
    const wallet = await newWallet()
    const holder = await wallet.createKey()
    await wallet.accept(await issuer.pid(holder.publicJwk, { ...PID_CLAIMS, nickname: 'Eri' }))
    const match = await wallet.match(pidQuery([{ path: ['given_name'] }]))
    expect(match.candidates.pid?.[0]?.overDisclosed).toEqual(['/nickname'])
    await expect(wallet.present(match.choice!, { nonce: NONCE, audience: AUD })).rejects.toMatchObject({
      code: 'DISCLOSURE_NOT_SELECTIVE',
    })
  })

  it('a presentation request for an unknown credential is CREDENTIAL_NOT_FOUND; a choice cannot widen the request', async () => {
    const { wallet, diploma } = await walletWithCredentials()
    const match = await wallet.match(pidQuery())
    await expect(
      wallet.present(
        { query: pidQuery(), credentials: { pid: ['no-such-credential'] } },
        { nonce: NONCE, audience: AUD },
      ),
    ).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' })
    await expect(
      wallet.present(
        { query: pidQuery(), credentials: { pid: [diploma.id] } },
        { nonce: NONCE, audience: AUD },
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(
      wallet.present({ query: pidQuery(), credentials: {} }, { nonce: NONCE, audience: AUD }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(wallet.present(match.choice!, { nonce: '', audience: AUD })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    expect(await wallet.log()).toEqual([])
  })

  it('each presentation is logged (verifier, time, claims disclosed), encrypted like every record', async () => {
    const { store, wallet, pid } = await walletWithCredentials()
    const match = await wallet.match(pidQuery())
    const result = await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const log = await wallet.log()
    expect(log).toEqual([
      {
        id: result.logId,
        at: expect.any(String),
        audience: AUD,
        nonce: NONCE,
        presented: [
          expect.objectContaining({
            queryId: 'pid',
            credentialId: pid.id,
            format: 'dc+sd-jwt',
            issuer: issuer.did,
            disclosed: expect.arrayContaining(['/given_name', '/address/locality']),
          }),
        ],
      },
    ])
    const row = (await store.all('log'))[0]?.data as Uint8Array
    expect(Buffer.from(row).includes(Buffer.from(AUD))).toBe(false)
  })
})

describe('GDPR: export, import, erase', () => {
  it('export is an encrypted archive another wallet imports (keys, credentials, log)', async () => {
    const { wallet, holder, pid, diploma } = await walletWithCredentials()
    const match = await wallet.match(pidQuery())
    await wallet.present(match.choice!, { nonce: NONCE, audience: AUD })
    const archive = await wallet.export({ passphrase: 'export passphrase', kdf: FAST_KDF })
    const text = Buffer.from(archive)
    for (const secret of ['Erika', 'Mustermann', 'VerifiableDiploma', holder.did, issuer.did]) {
      expect(text.includes(Buffer.from(secret))).toBe(false)
    }
    const other = await newWallet(createMemoryStore(), 'another wallet')
    await expect(other.import(archive, { passphrase: 'wrong' })).rejects.toMatchObject({
      code: 'PASSPHRASE_INVALID',
    })
    await expect(other.import(new TextEncoder().encode('{}'), { passphrase: 'x' })).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
    })
    expect(await other.import(archive, { passphrase: 'export passphrase' })).toEqual({
      keys: 2,
      credentials: 3,
      log: 1,
      skipped: 0,
    })
    expect((await other.get(pid.id)).token).toBe(pid.token)
    expect((await other.list({ type: 'VerifiableDiploma' })).map((c) => c.id)).toContain(diploma.id)
    expect(await other.log()).toHaveLength(1)
    // The imported key still presents.
    const again = await other.match(pidQuery())
    const presented = await other.present(again.choice!, { nonce: NONCE, audience: AUD })
    expect(
      (await verifySdJwt(presented.vpToken.pid?.[0] as string, { resolver, nonce: NONCE, audience: AUD }))
        .verified,
    ).toBe(true)
    expect((await other.import(archive, { passphrase: 'export passphrase' })).skipped).toBe(6)
  })

  it('erase(id) removes one credential; a key still holding credentials is KEY_IN_USE', async () => {
    const { store, wallet, holder, pid, diploma } = await walletWithCredentials()
    await wallet.erase(pid.id)
    await expect(wallet.get(pid.id)).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' })
    expect(await store.get('credentials', pid.id)).toBeUndefined()
    await expect(wallet.erase(holder.id)).rejects.toMatchObject({ code: 'KEY_IN_USE' })
    await wallet.erase(diploma.id)
    await wallet.erase(holder.id)
    expect((await wallet.keys()).map((k) => k.id)).not.toContain(holder.id)
    await expect(wallet.erase(pid.id)).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' })
  })

  it('eraseAll() empties the store, zeroes the keys and locks the wallet', async () => {
    const { store, wallet } = await walletWithCredentials()
    await wallet.eraseAll()
    expect(await store.getMeta('wallet')).toBeUndefined()
    for (const table of ['keys', 'credentials', 'log'] as const) expect(await store.all(table)).toEqual([])
    await expect(wallet.list()).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
  })
})

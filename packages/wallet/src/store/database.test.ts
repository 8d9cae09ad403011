import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestPostgres, type TestPostgres } from '@civitas/store/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAST_KDF, resolver, type TestIssuer, testIssuer } from '../test-utils/issuer.js'
import { openWallet } from '../wallet.js'
import { openDatabaseStore } from './database.js'

const PASSPHRASE = 'correct horse battery staple'
// Values that occur nowhere else, so a hit in the file bytes can only be a leak.
const NAME = 'Zebulon Quixotic-Marchbanks'
const DEGREE = 'Doctor of Xenolinguistics'
const LOCALITY = 'Quedlinburg-Nordwest'

let dir: string
let issuer: TestIssuer
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civitas-wallet-'))
  issuer = await testIssuer()
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** The database file and its WAL / shared-memory companions, as bytes. */
function fileBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p)))
}

function leaks(bytes: Buffer, secrets: readonly (string | Uint8Array)[]): (string | Uint8Array)[] {
  return secrets.filter(
    (s) => s.length > 0 && bytes.includes(typeof s === 'string' ? Buffer.from(s) : Buffer.from(s)),
  )
}

async function filledWallet(path: string) {
  const wallet = await openWallet({
    store: `sqlite:${path}`,
    passphrase: PASSPHRASE,
    kdf: FAST_KDF,
    resolver,
  })
  const holder = await wallet.createKey({ alg: 'ES256K', did: 'key-ebsi' })
  const diploma = await wallet.accept(await issuer.diploma(holder.did, { name: NAME, degree: DEGREE }))
  const pid = await wallet.accept(
    await issuer.pid(holder.publicJwk, { given_name: NAME, address: { locality: LOCALITY, country: 'DE' } }),
  )
  return { wallet, holder, diploma, pid }
}

describe('SQLite wallet file (@civitas/store, secure_delete + VACUUM)', () => {
  it('the file bytes never contain a name, a claim value, a type, an issuer or a DID', async () => {
    const path = join(dir, 'plain.db')
    const { wallet, holder } = await filledWallet(path)
    const secrets = [
      NAME,
      DEGREE,
      LOCALITY,
      'VerifiableDiploma',
      'urn:eudi:pid:1',
      issuer.did,
      issuer.did.slice(8, 40),
      holder.did,
      holder.did.slice(8, 40),
      holder.publicJwk.x as string,
    ]
    // While open (pages in the WAL) and after close (checkpointed into the file).
    expect(leaks(fileBytes(path), secrets)).toEqual([])
    expect(await wallet.list({ type: 'VerifiableDiploma' })).toHaveLength(1)
    await wallet.close()
    expect(leaks(fileBytes(path), secrets)).toEqual([])
    const reopened = await openWallet({ store: `sqlite:${path}`, passphrase: PASSPHRASE, resolver })
    expect((await reopened.list()).map((c) => c.claims)).toEqual(
      expect.arrayContaining([expect.objectContaining({ given_name: NAME })]),
    )
    await reopened.close()
  })

  it('erase(id) leaves no byte of the erased record; eraseAll() leaves no key material', async () => {
    const path = join(dir, 'erase.db')
    const { wallet, diploma } = await filledWallet(path)
    await wallet.close()
    // What is stored, read through the store itself: header (wrapped master key) and records.
    const store = await openDatabaseStore(`sqlite:${path}`)
    const header = JSON.parse(new TextDecoder().decode(await store.getMeta('wallet')))
    const keyRecords = (await store.all('keys')).map((r) => r.data)
    const diplomaRecord = (await store.get('credentials', diploma.id)) as Uint8Array
    await store.close()
    const slices = (data: Uint8Array) => [data.subarray(20, 52), data.subarray(data.length - 32)]
    expect(
      leaks(fileBytes(path), [header.wrappedKey, ...keyRecords.flatMap(slices), ...slices(diplomaRecord)]),
    ).toHaveLength(2 + 2 * keyRecords.length + 1)

    const again = await openWallet({ store: `sqlite:${path}`, passphrase: PASSPHRASE, resolver })
    await again.erase(diploma.id)
    expect(leaks(fileBytes(path), slices(diplomaRecord))).toEqual([])
    await again.eraseAll()
    expect(
      leaks(fileBytes(path), [header.wrappedKey, header.kdf.salt, ...keyRecords.flatMap(slices)]),
    ).toEqual([])
    await expect(again.list()).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
    // The file is an empty wallet now: opening it creates a new one, with nothing inside.
    const fresh = await openWallet({
      store: `sqlite:${path}`,
      passphrase: 'anything at all',
      kdf: FAST_KDF,
      resolver,
    })
    expect(await fresh.list()).toEqual([])
    expect(await fresh.keys()).toEqual([])
    await fresh.close()
  })

  it('a wrong passphrase is PASSPHRASE_INVALID and the file still opens with the right one', async () => {
    const path = join(dir, 'passphrase.db')
    const { wallet, pid } = await filledWallet(path)
    await wallet.close()
    const before = readFileSync(path)
    await expect(
      openWallet({ store: `sqlite:${path}`, passphrase: 'wrong', resolver }),
    ).rejects.toMatchObject({
      code: 'PASSPHRASE_INVALID',
    })
    expect(readFileSync(path).equals(before)).toBe(true)
    const reopened = await openWallet({ store: `sqlite:${path}`, passphrase: PASSPHRASE, resolver })
    expect((await reopened.get(pid.id)).token).toBe(pid.token)
    await reopened.close()
  })

  it('a corrupted or truncated file is WALLET_CORRUPTED', async () => {
    const garbage = join(dir, 'garbage.db')
    writeFileSync(garbage, Buffer.alloc(8192, 'not a database, just bytes '))
    await expect(
      openWallet({ store: `sqlite:${garbage}`, passphrase: PASSPHRASE, resolver }),
    ).rejects.toMatchObject({
      code: 'WALLET_CORRUPTED',
    })
    // Nothing is lost: the failed open wrote nothing over the file.
    expect(readFileSync(garbage).equals(Buffer.alloc(8192, 'not a database, just bytes '))).toBe(true)
    const cut = join(dir, 'cut.db')
    const { wallet } = await filledWallet(cut)
    await wallet.close()
    await truncate(cut, 1000)
    const damaged = readFileSync(cut)
    await expect(
      openWallet({ store: `sqlite:${cut}`, passphrase: PASSPHRASE, resolver }),
    ).rejects.toMatchObject({
      code: 'WALLET_CORRUPTED',
    })
    expect(readFileSync(cut).equals(damaged)).toBe(true)
  })

  it('a truncated record in the file is RECORD_TRUNCATED for it alone', async () => {
    const path = join(dir, 'record.db')
    const { wallet, diploma, pid } = await filledWallet(path)
    await wallet.close()
    const store = await openDatabaseStore(`sqlite:${path}`)
    const sealed = (await store.get('credentials', diploma.id)) as Uint8Array
    await store.put('credentials', { id: diploma.id, data: sealed.subarray(0, sealed.length - 64) })
    await store.close()
    const reopened = await openWallet({ store: `sqlite:${path}`, passphrase: PASSPHRASE, resolver })
    await expect(reopened.get(diploma.id)).rejects.toMatchObject({ code: 'RECORD_TRUNCATED' })
    expect((await reopened.get(pid.id)).id).toBe(pid.id)
    await reopened.close()
  })
})

describe('PostgreSQL wallet (same code through @civitas/store)', () => {
  let postgres: TestPostgres
  beforeAll(async () => {
    postgres = await startTestPostgres()
  })
  afterAll(() => postgres?.stop())

  it('accepts, lists by tag, matches, reopens and erases', async () => {
    const url = (await postgres.createDatabase()) as `postgres://${string}`
    const wallet = await openWallet({ store: url, passphrase: PASSPHRASE, kdf: FAST_KDF, resolver })
    const holder = await wallet.createKey()
    const pid = await wallet.accept(await issuer.pid(holder.publicJwk))
    await wallet.accept(await issuer.diploma(holder.did))
    expect((await wallet.list({ format: 'dc+sd-jwt' })).map((c) => c.id)).toEqual([pid.id])
    await wallet.close()
    const reopened = await openWallet({ store: url, passphrase: PASSPHRASE, resolver })
    const match = await reopened.match({
      credentials: [{ id: 'pid', format: 'dc+sd-jwt', claims: [{ path: ['given_name'] }] }],
    })
    expect(match.choice?.credentials).toEqual({ pid: [pid.id] })
    await reopened.erase(pid.id)
    expect(await reopened.list({ format: 'dc+sd-jwt' })).toEqual([])
    await reopened.eraseAll()
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, isCivitasError, localSigner, type Signer } from '@civitas/core'
import { openStore, type Store } from '@civitas/store'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type IssuerTables, issuerMigrations } from '../schema.js'
import { createSignerRetirementCheck } from './retirement.js'
import { ethrKeyAttribute } from './rotate.js'

// The retirement rows another instance wrote (rotateKey / revokeKey / retireDueKeys), read on a
// real SQLite store: a key due within the margin is refused; the rows are cached for refreshMs
// but read again once a cached retirement comes due; rows of older releases (no kid, no
// revoked flag) are read too. The clock is Date only (the store's I/O runs as usual).

const T0 = Date.parse('2030-01-01T00:00:00Z')
let dir: string
let store: Store<IssuerTables>
let signer: Signer
let name: string
let attribute: { name: string; value: string }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civitas-retirement-'))
  store = await openStore<IssuerTables>(`sqlite:${join(dir, 'r.db')}`, { migrations: issuerMigrations })
  const { privateJwk, publicJwk } = await generateKeyPair('ES256K')
  signer = localSigner(privateJwk, { kid: 'did:ethr:0x1:0xabc#delegate-1' })
  attribute = ethrKeyAttribute(publicJwk)
  name = `key_retirement:${attribute.name}:${attribute.value}`
})
afterAll(async () => {
  await store?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: T0 })
  await store.db.deleteFrom('issuer_meta').execute()
})
afterEach(() => {
  vi.useRealTimers()
})

const row = (value: Record<string, unknown>) =>
  store.db
    .insertInto('issuer_meta')
    .values({ name, value: JSON.stringify(value) })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: JSON.stringify(value) }))
    .execute()

async function codeOf(check: { assertUsable(s: Signer): Promise<void> }, s = signer) {
  try {
    await check.assertUsable(s)
    return undefined
  } catch (error) {
    return isCivitasError(error) ? error.code : 'not a CivitasError'
  }
}

describe('signer retirement check', () => {
  it('a key due after now + margin signs (grace period); within the margin it is SIGNER_RETIRED, though the cache was fresh', async () => {
    const check = createSignerRetirementCheck(store, { refreshMs: 3_600_000, marginSeconds: 30 })
    await row({ ...attribute, due: T0 / 1000 + 600, kid: signer.kid })
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      expect(await codeOf(check)).toBeUndefined()
      expect(await codeOf(check)).toBeUndefined()
      // Said once, naming the key and the time only.
      expect(warning).toHaveBeenCalledTimes(1)
    } finally {
      warning.mockRestore()
    }
    vi.setSystemTime(T0 + (600 - 31) * 1000)
    expect(await codeOf(check)).toBeUndefined()
    vi.setSystemTime(T0 + (600 - 30) * 1000)
    expect(await codeOf(check)).toBe('SIGNER_RETIRED')
  })

  it('reads the rows again once a cached retirement comes due: a key published again (row gone) signs on', async () => {
    const check = createSignerRetirementCheck(store, { refreshMs: 3_600_000, marginSeconds: 0 })
    await row({ ...attribute, due: T0 / 1000 + 60 })
    vi.spyOn(process, 'emitWarning').mockImplementationOnce(() => undefined)
    expect(await codeOf(check)).toBeUndefined()
    await store.db.deleteFrom('issuer_meta').execute()
    vi.setSystemTime(T0 + 61_000)
    expect(await codeOf(check)).toBeUndefined()
  })

  it('rows written after the last read are seen once refreshMs has passed', async () => {
    const check = createSignerRetirementCheck(store, { refreshMs: 5_000, marginSeconds: 0 })
    expect(await codeOf(check)).toBeUndefined()
    await row({ ...attribute, due: T0 / 1000 - 1, revoked: true })
    vi.setSystemTime(T0 + 5_000)
    expect(await codeOf(check)).toBe('SIGNER_RETIRED')
  })

  it('a row of an older release (no kid, no revoked flag) retires the key; a signer with no public key is matched by kid', async () => {
    const check = createSignerRetirementCheck(store, { refreshMs: 0 })
    await row({ ...attribute, due: T0 / 1000 })
    expect(await codeOf(check)).toBe('SIGNER_RETIRED')
    const { publicJwk: _none, ...noPublicKey } = signer
    expect(await codeOf(check, noPublicKey as Signer)).toBeUndefined()
    await row({ ...attribute, due: T0 / 1000, kid: signer.kid, revoked: true })
    expect(await codeOf(check, noPublicKey as Signer)).toBe('SIGNER_RETIRED')
    // Another key is not affected.
    const other = await generateKeyPair('ES256K')
    expect(await codeOf(check, localSigner(other.privateJwk))).toBeUndefined()
  })

  it('bad options are INVALID_ARGUMENT', () => {
    expect(() => createSignerRetirementCheck(store, { refreshMs: -1 })).toThrow(/refreshMs/)
    expect(() => createSignerRetirementCheck(store, { marginSeconds: 1.5 })).toThrow(/marginSeconds/)
  })
})

import { describe, expect, it } from 'vitest'
import { open, seal } from './aead.js'
import { utf8 } from './encoding.js'
import { checkKdfParams, checkStoredKdf, deriveKek, newStoredKdf } from './kdf.js'
import {
  decodeWrappedMasterKey,
  deriveKeyring,
  encodeWrappedMasterKey,
  newMasterKey,
  tagOf,
  unwrapMasterKey,
  wrapMasterKey,
  zeroKeyring,
} from './keyring.js'

const FAST = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const
const key = new Uint8Array(32).fill(7)

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('AES-256-GCM records: the record id is associated data', () => {
  it('opens what it sealed for the same context', () => {
    const sealed = seal(key, utf8('{"a":1}'), 'credentials\u0000id-1')
    expect(new TextDecoder().decode(open(key, sealed, 'credentials\u0000id-1', 'r'))).toBe('{"a":1}')
  })

  it('a record moved to another id or table fails authentication (RECORD_TAMPERED)', () => {
    const sealed = seal(key, utf8('secret'), 'credentials\u0000id-1')
    expect(codeOf(() => open(key, sealed, 'credentials\u0000id-2', 'r'))).toBe('RECORD_TAMPERED')
    expect(codeOf(() => open(key, sealed, 'keys\u0000id-1', 'r'))).toBe('RECORD_TAMPERED')
  })

  it('a flipped bit anywhere is RECORD_TAMPERED, a cut record RECORD_TRUNCATED', () => {
    const sealed = seal(key, utf8('some plaintext of a credential'), 'c')
    for (const position of [0, 3, 10, 20, sealed.length - 1]) {
      const flipped = Uint8Array.from(sealed)
      flipped[position] = (flipped[position] ?? 0) ^ 1
      expect(['RECORD_TAMPERED', 'RECORD_TRUNCATED']).toContain(codeOf(() => open(key, flipped, 'c', 'r')))
    }
    expect(codeOf(() => open(key, sealed.subarray(0, sealed.length - 5), 'c', 'r'))).toBe('RECORD_TRUNCATED')
    expect(codeOf(() => open(key, sealed.subarray(0, 10), 'c', 'r'))).toBe('RECORD_TRUNCATED')
  })

  it('the wrong key is RECORD_TAMPERED', () => {
    const sealed = seal(key, utf8('x'), 'c')
    expect(codeOf(() => open(new Uint8Array(32), sealed, 'c', 'r'))).toBe('RECORD_TAMPERED')
  })

  it('two seals of the same plaintext differ (fresh IV)', () => {
    expect(seal(key, utf8('x'), 'c')).not.toEqual(seal(key, utf8('x'), 'c'))
  })
})

describe('master key wrapped by a passphrase-derived KEK', () => {
  it('unwraps with the passphrase, PASSPHRASE_INVALID with another', async () => {
    const master = newMasterKey()
    const wrapped = await wrapMasterKey(master, utf8('correct horse'), FAST)
    const header = decodeWrappedMasterKey(encodeWrappedMasterKey(wrapped))
    expect(await unwrapMasterKey(header, utf8('correct horse'))).toEqual(master)
    await expect(unwrapMasterKey(header, utf8('wrong horse'))).rejects.toMatchObject({
      code: 'PASSPHRASE_INVALID',
    })
  })

  it('Argon2id (@noble/hashes) parameters wrap and unwrap too', async () => {
    const master = newMasterKey()
    const wrapped = await wrapMasterKey(master, utf8('pw'), { name: 'argon2id', t: 1, m: 8 * 1024, p: 1 })
    expect(wrapped.kdf).toMatchObject({ name: 'argon2id', t: 1, m: 8192, p: 1 })
    expect(await unwrapMasterKey(wrapped, utf8('pw'))).toEqual(master)
  })

  it('parameters are authenticated with the key: an edited N does not open', async () => {
    const wrapped = await wrapMasterKey(newMasterKey(), utf8('pw'), FAST)
    const edited = { ...wrapped, kdf: { ...wrapped.kdf, N: 2 ** 11 } }
    await expect(unwrapMasterKey(edited, utf8('pw'))).rejects.toMatchObject({ code: 'PASSPHRASE_INVALID' })
  })

  it('a header from a hostile file cannot ask for an unbounded KDF (WALLET_CORRUPTED)', () => {
    const wrapped = {
      format: 'civitas-wallet',
      version: 1,
      wrappedKey: 'AA',
      kdf: { ...newStoredKdf(FAST), N: 2 ** 30 },
    }
    expect(codeOf(() => decodeWrappedMasterKey(utf8(JSON.stringify(wrapped))))).toBe('WALLET_CORRUPTED')
    expect(codeOf(() => decodeWrappedMasterKey(utf8('not json')))).toBe('WALLET_CORRUPTED')
    expect(codeOf(() => decodeWrappedMasterKey(utf8('{"format":"other"}')))).toBe('WALLET_CORRUPTED')
    expect(codeOf(() => checkStoredKdf({ ...FAST, salt: 'short' }, 'ARCHIVE_INVALID'))).toBe(
      'ARCHIVE_INVALID',
    )
  })

  it('caller parameters are checked: N must be a power of two, argon2 memory bounded', () => {
    expect(codeOf(() => checkKdfParams({ name: 'scrypt', N: 1000, r: 8, p: 1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => checkKdfParams({ name: 'argon2id', t: 1, m: 4 * 1024 * 1024, p: 1 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => checkKdfParams({ name: 'pbkdf2' }))).toBe('INVALID_ARGUMENT')
    expect(checkKdfParams({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 })).toEqual({
      name: 'scrypt',
      N: 131072,
      r: 8,
      p: 1,
    })
  })

  it('the KEK depends on the salt', async () => {
    const a = await deriveKek(utf8('pw'), newStoredKdf(FAST))
    const b = await deriveKek(utf8('pw'), newStoredKdf(FAST))
    expect(a).not.toEqual(b)
  })
})

describe('searchable tags', () => {
  it('are HMACs: equal for equal values under one wallet, unrelated across wallets, no plaintext', () => {
    const one = deriveKeyring(newMasterKey())
    const two = deriveKeyring(newMasterKey())
    expect(tagOf(one, 'type', 'VerifiableDiploma')).toBe(tagOf(one, 'type', 'VerifiableDiploma'))
    expect(tagOf(one, 'type', 'VerifiableDiploma')).not.toBe(tagOf(one, 'issuer', 'VerifiableDiploma'))
    expect(tagOf(one, 'type', 'VerifiableDiploma')).not.toBe(tagOf(two, 'type', 'VerifiableDiploma'))
    expect(tagOf(one, 'type', 'VerifiableDiploma')).not.toContain('Diploma')
  })

  it('record and tag keys are distinct derivations, and closing zeroes all three', () => {
    const keyring = deriveKeyring(newMasterKey())
    expect(keyring.recordKey).not.toEqual(keyring.tagKey)
    expect(keyring.recordKey).not.toEqual(keyring.masterKey)
    zeroKeyring(keyring)
    for (const k of [keyring.masterKey, keyring.recordKey, keyring.tagKey])
      expect(k.every((b) => b === 0)).toBe(true)
  })
})

import { CivitasError } from '@civitas/core'
import type { WalletTable } from '../store/types.js'
import { open, seal } from './aead.js'
import { fromUtf8, utf8, zero } from './encoding.js'
import type { Keyring } from './keyring.js'

/** Encrypts one record (JSON) for `table`/`id`; the pair is the associated data. */
export function sealRecord(keyring: Keyring, table: WalletTable, id: string, value: unknown): Uint8Array {
  const plaintext = utf8(JSON.stringify(value))
  try {
    return seal(keyring.recordCipherKey, plaintext, `${table}\u0000${id}`)
  } finally {
    zero(plaintext)
  }
}

/** Decrypts one record: `RECORD_TRUNCATED` / `RECORD_TAMPERED` name the record that failed. */
export function openRecord(keyring: Keyring, table: WalletTable, id: string, sealed: Uint8Array): unknown {
  const what = `${table} record ${id}`
  const plaintext = open(keyring.recordCipherKey, sealed, `${table}\u0000${id}`, what)
  try {
    // Authenticated by GCM under our key: written by this wallet, so no depth bound is needed.
    return JSON.parse(fromUtf8(plaintext))
  } catch (cause) {
    // Authenticated but unreadable: written by a buggy or newer version, not by an attacker.
    throw new CivitasError('RECORD_TAMPERED', `${what} is not readable`, { cause, details: { record: what } })
  } finally {
    zero(plaintext)
  }
}

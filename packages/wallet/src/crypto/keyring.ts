import { createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto'
import { CivitasError, isRecord, parseJson } from '@civitas/core'
import { open, seal } from './aead.js'
import { base64urlDecodeStrict, base64urlEncodeBytes, fromUtf8, utf8, zero } from './encoding.js'
import { checkStoredKdf, deriveKek, type KdfParams, newStoredKdf, type StoredKdf } from './kdf.js'

/**
 * The wallet's keys. A random 256-bit master key is the root; the passphrase only wraps it
 * (through the KEK), so changing the passphrase or the KDF re-wraps 32 bytes and no record.
 * Two keys are derived from the master key with HKDF-SHA-256, one per job: record
 * encryption (AES-256-GCM) and searchable tags (HMAC-SHA-256), so a tag can never be used
 * as a key and vice versa.
 */
export interface Keyring {
  readonly recordKey: Uint8Array
  readonly tagKey: Uint8Array
  /** Kept to re-wrap on a passphrase change; zeroed with the others on close. */
  readonly masterKey: Uint8Array
  /**
   * `recordKey` imported once into OpenSSL: a per-record import costs more than the
   * decryption itself. JS cannot wipe a KeyObject; the wallet drops it on close.
   */
  readonly recordCipherKey: KeyObject
}

/** What the store keeps in the clear: the KDF parameters and the wrapped master key. */
export interface WrappedMasterKey {
  readonly format: 'civitas-wallet'
  readonly version: 1
  readonly kdf: StoredKdf
  readonly wrappedKey: string
}

const MASTER_KEY_LENGTH = 32

function wrapContext(kdf: StoredKdf): string {
  // The parameters are authenticated with the key: a file whose parameters were edited
  // does not open, rather than opening with other parameters.
  return kdf.name === 'scrypt'
    ? `master-key\u0000scrypt:${kdf.N}:${kdf.r}:${kdf.p}:${kdf.salt}`
    : `master-key\u0000argon2id:${kdf.t}:${kdf.m}:${kdf.p}:${kdf.salt}`
}

export function deriveKeyring(masterKey: Uint8Array): Keyring {
  const derive = (info: string) =>
    new Uint8Array(hkdfSync('sha256', masterKey, new Uint8Array(0), utf8(`civitas-wallet/v1 ${info}`), 32))
  const recordKey = derive('records')
  return { masterKey, recordKey, tagKey: derive('tags'), recordCipherKey: createSecretKey(recordKey) }
}

export function newMasterKey(): Uint8Array {
  return new Uint8Array(randomBytes(MASTER_KEY_LENGTH))
}

export function zeroKeyring(keyring: Keyring | undefined): void {
  if (keyring) zero(keyring.masterKey, keyring.recordKey, keyring.tagKey)
}

/** Wraps `masterKey` under a KEK derived from `passphrase` with fresh salt. */
export async function wrapMasterKey(
  masterKey: Uint8Array,
  passphrase: Uint8Array,
  params: KdfParams,
): Promise<WrappedMasterKey> {
  const kdf = newStoredKdf(params)
  const kek = await deriveKek(passphrase, kdf)
  try {
    const wrapped = seal(kek, masterKey, wrapContext(kdf))
    return { format: 'civitas-wallet', version: 1, kdf, wrappedKey: base64urlEncodeBytes(wrapped) }
  } finally {
    zero(kek)
  }
}

/**
 * Unwraps the master key. A wrong passphrase and an altered wrapped key both fail GCM
 * authentication; the first is by far the likelier, and either way nothing was changed.
 */
export async function unwrapMasterKey(
  wrapped: WrappedMasterKey,
  passphrase: Uint8Array,
): Promise<Uint8Array> {
  const sealed = base64urlDecodeStrict(wrapped.wrappedKey)
  if (sealed === undefined)
    throw new CivitasError('WALLET_CORRUPTED', 'the wrapped master key is not base64url')
  const kek = await deriveKek(passphrase, wrapped.kdf)
  try {
    const key = open(kek, sealed, wrapContext(wrapped.kdf), 'the master key')
    if (key.length !== MASTER_KEY_LENGTH)
      throw new CivitasError('WALLET_CORRUPTED', 'the master key has a wrong length')
    return key
  } catch (error) {
    if (error instanceof CivitasError && error.code === 'WALLET_CORRUPTED') throw error
    throw new CivitasError('PASSPHRASE_INVALID', 'wrong passphrase (or the wrapped key was altered)', {
      cause: error,
    })
  } finally {
    zero(kek)
  }
}

export function encodeWrappedMasterKey(wrapped: WrappedMasterKey): Uint8Array {
  return utf8(JSON.stringify(wrapped))
}

/** Parses the stored header; anything unexpected is `WALLET_CORRUPTED` (or `code`). */
export function decodeWrappedMasterKey(
  bytes: Uint8Array,
  code: 'WALLET_CORRUPTED' | 'ARCHIVE_INVALID' = 'WALLET_CORRUPTED',
): WrappedMasterKey {
  let value: unknown
  try {
    value = parseJson(fromUtf8(bytes), code, { maxDepth: 4, what: 'the wallet header' })
  } catch (cause) {
    throw new CivitasError(code, 'the wallet header is not JSON', { cause })
  }
  if (!isRecord(value) || value.format !== 'civitas-wallet' || value.version !== 1) {
    throw new CivitasError(code, 'the wallet header is not a Civitas wallet v1 header')
  }
  if (typeof value.wrappedKey !== 'string')
    throw new CivitasError(code, 'the wallet header has no wrapped key')
  return {
    format: 'civitas-wallet',
    version: 1,
    kdf: checkStoredKdf(value.kdf, code),
    wrappedKey: value.wrappedKey,
  }
}

/** A searchable tag: HMAC-SHA-256 of `kind` and `value` under the tag key. Equal values give equal tags. */
export function tagOf(keyring: Keyring, kind: string, value: string): string {
  return createHmac('sha256', keyring.tagKey).update(`${kind}\u0000${value}`, 'utf8').digest('base64url')
}

import { scrypt as nodeScrypt, randomBytes } from 'node:crypto'
import {
  base64urlDecode,
  base64urlEncode,
  CivitasError,
  type CivitasErrorCode,
  describeValue,
  hasOwn,
  isRecord,
} from '@civitas/core'
import { argon2idAsync } from '@noble/hashes/argon2.js'

/**
 * Passphrase → key-encryption key (KEK), shared by the wallet (its master key) and the
 * issuer's encrypted key files. The parameters travel with what they protect, so they can
 * be raised later without losing what was stored under the old ones.
 *
 * scrypt runs on node:crypto (OpenSSL, on libuv's thread pool, so an unlock never blocks
 * the event loop); Argon2id runs on @noble/hashes (node:crypto has none on Node 20).
 */
export type KdfParams =
  | { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number }
  | { readonly name: 'argon2id'; readonly t: number; readonly m: number; readonly p: number }

/** The parameters plus the salt, as stored next to the ciphertext. */
export type StoredKdf = KdfParams & { readonly salt: string }

/** scrypt N = 2^17, r = 8, p = 1: 128 MiB and ~0.3 s here (OWASP's scrypt recommendation). */
export const DEFAULT_KDF: KdfParams = Object.freeze({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 })

const KEY_LENGTH = 32
const SALT_LENGTH = 16

// Bounds for parameters read from a file or an archive: a hostile file must not make an
// unlock allocate gigabytes or run for hours. The floors keep tests fast (2^10 is for tests
// only; the default is far above it), the ceilings are ~8x the default.
const SCRYPT = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16, maxMemory: 1024 * 1024 * 1024 }
const ARGON2 = { minM: 8 * 1024, maxM: 1024 * 1024, minT: 1, maxT: 16, maxP: 16 }

function invalid(code: CivitasErrorCode, message: string): never {
  throw new CivitasError(code, message)
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
}

/**
 * Checks KDF parameters; `code` says whose fault a bad value is (the caller's options,
 * a corrupted wallet, a bad archive or key file).
 */
export function checkKdfParams(value: unknown, code: CivitasErrorCode = 'INVALID_ARGUMENT'): KdfParams {
  if (!isRecord(value) || !hasOwn(value, 'name')) invalid(code, 'kdf must be an object with a name')
  if (value.name === 'scrypt') {
    const { N, r, p } = value
    const logN = typeof N === 'number' ? Math.log2(N) : Number.NaN
    if (!Number.isInteger(logN) || logN < SCRYPT.minLogN || logN > SCRYPT.maxLogN) {
      invalid(code, `kdf.N must be a power of two from 2^${SCRYPT.minLogN} to 2^${SCRYPT.maxLogN}`)
    }
    if (!integerIn(r, 1, SCRYPT.maxR)) invalid(code, `kdf.r must be an integer from 1 to ${SCRYPT.maxR}`)
    if (!integerIn(p, 1, SCRYPT.maxP)) invalid(code, `kdf.p must be an integer from 1 to ${SCRYPT.maxP}`)
    if (128 * (N as number) * r > SCRYPT.maxMemory) invalid(code, 'kdf needs more than 1 GiB of memory')
    return { name: 'scrypt', N: N as number, r, p }
  }
  if (value.name === 'argon2id') {
    const { t, m, p } = value
    if (!integerIn(t, ARGON2.minT, ARGON2.maxT))
      invalid(code, `kdf.t must be an integer from ${ARGON2.minT} to ${ARGON2.maxT}`)
    if (!integerIn(m, ARGON2.minM, ARGON2.maxM))
      invalid(code, `kdf.m must be KiB from ${ARGON2.minM} to ${ARGON2.maxM}`)
    if (!integerIn(p, 1, ARGON2.maxP)) invalid(code, `kdf.p must be an integer from 1 to ${ARGON2.maxP}`)
    return { name: 'argon2id', t, m, p }
  }
  return invalid(code, `kdf.name must be "scrypt" or "argon2id", got ${describeValue(value.name)}`)
}

/** Strict base64url, or undefined: for values read from files, where the caller picks the code. */
function decodeSalt(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined
  try {
    return Uint8Array.from(base64urlDecode(value))
  } catch {
    return undefined
  }
}

/** Stored KDF (parameters + salt) read from a file; anything wrong is `code`. */
export function checkStoredKdf(value: unknown, code: CivitasErrorCode): StoredKdf {
  const params = checkKdfParams(value, code)
  const salt = isRecord(value) ? value.salt : undefined
  if (typeof salt !== 'string' || decodeSalt(salt)?.length !== SALT_LENGTH) {
    invalid(code, 'kdf.salt must be 16 bytes of base64url')
  }
  return { ...params, salt }
}

/** Fresh salt for `params`. */
export function newStoredKdf(params: KdfParams): StoredKdf {
  return { ...params, salt: base64urlEncode(randomBytes(SALT_LENGTH)) }
}

export function sameKdfParams(a: KdfParams, b: KdfParams): boolean {
  if (a.name === 'scrypt' && b.name === 'scrypt') return a.N === b.N && a.r === b.r && a.p === b.p
  if (a.name === 'argon2id' && b.name === 'argon2id') return a.t === b.t && a.m === b.m && a.p === b.p
  return false
}

/**
 * The passphrase as bytes: NFKC-normalised UTF-8 for strings, so the same passphrase typed
 * on two keyboards (composed or decomposed accents) opens the same wallet or key file.
 */
export function passphraseBytes(passphrase: unknown, name = 'passphrase'): Uint8Array {
  if (passphrase instanceof Uint8Array) {
    if (passphrase.length === 0) invalid('INVALID_ARGUMENT', `${name} must not be empty`)
    return Uint8Array.from(passphrase)
  }
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    invalid('INVALID_ARGUMENT', `${name} must be a non-empty string or Uint8Array`)
  }
  if (passphrase.length > 4096) invalid('INVALID_ARGUMENT', `${name} is longer than 4096 characters`)
  return new TextEncoder().encode(passphrase.normalize('NFKC'))
}

/**
 * Derives the 32-byte KEK. The caller zeroes both the passphrase bytes and the result.
 * `code` is what a salt that is not base64url is reported as (checkStoredKdf catches it first).
 */
export async function deriveKek(
  passphrase: Uint8Array,
  kdf: StoredKdf,
  code: CivitasErrorCode = 'WALLET_CORRUPTED',
): Promise<Uint8Array> {
  const salt = decodeSalt(kdf.salt)
  if (salt === undefined) throw new CivitasError(code, 'kdf.salt is not base64url')
  if (kdf.name === 'argon2id') {
    return argon2idAsync(passphrase, salt, { t: kdf.t, m: kdf.m, p: kdf.p, dkLen: KEY_LENGTH })
  }
  const { N, r, p } = kdf
  return new Promise((resolve, reject) => {
    nodeScrypt(passphrase, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) => {
      if (error) reject(new CivitasError('INVALID_ARGUMENT', 'scrypt failed', { cause: error }))
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength))
    })
  })
}

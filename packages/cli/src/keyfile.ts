import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { CivitasError, isSignatureAlgorithm, type Jwk, type SignatureAlgorithm } from '@civitas/core'
import { UsageError } from './usage-error.js'

/**
 * The CLI's key file (documented in the README): JSON, written 0600.
 *
 *   { "type": "civitas-key", "version": 1, "alg", "did", "kid"?, "address"?, "publicJwk",
 *     "privateJwk" }                                   — plain, or instead of privateJwk:
 *     "encrypted": { "kdf": "scrypt", "N", "r", "p", "salt", "cipher": "aes-256-gcm", "iv",
 *                    "ciphertext", "tag" }            — all binary members base64url
 *
 * The AES-GCM additional data is the file's public part (alg, did, publicJwk), so a file whose
 * DID or public key was edited does not decrypt.
 */
export interface KeyFileContent {
  alg: SignatureAlgorithm
  did: string
  kid?: string
  /** Ethereum address of a secp256k1 key (the did:ethr identity, the transaction sender). */
  address?: string
  publicJwk: Jwk
}

export interface UnlockedKey extends KeyFileContent {
  privateJwk: Jwk
}

interface EncryptedPart {
  kdf: 'scrypt'
  N: number
  r: number
  p: number
  salt: string
  cipher: 'aes-256-gcm'
  iv: string
  ciphertext: string
  tag: string
}

const SCRYPT = { N: 2 ** 17, r: 8, p: 1 }
const MAX_KEY_FILE_BYTES = 64 * 1024

function deriveKey(
  passphrase: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase,
      salt,
      32,
      { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })
}

function additionalData(content: KeyFileContent): Buffer {
  return Buffer.from(JSON.stringify([content.alg, content.did, content.publicJwk]))
}

/** Writes a key file, 0600, refusing to overwrite one unless `force`. Encrypted when `passphrase` is given. */
export async function writeKeyFile(
  path: string,
  key: UnlockedKey,
  options: { passphrase?: string; force?: boolean } = {},
): Promise<void> {
  if (existsSync(path) && !options.force) {
    throw new UsageError(
      `${path} already exists`,
      'choose another --out path or pass --force to overwrite it',
    )
  }
  const { privateJwk, ...content } = key
  let document: Record<string, unknown>
  if (options.passphrase !== undefined) {
    const salt = randomBytes(16)
    const iv = randomBytes(12)
    const aesKey = await deriveKey(options.passphrase, salt, SCRYPT)
    const cipher = createCipheriv('aes-256-gcm', aesKey, iv)
    cipher.setAAD(additionalData(content))
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(privateJwk), 'utf8'), cipher.final()])
    const encrypted: EncryptedPart = {
      kdf: 'scrypt',
      ...SCRYPT,
      salt: salt.toString('base64url'),
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64url'),
      ciphertext: ciphertext.toString('base64url'),
      tag: cipher.getAuthTag().toString('base64url'),
    }
    document = { type: 'civitas-key', version: 1, ...content, encrypted }
  } else {
    document = { type: 'civitas-key', version: 1, ...content, privateJwk }
  }
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`, {
    mode: 0o600,
    flag: options.force ? 'w' : 'wx',
  })
}

/** The public part of a key file (no passphrase needed). */
export function readKeyFilePublic(path: string): KeyFileContent & { encrypted: boolean } {
  const raw = readRaw(path)
  const bad = (what: string) =>
    new UsageError(`${path} is not a civitas key file: ${what}`, 'create one with `civitas did create`')
  if (raw.type !== 'civitas-key' || raw.version !== 1) throw bad('type/version')
  if (typeof raw.alg !== 'string' || !isSignatureAlgorithm(raw.alg)) throw bad('alg')
  if (typeof raw.did !== 'string' || !raw.did.startsWith('did:')) throw bad('did')
  if (typeof raw.publicJwk !== 'object' || raw.publicJwk === null) throw bad('publicJwk')
  const encrypted = raw.encrypted !== undefined
  if (!encrypted && (typeof raw.privateJwk !== 'object' || raw.privateJwk === null)) throw bad('privateJwk')
  return {
    alg: raw.alg,
    did: raw.did,
    publicJwk: raw.publicJwk as Jwk,
    encrypted,
    ...(typeof raw.kid === 'string' ? { kid: raw.kid } : {}),
    ...(typeof raw.address === 'string' ? { address: raw.address } : {}),
  }
}

/** Reads a key file, decrypting it with the passphrase `getPassphrase` gives when it is encrypted. */
export async function readKeyFile(path: string, getPassphrase: () => Promise<string>): Promise<UnlockedKey> {
  const { encrypted, ...content } = readKeyFilePublic(path)
  const raw = readRaw(path)
  if (!encrypted) return { ...content, privateJwk: raw.privateJwk as Jwk }
  const e = raw.encrypted as Partial<EncryptedPart>
  if (
    typeof e !== 'object' ||
    e === null ||
    e.kdf !== 'scrypt' ||
    e.cipher !== 'aes-256-gcm' ||
    ![e.N, e.r, e.p].every((n) => Number.isSafeInteger(n) && (n as number) > 0) ||
    (e.N as number) > 2 ** 20 ||
    (e.r as number) > 32 ||
    (e.p as number) > 16 ||
    ![e.salt, e.iv, e.ciphertext, e.tag].every((s) => typeof s === 'string')
  ) {
    throw new UsageError(
      `${path}: unsupported "encrypted" member`,
      'the CLI writes scrypt + aes-256-gcm key files',
    )
  }
  const passphrase = await getPassphrase()
  const aesKey = await deriveKey(passphrase, Buffer.from(e.salt as string, 'base64url'), {
    N: e.N as number,
    r: e.r as number,
    p: e.p as number,
  })
  try {
    const decipher = createDecipheriv('aes-256-gcm', aesKey, Buffer.from(e.iv as string, 'base64url'))
    decipher.setAAD(additionalData(content))
    decipher.setAuthTag(Buffer.from(e.tag as string, 'base64url'))
    const plain = Buffer.concat([
      decipher.update(Buffer.from(e.ciphertext as string, 'base64url')),
      decipher.final(),
    ])
    return { ...content, privateJwk: JSON.parse(plain.toString('utf8')) as Jwk }
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', `cannot decrypt ${path}: wrong passphrase or altered file`, {
      cause,
    })
  }
}

function readRaw(path: string): Record<string, unknown> {
  if (!existsSync(path))
    throw new UsageError(
      `key file ${path} does not exist`,
      'check the path, or create one with `civitas did create`',
    )
  if (statSync(path).size > MAX_KEY_FILE_BYTES) throw new UsageError(`${path} is too large to be a key file`)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw new UsageError(`${path} is not JSON`, 'pass a key file written by `civitas did create`')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UsageError(`${path} is not a key file`)
  return raw as Record<string, unknown>
}

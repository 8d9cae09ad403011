import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  algorithmForJwk,
  base64urlDecode,
  base64urlEncode,
  CivitasError,
  type CivitasErrorCode,
  describeValue,
  hasOwn,
  isRecord,
  isSignatureAlgorithm,
  type Jwk,
  localSigner,
  type SignatureAlgorithm,
  type Signer,
  toPublicJwk,
} from '@civitas/core'
import {
  checkKdfParams,
  checkStoredKdf,
  DEFAULT_KDF,
  deriveKek,
  type KdfParams,
  newStoredKdf,
  passphraseBytes,
  type StoredKdf,
} from '@civitas/store/kdf'
import { computeAddress } from 'ethers'
import { readSource } from './key-file-io.js'

/**
 * The encrypted key file of an issuer (and of the `civitas` CLI), version 1, JSON:
 *
 *   { "type": "civitas-key", "version": 1, "alg", "did"?, "kid"?, "address"?, "publicJwk",
 *     "privateJwk" }                                     — plain, or instead of privateJwk:
 *     "encrypted": { "kdf": "scrypt", "N", "r", "p"  |  "kdf": "argon2id", "t", "m", "p",
 *                    "salt", "cipher": "aes-256-gcm", "iv", "ciphertext", "tag", "check"? }
 *
 * Binary members are base64url. The KDF parameters live in the file, so a file written with
 * weaker ones still opens after the defaults rise (`rewrapKeyFile` moves it to new ones).
 * The AES-GCM additional data is the public part (alg, did, publicJwk): a file whose DID or
 * public key was edited does not decrypt. `check` (HMAC of a label under the derived key)
 * tells a wrong passphrase (`PASSPHRASE_INVALID`) from an altered ciphertext
 * (`KEY_FILE_TAMPERED`); files written before it existed report either as `KEY_FILE_TAMPERED`.
 */
export const KEY_FILE_TYPE = 'civitas-key'
export const KEY_FILE_VERSION = 1

/** The public part of a key file: readable without the passphrase. */
export interface KeyFileContent {
  alg: SignatureAlgorithm
  /** The DID this key belongs to, when the file names one. */
  did?: string
  /** The DID URL put in JWS headers. */
  kid?: string
  /** Ethereum address of a secp256k1 key (the did:ethr identity, the transaction sender). */
  address?: string
  publicJwk: Jwk
}

export interface UnlockedKey extends KeyFileContent {
  privateJwk: Jwk
}

/** A passphrase, or a function that asks for one (called only when the file is encrypted). */
export type PassphraseSource =
  | string
  | Uint8Array
  | (() => string | Uint8Array | Promise<string | Uint8Array>)

export interface CreateKeyFileOptions {
  /** The private JWK (EC P-256 / secp256k1 / P-384, or OKP Ed25519). */
  jwk: Jwk
  /** Encrypts the private key. Required unless `plaintext: true`. */
  passphrase?: string | Uint8Array
  /** Default scrypt N = 2^17, r = 8, p = 1 (`DEFAULT_KDF`); or `{ name: 'argon2id', t, m, p }`. */
  kdf?: KdfParams
  /** Write the private key unencrypted (throwaway keys of a local chain): must be asked for. */
  plaintext?: boolean
  did?: string
  kid?: string
  address?: string
}

const CHECK_LABEL = 'civitas-key-file/passphrase-check'
const IV_LENGTH = 12
const TAG_LENGTH = 16
const CHECK_LENGTH = 16
/** A private JWK is a few hundred bytes; anything near this is not one. */
const MAX_CIPHERTEXT = 8 * 1024

function fail(code: CivitasErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new CivitasError(code, message, details ? { details } : {})
}

function additionalData(content: KeyFileContent): Buffer {
  // The CLI's files always carry a DID, so [alg, did, publicJwk] is what they were sealed with.
  return Buffer.from(JSON.stringify([content.alg, content.did ?? null, content.publicJwk]))
}

function passphraseCheck(kek: Uint8Array): Buffer {
  return createHmac('sha256', kek).update(CHECK_LABEL).digest().subarray(0, CHECK_LENGTH)
}

function samePublicKey(a: Jwk, b: Jwk): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y
}

/** Public part of `jwk` plus the optional members, checked. */
function contentOf(options: CreateKeyFileOptions): KeyFileContent {
  if (!isRecord(options.jwk))
    fail('INVALID_ARGUMENT', `jwk must be a private JWK, got ${describeValue(options.jwk)}`)
  const jwk = options.jwk as Jwk
  const alg = algorithmForJwk(jwk)
  if (typeof jwk.d !== 'string') fail('KEY_NOT_PRIVATE', 'jwk has no private member "d"')
  const publicJwk = toPublicJwk(jwk)
  for (const name of ['did', 'kid', 'address'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 2048)) {
      fail('INVALID_ARGUMENT', `${name} must be a non-empty string, got ${describeValue(value)}`)
    }
  }
  if (options.did !== undefined && !options.did.startsWith('did:')) {
    fail('INVALID_ARGUMENT', `did must be a DID, got ${describeValue(options.did)}`)
  }
  const content: KeyFileContent = {
    alg,
    ...(options.did !== undefined ? { did: options.did } : {}),
    ...(options.kid !== undefined ? { kid: options.kid } : {}),
    ...(options.address !== undefined ? { address: options.address } : {}),
    publicJwk,
  }
  checkAddress(content, 'INVALID_ARGUMENT')
  return content
}

/** An address in the file must be the key's own: a swapped one would send from another account. */
function checkAddress(content: KeyFileContent, code: CivitasErrorCode): void {
  if (content.address === undefined) return
  if (content.publicJwk.crv !== 'secp256k1') fail(code, 'address is only meaningful for a secp256k1 key')
  const point = `0x04${Buffer.from(base64urlDecode(content.publicJwk.x as string)).toString('hex')}${Buffer.from(
    base64urlDecode(content.publicJwk.y as string),
  ).toString('hex')}`
  if (computeAddress(point).toLowerCase() !== content.address.toLowerCase()) {
    fail(code, 'address is not the address of publicJwk')
  }
}

/**
 * Serialises a key file (the bytes to store; `writeKeyFile` stores them atomically, 0600).
 * The passphrase bytes and the derived key are zeroed before this returns.
 */
export async function createKeyFile(options: CreateKeyFileOptions): Promise<Uint8Array> {
  if (!isRecord(options)) fail('INVALID_ARGUMENT', 'createKeyFile options must be an object')
  const content = contentOf(options)
  const privateJwk = { ...toPublicJwk(options.jwk), d: options.jwk.d as string } as Jwk
  let document: Record<string, unknown>
  if (options.passphrase === undefined) {
    if (options.plaintext !== true) {
      fail('INVALID_ARGUMENT', 'createKeyFile needs a passphrase (or plaintext: true for a throwaway key)')
    }
    document = { type: KEY_FILE_TYPE, version: KEY_FILE_VERSION, ...content, privateJwk }
  } else {
    const kdf = newStoredKdf(checkKdfParams(options.kdf ?? DEFAULT_KDF))
    const secret = passphraseBytes(options.passphrase)
    const kek = await deriveKek(secret, kdf).finally(() => secret.fill(0))
    const plain = Buffer.from(JSON.stringify(privateJwk), 'utf8')
    try {
      const iv = randomBytes(IV_LENGTH)
      const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_LENGTH })
      cipher.setAAD(additionalData(content))
      const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()])
      const { name, salt, ...params } = kdf
      document = {
        type: KEY_FILE_TYPE,
        version: KEY_FILE_VERSION,
        ...content,
        encrypted: {
          kdf: name,
          ...params,
          salt,
          cipher: 'aes-256-gcm',
          iv: base64urlEncode(iv),
          ciphertext: base64urlEncode(ciphertext),
          tag: base64urlEncode(cipher.getAuthTag()),
          check: base64urlEncode(passphraseCheck(kek)),
        },
      }
    } finally {
      plain.fill(0)
      kek.fill(0)
    }
  }
  return new TextEncoder().encode(`${JSON.stringify(document, null, 2)}\n`)
}

interface ParsedKeyFile {
  content: KeyFileContent
  privateJwk?: Jwk
  encrypted?: {
    kdf: StoredKdf
    iv: Uint8Array
    ciphertext: Uint8Array
    tag: Uint8Array
    check?: Uint8Array
  }
}

function binary(value: unknown, member: string): Uint8Array {
  if (typeof value !== 'string' || value.length > MAX_CIPHERTEXT * 2) {
    fail('KEY_FILE_INVALID', `encrypted.${member} must be base64url`, { member })
  }
  try {
    return base64urlDecode(value)
  } catch {
    return fail('KEY_FILE_INVALID', `encrypted.${member} is not base64url`, { member })
  }
}

function parseJwk(value: unknown, member: string, code: CivitasErrorCode): Jwk {
  if (!isRecord(value)) fail(code, `${member} must be a JWK object`)
  try {
    algorithmForJwk(value as Jwk)
  } catch (cause) {
    throw new CivitasError(code, `${member} is not a supported JWK`, { cause })
  }
  return value as Jwk
}

/** True when `text` opens a JSON object and ends before closing it (outside strings). */
function endsInsideObject(text: string): boolean {
  const start = text.trimStart()
  if (!start.startsWith('{')) return false
  let depth = 0
  let inString = false
  for (let i = 0; i < start.length; i++) {
    const c = start[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) return false
    }
  }
  return true
}

/** Parses the bytes of a key file; every way it can be wrong has its own code. */
export function parseKeyFile(bytes: Uint8Array): ParsedKeyFile {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return fail('KEY_FILE_INVALID', 'the key file is not UTF-8 text')
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    // A file cut short (a copy interrupted, a full disk) ends inside its JSON object.
    if (endsInsideObject(text))
      fail('KEY_FILE_TRUNCATED', 'the key file ends before its JSON does (truncated)')
    return fail('KEY_FILE_INVALID', 'the key file is not JSON')
  }
  if (!isRecord(raw) || raw.type !== KEY_FILE_TYPE) fail('KEY_FILE_INVALID', 'not a civitas key file (type)')
  if (
    typeof raw.version === 'number' &&
    Number.isSafeInteger(raw.version) &&
    raw.version > KEY_FILE_VERSION
  ) {
    fail(
      'KEY_FILE_VERSION_UNSUPPORTED',
      `the key file is version ${raw.version}; this release reads version ${KEY_FILE_VERSION} (upgrade @civitas/issuer)`,
      { version: raw.version, supported: KEY_FILE_VERSION },
    )
  }
  if (raw.version !== KEY_FILE_VERSION)
    fail('KEY_FILE_INVALID', `unknown key file version ${describeValue(raw.version)}`)
  if (!isSignatureAlgorithm(raw.alg)) fail('KEY_FILE_INVALID', `unsupported alg ${describeValue(raw.alg)}`)
  for (const name of ['did', 'kid', 'address'] as const) {
    if (hasOwn(raw, name) && (typeof raw[name] !== 'string' || (raw[name] as string).length > 2048)) {
      fail('KEY_FILE_INVALID', `${name} must be a string`)
    }
  }
  const publicJwk = toPublicJwk(parseJwk(raw.publicJwk, 'publicJwk', 'KEY_FILE_INVALID'))
  if (algorithmForJwk(publicJwk) !== raw.alg) fail('KEY_FILE_INVALID', 'alg does not match publicJwk')
  const content: KeyFileContent = {
    alg: raw.alg,
    ...(typeof raw.did === 'string' ? { did: raw.did } : {}),
    ...(typeof raw.kid === 'string' ? { kid: raw.kid } : {}),
    ...(typeof raw.address === 'string' ? { address: raw.address } : {}),
    publicJwk,
  }
  checkAddress(content, 'KEY_FILE_TAMPERED')
  if (hasOwn(raw, 'privateJwk')) {
    if (hasOwn(raw, 'encrypted'))
      fail('KEY_FILE_INVALID', 'a key file is either plain or encrypted, not both')
    return { content, privateJwk: parseJwk(raw.privateJwk, 'privateJwk', 'KEY_FILE_INVALID') }
  }
  const e = raw.encrypted
  if (!isRecord(e)) fail('KEY_FILE_INVALID', 'the key file has neither privateJwk nor encrypted')
  if (e.cipher !== 'aes-256-gcm') fail('KEY_FILE_INVALID', `unsupported cipher ${describeValue(e.cipher)}`)
  const { kdf: name, cipher: _c, iv: _i, ciphertext: _t, tag: _g, check: _k, ...params } = e
  const kdf = checkStoredKdf({ name, ...params }, 'KEY_FILE_INVALID')
  const iv = binary(e.iv, 'iv')
  const ciphertext = binary(e.ciphertext, 'ciphertext')
  const tag = binary(e.tag, 'tag')
  const check = e.check === undefined ? undefined : binary(e.check, 'check')
  if (iv.length !== IV_LENGTH) fail('KEY_FILE_INVALID', `encrypted.iv must be ${IV_LENGTH} bytes`)
  if (tag.length < TAG_LENGTH || (check !== undefined && check.length < CHECK_LENGTH)) {
    fail('KEY_FILE_TRUNCATED', 'the authentication tag of the key file is cut short')
  }
  if (tag.length !== TAG_LENGTH || (check !== undefined && check.length !== CHECK_LENGTH)) {
    fail('KEY_FILE_INVALID', 'encrypted.tag or encrypted.check has the wrong length')
  }
  if (ciphertext.length === 0 || ciphertext.length > MAX_CIPHERTEXT) {
    fail('KEY_FILE_INVALID', 'encrypted.ciphertext is empty or too long for a JWK')
  }
  return { content, encrypted: { kdf, iv, ciphertext, tag, ...(check ? { check } : {}) } }
}

/** The public part of a key file (no passphrase needed) and whether it is encrypted. */
export async function readKeyFilePublic(
  source: string | Uint8Array,
): Promise<KeyFileContent & { encrypted: boolean }> {
  const parsed = parseKeyFile(await readSource(source))
  return { ...parsed.content, encrypted: parsed.encrypted !== undefined }
}

async function askPassphrase(passphrase: PassphraseSource | undefined): Promise<Uint8Array> {
  if (passphrase === undefined)
    fail('PASSPHRASE_INVALID', 'the key file is encrypted: a passphrase is needed')
  const value = typeof passphrase === 'function' ? await passphrase() : passphrase
  return passphraseBytes(value)
}

/** The private key inside, checked against the public part (a swapped private key is tampering). */
function finish(content: KeyFileContent, privateJwk: Jwk): UnlockedKey {
  if (typeof privateJwk.d !== 'string' || !samePublicKey(toPublicJwk(privateJwk), content.publicJwk)) {
    fail('KEY_FILE_TAMPERED', 'the private key in the file does not match its publicJwk')
  }
  return { ...content, privateJwk }
}

/**
 * Opens a key file: its path or its bytes. Wrong passphrase → `PASSPHRASE_INVALID`; altered
 * → `KEY_FILE_TAMPERED`; cut short → `KEY_FILE_TRUNCATED`; a newer format →
 * `KEY_FILE_VERSION_UNSUPPORTED`; not a key file → `KEY_FILE_INVALID`.
 */
export async function openKeyFile(
  source: string | Uint8Array,
  options: { passphrase?: PassphraseSource } = {},
): Promise<UnlockedKey> {
  const parsed = parseKeyFile(await readSource(source))
  if (parsed.privateJwk) return finish(parsed.content, parsed.privateJwk)
  const e = parsed.encrypted!
  const secret = await askPassphrase(isRecord(options) ? options.passphrase : undefined)
  const kek = await deriveKek(secret, e.kdf, 'KEY_FILE_INVALID').finally(() => secret.fill(0))
  let plain: Buffer | undefined
  try {
    if (e.check !== undefined && !timingSafeEqual(passphraseCheck(kek), e.check)) {
      fail('PASSPHRASE_INVALID', 'wrong passphrase for the key file')
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', kek, e.iv, { authTagLength: TAG_LENGTH })
      decipher.setAAD(additionalData(parsed.content))
      decipher.setAuthTag(e.tag)
      plain = Buffer.concat([decipher.update(e.ciphertext), decipher.final()])
    } catch (cause) {
      throw new CivitasError(
        'KEY_FILE_TAMPERED',
        e.check !== undefined
          ? 'the key file was altered: its ciphertext or public part fails authentication'
          : 'cannot decrypt the key file: wrong passphrase or altered file',
        { cause },
      )
    }
    let privateJwk: unknown
    try {
      privateJwk = JSON.parse(plain.toString('utf8'))
    } catch {
      return fail('KEY_FILE_INVALID', 'the decrypted key is not a JWK')
    }
    return finish(parsed.content, parseJwk(privateJwk, 'the decrypted key', 'KEY_FILE_INVALID'))
  } finally {
    kek.fill(0)
    plain?.fill(0)
  }
}

/**
 * A core `Signer` from a key file. `kid` defaults to the file's. The private JWK is turned
 * into a KeyObject and dropped; the decrypted bytes and the derived key were zeroed.
 */
export async function openKeyFileSigner(
  source: string | Uint8Array,
  options: { passphrase?: PassphraseSource; kid?: string } = {},
): Promise<Signer> {
  const key = await openKeyFile(source, options)
  const kid = isRecord(options) && typeof options.kid === 'string' ? options.kid : key.kid
  return localSigner(key.privateJwk, kid !== undefined ? { kid } : {})
}

/**
 * Re-encrypts a key file under new KDF parameters and/or a new passphrase (the upgrade path
 * when the defaults rise). Returns the new bytes; store them with `writeKeyFile(..., { force: true })`.
 */
export async function rewrapKeyFile(
  source: string | Uint8Array,
  options: { passphrase: PassphraseSource; newPassphrase?: string | Uint8Array; kdf?: KdfParams },
): Promise<Uint8Array> {
  if (!isRecord(options)) fail('INVALID_ARGUMENT', 'rewrapKeyFile options must be an object')
  const key = await openKeyFile(source, { passphrase: options.passphrase })
  const passphrase =
    options.newPassphrase ??
    (typeof options.passphrase === 'function' ? await options.passphrase() : options.passphrase)
  const { privateJwk, alg: _alg, publicJwk: _pub, ...rest } = key
  return createKeyFile({ jwk: privateJwk, passphrase, ...(options.kdf ? { kdf: options.kdf } : {}), ...rest })
}

/** The KDF parameters a file is encrypted with (undefined for a plain file): to decide on `rewrapKeyFile`. */
export async function keyFileKdf(source: string | Uint8Array): Promise<KdfParams | undefined> {
  const parsed = parseKeyFile(await readSource(source))
  if (!parsed.encrypted) return undefined
  const { salt: _salt, ...params } = parsed.encrypted.kdf
  return params as KdfParams
}

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, isCivitasError, type Jwk, signJws, verifyJws } from '@civitas/core'
import {
  createKeyFile,
  type KdfParams,
  keyFileKdf,
  openKeyFile,
  openKeyFileSigner,
  readKeyFilePublic,
  rewrapKeyFile,
  writeKeyFile,
} from '@civitas/issuer/signers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Issue #9 "Keys": the encrypted key file an operator without a KMS keeps the issuer key in.
// Low KDF parameters keep the suite fast; the bounds and the defaults are checked separately.

const SCRYPT_FAST: KdfParams = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 }
const ARGON_FAST: KdfParams = { name: 'argon2id', t: 1, m: 8 * 1024, p: 1 }
const DID = 'did:ethr:0x1:0x1111111111111111111111111111111111111111'

let dir: string
let privateJwk: Jwk
let publicJwk: Jwk
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'civitas-keys-'))
  ;({ privateJwk, publicJwk } = await generateKeyPair('ES256'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    return isCivitasError(error) ? error.code : `not a CivitasError: ${String(error)}`
  }
}

/** The members of a key file these tests alter. */
interface KeyFileJson {
  version: number
  did?: string
  publicJwk: Jwk
  privateJwk?: Jwk
  encrypted: { ciphertext: string; tag: string; check?: string; N?: number; [member: string]: unknown }
}

function edit(bytes: Uint8Array, change: (file: KeyFileJson) => void): Uint8Array {
  const file = JSON.parse(new TextDecoder().decode(bytes)) as KeyFileJson
  change(file)
  return new TextEncoder().encode(JSON.stringify(file))
}

describe('encrypted key file (scrypt or Argon2id, AES-256-GCM)', () => {
  for (const kdf of [SCRYPT_FAST, ARGON_FAST]) {
    it(`${kdf.name}: the signer it opens signs JWS that verify with the public key, and the file holds no private member in clear`, async () => {
      const bytes = await createKeyFile({
        jwk: privateJwk,
        passphrase: 'correct horse',
        kdf,
        did: DID,
        kid: `${DID}#k1`,
      })
      const text = new TextDecoder().decode(bytes)
      expect(text).not.toContain(privateJwk.d as string)
      expect(JSON.parse(text)).toMatchObject({
        type: 'civitas-key',
        version: 1,
        encrypted: { kdf: kdf.name },
      })
      expect(await keyFileKdf(bytes)).toEqual(kdf)
      const signer = await openKeyFileSigner(bytes, { passphrase: 'correct horse' })
      expect(signer.kid).toBe(`${DID}#k1`)
      const jws = await signJws({ hello: 'world' }, signer)
      const verified = await verifyJws(jws, publicJwk)
      expect(verified.alg).toBe('ES256')
      expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({ hello: 'world' })
    })
  }

  it('a wrong passphrase is PASSPHRASE_INVALID', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'right', kdf: SCRYPT_FAST })
    expect(await codeOf(openKeyFile(bytes, { passphrase: 'wrong' }))).toBe('PASSPHRASE_INVALID')
    expect(await codeOf(openKeyFile(bytes, {}))).toBe('PASSPHRASE_INVALID')
  })

  it('an altered ciphertext, DID or public key is KEY_FILE_TAMPERED (the public part is authenticated)', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST, did: DID })
    const flipped = edit(bytes, (f) => {
      const c = Buffer.from(f.encrypted.ciphertext, 'base64url')
      c[3]! ^= 1
      f.encrypted.ciphertext = c.toString('base64url')
    })
    expect(await codeOf(openKeyFile(flipped, { passphrase: 'pw' }))).toBe('KEY_FILE_TAMPERED')
    const otherDid = edit(bytes, (f) => {
      f.did = 'did:ethr:0x1:0x2222222222222222222222222222222222222222'
    })
    expect(await codeOf(openKeyFile(otherDid, { passphrase: 'pw' }))).toBe('KEY_FILE_TAMPERED')
    const other = (await generateKeyPair('ES256')).publicJwk
    const otherKey = edit(bytes, (f) => {
      f.publicJwk = other
    })
    expect(await codeOf(openKeyFile(otherKey, { passphrase: 'pw' }))).toBe('KEY_FILE_TAMPERED')
  })

  it('a file cut short is KEY_FILE_TRUNCATED, at any length', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST })
    for (const length of [1, 40, Math.floor(bytes.length / 2), bytes.length - 3]) {
      expect(await codeOf(openKeyFile(bytes.subarray(0, length), { passphrase: 'pw' })), `${length}`).toBe(
        'KEY_FILE_TRUNCATED',
      )
    }
    const shortTag = edit(bytes, (f) => {
      f.encrypted.tag = f.encrypted.tag.slice(0, 8)
    })
    expect(await codeOf(openKeyFile(shortTag, { passphrase: 'pw' }))).toBe('KEY_FILE_TRUNCATED')
  })

  it('a newer format version is KEY_FILE_VERSION_UNSUPPORTED; other files are KEY_FILE_INVALID', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST })
    const v2 = edit(bytes, (f) => {
      f.version = 2
    })
    expect(await codeOf(openKeyFile(v2, { passphrase: 'pw' }))).toBe('KEY_FILE_VERSION_UNSUPPORTED')
    expect(await codeOf(readKeyFilePublic(v2))).toBe('KEY_FILE_VERSION_UNSUPPORTED')
    const notOurs = new TextEncoder().encode('{"type":"jwk-set","keys":[]}')
    expect(await codeOf(openKeyFile(notOurs, { passphrase: 'pw' }))).toBe('KEY_FILE_INVALID')
    expect(await codeOf(openKeyFile(new Uint8Array([0xff, 0xfe]), { passphrase: 'pw' }))).toBe(
      'KEY_FILE_INVALID',
    )
    expect(await codeOf(openKeyFile(new Uint8Array(100_000), { passphrase: 'pw' }))).toBe('INPUT_TOO_LARGE')
    expect(await codeOf(openKeyFile(join(dir, 'absent.json'), { passphrase: 'pw' }))).toBe('NOT_FOUND')
  })

  it('a hostile file cannot ask for an unbounded KDF (KEY_FILE_INVALID before any work)', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST })
    const huge = edit(bytes, (f) => {
      f.encrypted.N = 2 ** 30
    })
    expect(await codeOf(openKeyFile(huge, { passphrase: 'pw' }))).toBe('KEY_FILE_INVALID')
    const argon = edit(bytes, (f) => {
      f.encrypted = { ...f.encrypted, kdf: 'argon2id', t: 1, m: 64 * 1024 * 1024, p: 1 }
    })
    expect(await codeOf(openKeyFile(argon, { passphrase: 'pw' }))).toBe('KEY_FILE_INVALID')
  })

  it('a private key swapped for another inside a plain file is KEY_FILE_TAMPERED', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, plaintext: true })
    const other = (await generateKeyPair('ES256')).privateJwk
    const swapped = edit(bytes, (f) => {
      f.privateJwk = other
    })
    expect(await codeOf(openKeyFile(swapped))).toBe('KEY_FILE_TAMPERED')
  })

  it('writes nothing unencrypted unless asked: no passphrase and no plaintext flag is INVALID_ARGUMENT', async () => {
    expect(await codeOf(createKeyFile({ jwk: privateJwk }))).toBe('INVALID_ARGUMENT')
    expect(await codeOf(createKeyFile({ jwk: publicJwk, passphrase: 'pw' }))).toBe('KEY_NOT_PRIVATE')
    expect(
      await codeOf(
        createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: { name: 'scrypt', N: 3, r: 8, p: 1 } }),
      ),
    ).toBe('INVALID_ARGUMENT')
  })

  it('the CLI format written before the passphrase check existed still opens (wrong passphrase: KEY_FILE_TAMPERED)', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST, did: DID })
    const legacy = edit(bytes, (f) => {
      delete f.encrypted.check
    })
    await expect(openKeyFile(legacy, { passphrase: 'pw' })).resolves.toMatchObject({ did: DID, privateJwk })
    expect(await codeOf(openKeyFile(legacy, { passphrase: 'nope' }))).toBe('KEY_FILE_TAMPERED')
  })

  it('rewrapKeyFile moves a file to stronger parameters and a new passphrase; the key is the same', async () => {
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'old', kdf: SCRYPT_FAST, did: DID })
    const upgraded = await rewrapKeyFile(bytes, { passphrase: 'old', newPassphrase: 'new', kdf: ARGON_FAST })
    expect(await keyFileKdf(upgraded)).toEqual(ARGON_FAST)
    expect(await codeOf(openKeyFile(upgraded, { passphrase: 'old' }))).toBe('PASSPHRASE_INVALID')
    await expect(openKeyFile(upgraded, { passphrase: 'new' })).resolves.toMatchObject({ did: DID, publicJwk })
  })

  it('the passphrase may be asked for lazily, and a plain file never asks', async () => {
    let asked = 0
    const ask = async () => {
      asked++
      return 'pw'
    }
    const plain = await createKeyFile({ jwk: privateJwk, plaintext: true })
    await openKeyFile(plain, { passphrase: ask })
    expect(asked).toBe(0)
    const sealed = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST })
    await openKeyFile(sealed, { passphrase: ask })
    expect(asked).toBe(1)
  })
})

describe('writeKeyFile: atomic, 0600, never replaces a file unless forced', () => {
  it('the file is mode 0600 and holds exactly the bytes', async () => {
    const path = join(dir, 'issuer.key.json')
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST })
    await writeKeyFile(path, bytes)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes)
    await expect(openKeyFileSigner(path, { passphrase: 'pw' })).resolves.toMatchObject({ alg: 'ES256' })
  })

  it('an existing file is ALREADY_EXISTS and left untouched; force replaces it whole', async () => {
    const path = join(dir, 'existing.key.json')
    writeFileSync(path, 'precious')
    const bytes = await createKeyFile({ jwk: privateJwk, passphrase: 'pw', kdf: SCRYPT_FAST })
    expect(await codeOf(writeKeyFile(path, bytes))).toBe('ALREADY_EXISTS')
    expect(readFileSync(path, 'utf8')).toBe('precious')
    await writeKeyFile(path, bytes, { force: true })
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes)
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })
})

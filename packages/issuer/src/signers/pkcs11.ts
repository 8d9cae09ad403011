import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import {
  base64urlEncode,
  CivitasError,
  type CivitasErrorCode,
  checkSignerOutput,
  describeValue,
  isRecord,
  type Jwk,
  type SignatureAlgorithm,
  type Signer,
} from '@civitas/core'

type Pkcs11Module = typeof import('pkcs11js')
type Pkcs11 = InstanceType<Pkcs11Module['PKCS11']>
type Handle = Buffer

/**
 * A core `Signer` whose key never leaves a PKCS#11 token (an HSM, a smart card, SoftHSM2).
 * ECDSA only: the token signs the SHA-256 / SHA-384 digest with `CKM_ECDSA` and returns
 * r||s, which `checkSignerOutput` range-checks and brings to low S.
 */
export interface Pkcs11SignerOptions {
  /** Path of the vendor's PKCS#11 library (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so). */
  module: string
  /** The slot: its index in the list of slots with a token. Give this or `tokenLabel`. */
  slot?: number
  /** The token's label (as set by `softhsm2-util --init-token --label`). */
  tokenLabel?: string
  /** The user PIN. */
  pin: string
  /** The key's CKA_LABEL. Give this or `keyId`. */
  keyLabel?: string
  /** The key's CKA_ID, as hex or bytes. */
  keyId?: string | Uint8Array
  alg: 'ES256' | 'ES256K' | 'ES384'
  /** Key id for JWS headers (a DID URL). */
  kid?: string
}

export interface Pkcs11Signer extends Signer {
  /** Logs out and closes the session; the library is finalised when its last signer closes. */
  close(): Promise<void>
}

const CURVE_OIDS: Record<
  Pkcs11SignerOptions['alg'],
  { oid: string; crv: string; size: number; hash: string }
> = {
  // DER of the namedCurve OIDs in CKA_EC_PARAMS.
  ES256: { oid: '06082a8648ce3d030107', crv: 'P-256', size: 32, hash: 'sha256' },
  ES256K: { oid: '06052b8104000a', crv: 'secp256k1', size: 32, hash: 'sha256' },
  ES384: { oid: '06052b81040022', crv: 'P-384', size: 48, hash: 'sha384' },
}

const MAX_PIN_LENGTH = 256
const MAX_OBJECTS = 16

let loaded: Pkcs11Module | undefined
function pkcs11js(): Pkcs11Module {
  if (loaded) return loaded
  try {
    // A native addon, loaded on first use so that @civitas/issuer works where it is not built.
    loaded = createRequire(import.meta.url)('pkcs11js') as Pkcs11Module
    return loaded
  } catch (cause) {
    throw new CivitasError(
      'PKCS11_UNAVAILABLE',
      'the pkcs11js native module cannot be loaded (rebuild it: pnpm --filter @civitas/issuer rebuild pkcs11js)',
      { cause },
    )
  }
}

/** One initialised library per path and process (C_Initialize may run once), shared by its signers. */
const libraries = new Map<string, { lib: Pkcs11; users: number }>()

function openLibrary(path: string): Pkcs11 {
  const existing = libraries.get(path)
  if (existing) {
    existing.users++
    return existing.lib
  }
  const p = pkcs11js()
  const lib = new p.PKCS11()
  try {
    lib.load(path)
  } catch (cause) {
    throw new CivitasError('PKCS11_UNAVAILABLE', `cannot load the PKCS#11 library ${describeValue(path)}`, {
      cause,
      details: { module: path },
    })
  }
  try {
    lib.C_Initialize({ flags: p.CKF_OS_LOCKING_OK })
  } catch (error) {
    if (!(error instanceof p.Pkcs11Error && error.code === p.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      lib.close()
      throw asPkcs11Error(error, 'C_Initialize failed')
    }
  }
  libraries.set(path, { lib, users: 1 })
  return lib
}

function releaseLibrary(path: string): void {
  const entry = libraries.get(path)
  if (!entry) return
  entry.users--
  if (entry.users > 0) return
  libraries.delete(path)
  try {
    entry.lib.C_Finalize()
  } finally {
    entry.lib.close()
  }
}

/**
 * The login is the application's, per token: once one signer logged in, C_Login answers
 * CKR_USER_ALREADY_LOGGED_IN whatever PIN the next one gives. So that a wrong PIN never
 * rides on another signer's login, the PIN that logged in is kept as a salted hash per token
 * (while it has open sessions) and every later PIN is compared with it.
 */
const logins = new Map<string, { salt: Buffer; digest: Buffer; sessions: number }>()

function pinDigest(pin: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(pin, 'utf8').digest()
}

function login(lib: Pkcs11, p: Pkcs11Module, session: Handle, tokenKey: string, pin: string): void {
  const known = logins.get(tokenKey)
  try {
    lib.C_Login(session, p.CKU_USER, pin)
  } catch (error) {
    if (!(error instanceof p.Pkcs11Error && error.code === p.CKR_USER_ALREADY_LOGGED_IN)) throw error
    if (!known || !timingSafeEqual(pinDigest(pin, known.salt), known.digest)) {
      throw new CivitasError('PASSPHRASE_INVALID', 'the PIN is not the one the token is logged in with')
    }
  }
  if (known) known.sessions++
  else {
    const salt = randomBytes(16)
    logins.set(tokenKey, { salt, digest: pinDigest(pin, salt), sessions: 1 })
  }
}

function sessionClosed(tokenKey: string): void {
  const known = logins.get(tokenKey)
  if (known && --known.sessions <= 0) logins.delete(tokenKey)
}

/** A PKCS#11 failure as a CivitasError; the CKR_ name goes into details (never the PIN). */
function asPkcs11Error(error: unknown, message: string): CivitasError {
  if (error instanceof CivitasError) return error
  const p = loaded
  const ckr = p && error instanceof p.Pkcs11Error ? /CKR_[A-Z_]+/.exec(error.message)?.[0] : undefined
  let code: CivitasErrorCode = 'PKCS11_FAILED'
  if (p && error instanceof p.Pkcs11Error) {
    if (error.code === p.CKR_PIN_INCORRECT || error.code === p.CKR_PIN_LEN_RANGE) code = 'PASSPHRASE_INVALID'
  }
  return new CivitasError(code, ckr ? `${message}: ${ckr}` : message, {
    cause: error,
    ...(ckr ? { details: { ckr } } : {}),
  })
}

function checkOptions(options: unknown): Pkcs11SignerOptions & { keyIdBytes?: Buffer } {
  const bad = (message: string): never => {
    throw new CivitasError('INVALID_ARGUMENT', message)
  }
  if (!isRecord(options)) return bad('pkcs11Signer options must be an object')
  const o = options as unknown as Pkcs11SignerOptions
  if (typeof o.module !== 'string' || o.module.length === 0)
    bad('module must be the path of a PKCS#11 library')
  if (typeof o.alg !== 'string' || !Object.hasOwn(CURVE_OIDS, o.alg)) {
    throw new CivitasError(
      'UNSUPPORTED_ALG',
      `alg must be ES256, ES256K or ES384, got ${describeValue(o.alg)}`,
    )
  }
  if ((o.slot === undefined) === (o.tokenLabel === undefined)) bad('give exactly one of slot and tokenLabel')
  if (o.slot !== undefined && (!Number.isSafeInteger(o.slot) || o.slot < 0)) bad('slot must be an index')
  if (o.tokenLabel !== undefined && (typeof o.tokenLabel !== 'string' || o.tokenLabel.length > 32))
    bad('tokenLabel must be a string of at most 32 characters')
  if (typeof o.pin !== 'string' || o.pin.length === 0 || o.pin.length > MAX_PIN_LENGTH)
    bad('pin must be a string')
  if ((o.keyLabel === undefined) === (o.keyId === undefined)) bad('give exactly one of keyLabel and keyId')
  if (o.keyLabel !== undefined && (typeof o.keyLabel !== 'string' || o.keyLabel.length > 256))
    bad('keyLabel must be a string')
  let keyIdBytes: Buffer | undefined
  if (o.keyId !== undefined) {
    if (o.keyId instanceof Uint8Array) keyIdBytes = Buffer.from(o.keyId)
    else if (typeof o.keyId === 'string' && /^(?:[0-9a-f]{2}){1,128}$/i.test(o.keyId))
      keyIdBytes = Buffer.from(o.keyId, 'hex')
    else bad('keyId must be hex or bytes')
  }
  if (o.kid !== undefined && typeof o.kid !== 'string') bad('kid must be a string')
  return { ...o, ...(keyIdBytes ? { keyIdBytes } : {}) }
}

function findSlot(lib: Pkcs11, options: Pkcs11SignerOptions): Handle {
  const slots = lib.C_GetSlotList(true)
  if (options.slot !== undefined) {
    const slot = slots[options.slot]
    if (!slot)
      throw new CivitasError('NOT_FOUND', `no token in slot ${options.slot} (${slots.length} with a token)`)
    return slot
  }
  for (const slot of slots) {
    if (lib.C_GetTokenInfo(slot).label.trimEnd() === options.tokenLabel) return slot
  }
  throw new CivitasError('NOT_FOUND', `no PKCS#11 token labelled ${describeValue(options.tokenLabel)}`)
}

function findObjects(lib: Pkcs11, session: Handle, template: { type: number; value: unknown }[]): Handle[] {
  lib.C_FindObjectsInit(session, template as Parameters<Pkcs11['C_FindObjectsInit']>[1])
  try {
    return lib.C_FindObjects(session, MAX_OBJECTS)
  } finally {
    lib.C_FindObjectsFinal(session)
  }
}

/** A CK_ULONG attribute (native endianness and width: 8 bytes on 64-bit Linux). */
function ulong(value: Buffer): number {
  if (value.length === 8) return Number(value.readBigUInt64LE())
  if (value.length >= 1 && value.length <= 6) return value.readUIntLE(0, value.length)
  return -1
}

/** The EC point (uncompressed) from CKA_EC_POINT: DER OCTET STRING, or raw on some tokens. */
function publicJwkOf(point: Buffer, curve: (typeof CURVE_OIDS)[keyof typeof CURVE_OIDS]): Jwk | undefined {
  const length = 1 + 2 * curve.size
  let raw = point
  if (point.length === length + 2 && point[0] === 0x04 && point[1] === length) raw = point.subarray(2)
  if (raw.length !== length || raw[0] !== 0x04) return undefined
  return {
    kty: 'EC',
    crv: curve.crv,
    x: base64urlEncode(raw.subarray(1, 1 + curve.size)),
    y: base64urlEncode(raw.subarray(1 + curve.size)),
  }
}

/**
 * Opens a session on the token, logs in and finds the key. Wrong PIN → `PASSPHRASE_INVALID`;
 * no such token or key → `NOT_FOUND` / `KEY_NOT_FOUND`; a key on another curve than `alg`
 * → `ALG_KEY_MISMATCH`; library or module missing → `PKCS11_UNAVAILABLE`; any other token
 * failure → `PKCS11_FAILED` with the CKR_ name in `details.ckr`.
 */
export async function pkcs11Signer(options: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
  const o = checkOptions(options)
  const path = resolve(o.module)
  const lib = openLibrary(path)
  const p = loaded!
  let session: Handle | undefined
  let tokenKey = ''
  let loggedIn = false
  try {
    const slot = findSlot(lib, o)
    session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION)
    tokenKey = `${path}\u0000${slot.toString('hex')}`
    login(lib, p, session, tokenKey, o.pin)
    loggedIn = true
    const which = o.keyIdBytes
      ? { type: p.CKA_ID, value: o.keyIdBytes }
      : { type: p.CKA_LABEL, value: o.keyLabel as string }
    const keys = findObjects(lib, session, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }, which])
    if (keys.length !== 1) {
      throw new CivitasError(
        'KEY_NOT_FOUND',
        keys.length === 0
          ? 'no private key on the token matches keyLabel/keyId'
          : 'several private keys match keyLabel/keyId',
        { details: { matches: keys.length } },
      )
    }
    const key = keys[0]!
    const curve = CURVE_OIDS[o.alg]
    const [type, params] = lib.C_GetAttributeValue(session, key, [
      { type: p.CKA_KEY_TYPE },
      { type: p.CKA_EC_PARAMS },
    ])
    if (!Buffer.isBuffer(type?.value) || ulong(type.value) !== p.CKK_EC) {
      throw new CivitasError('ALG_KEY_MISMATCH', `the token key is not an EC key; ${o.alg} needs one`)
    }
    if (!Buffer.isBuffer(params?.value) || params.value.toString('hex') !== curve.oid) {
      throw new CivitasError(
        'ALG_KEY_MISMATCH',
        `the token key is not on ${curve.crv}, the curve of ${o.alg}`,
      )
    }
    // The public half, when the token holds it, so toEthersSigner can derive the address.
    let publicJwk: Jwk | undefined
    const publics = findObjects(lib, session, [{ type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY }, which])
    if (publics.length === 1) {
      const [point] = lib.C_GetAttributeValue(session, publics[0]!, [{ type: p.CKA_EC_POINT }])
      if (Buffer.isBuffer(point?.value)) publicJwk = publicJwkOf(point.value, curve)
    }
    return makeSigner(lib, p, { path, tokenKey }, session, key, o, publicJwk)
  } catch (error) {
    if (session) {
      try {
        lib.C_CloseSession(session)
      } catch {
        // The session is gone with the error that brought us here.
      }
      if (loggedIn) sessionClosed(tokenKey)
    }
    releaseLibrary(path)
    throw asPkcs11Error(error, 'the PKCS#11 token refused')
  }
}

function makeSigner(
  lib: Pkcs11,
  p: Pkcs11Module,
  where: { path: string; tokenKey: string },
  session: Handle,
  key: Handle,
  o: Pkcs11SignerOptions,
  publicJwk: Jwk | undefined,
): Pkcs11Signer {
  const curve = CURVE_OIDS[o.alg]
  const alg: SignatureAlgorithm = o.alg
  // A session runs one operation at a time (C_SignInit … C_Sign): signatures queue here.
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false
  const signDigest = (digest: Uint8Array): Promise<Uint8Array> => {
    if (!(digest instanceof Uint8Array) || digest.length !== curve.size) {
      return Promise.reject(
        new CivitasError(
          'INVALID_ARGUMENT',
          `digest must be ${curve.size} bytes, got ${describeValue(digest)}`,
        ),
      )
    }
    const run = queue.then(
      () =>
        new Promise<Uint8Array>((done, reject) => {
          if (closed) return reject(new CivitasError('SIGNER_FAILED', 'the PKCS#11 signer is closed'))
          try {
            lib.C_SignInit(session, { mechanism: p.CKM_ECDSA }, key)
            lib.C_Sign(
              session,
              Buffer.from(digest),
              Buffer.alloc(2 * curve.size + 16),
              (error, signature) => {
                if (error) reject(asPkcs11Error(error, 'C_Sign failed'))
                else done(checkSignerOutput(alg, new Uint8Array(signature)))
              },
            )
          } catch (error) {
            reject(asPkcs11Error(error, 'C_SignInit failed'))
          }
        }),
    )
    queue = run.catch(() => undefined)
    return run
  }
  return Object.freeze({
    alg,
    ...(o.kid !== undefined ? { kid: o.kid } : {}),
    ...(publicJwk ? { publicJwk: Object.freeze(publicJwk) } : {}),
    sign(data: Uint8Array): Promise<Uint8Array> {
      if (!(data instanceof Uint8Array)) {
        return Promise.reject(
          new CivitasError('INVALID_ARGUMENT', `data must be bytes, got ${describeValue(data)}`),
        )
      }
      return signDigest(createHash(curve.hash).update(data).digest())
    },
    signDigest,
    async close(): Promise<void> {
      if (closed) return
      closed = true
      await queue
      // No C_Logout: the login is the application's, shared with other signers on the token;
      // closing the last session logs out.
      try {
        lib.C_CloseSession(session)
      } finally {
        sessionClosed(where.tokenKey)
        releaseLibrary(where.path)
      }
    },
  })
}

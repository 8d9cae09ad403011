import { ed25519 } from '@noble/curves/ed25519.js'
import { p256, p384, p521 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { base58 } from '@scure/base'
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { CivitasError, type CivitasErrorCode } from '../errors/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { publicKeyObject } from '../keys/jwk.js'

/**
 * Public-key multicodecs (https://github.com/multiformats/multicodec) and the conversions
 * between their raw key bytes and public JWKs. did:key, Multikey / publicKeyMultibase and
 * publicKeyBase58 / publicKeyHex verification methods all go through this one table, so a
 * key is validated the same way whatever document it came from.
 */

/** A public JWK (kty + curve members, no private members). */
export type PublicJwk = Jwk

/** The multicodec names of the raw public keys we decode. */
export type KeyCodecName =
  | 'ed25519-pub'
  | 'x25519-pub'
  | 'secp256k1-pub'
  | 'p256-pub'
  | 'p384-pub'
  | 'p521-pub'

/** EBSI's codec: the key is a UTF-8 JCS-canonical JWK (https://hub.ebsi.eu/vc-framework/did/natural-person). */
export const JWK_JCS_PUB_CODE = 0xeb51

interface KeyCodec {
  name: KeyCodecName
  code: number
  kty: 'OKP' | 'EC'
  crv: string
  /** The length of the raw key as did:key carries it (compressed points for EC keys). */
  length: number
}

const KEY_CODECS: readonly KeyCodec[] = [
  { name: 'ed25519-pub', code: 0xed, kty: 'OKP', crv: 'Ed25519', length: 32 },
  { name: 'x25519-pub', code: 0xec, kty: 'OKP', crv: 'X25519', length: 32 },
  { name: 'secp256k1-pub', code: 0xe7, kty: 'EC', crv: 'secp256k1', length: 33 },
  { name: 'p256-pub', code: 0x1200, kty: 'EC', crv: 'P-256', length: 33 },
  { name: 'p384-pub', code: 0x1201, kty: 'EC', crv: 'P-384', length: 49 },
  { name: 'p521-pub', code: 0x1202, kty: 'EC', crv: 'P-521', length: 67 },
]

const WEIERSTRASS = { secp256k1, 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const
type WeierstrassCrv = keyof typeof WEIERSTRASS
// `in` would also accept inherited names ("constructor", "toString") that come from untrusted JWKs.
const isWeierstrassCrv = (crv: unknown): crv is WeierstrassCrv =>
  typeof crv === 'string' && Object.hasOwn(WEIERSTRASS, crv)
const COORDINATE_BYTES: Record<WeierstrassCrv, number> = {
  secp256k1: 32,
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
}

/**
 * A key-decoding failure. `resolutionError` is the DID Resolution / did:key spec error name
 * (`invalidDid`, `invalidPublicKey`, `invalidPublicKeyLength`, `unsupportedPublicKeyType`)
 * so that a resolver can report it in `didResolutionMetadata.error` unchanged.
 */
export function keyError(
  code: CivitasErrorCode,
  resolutionError: string,
  message: string,
  cause?: unknown,
): CivitasError {
  return new CivitasError(code, message, { cause, details: { resolutionError } })
}

// ── unsigned varint (multiformats/unsigned-varint) ─────────────────────────────

/** Encodes a non-negative integer as an unsigned LEB128 varint. */
export function encodeVarint(value: number): Uint8Array {
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/**
 * Decodes the varint at the start of `bytes`. The multiformats spec requires the minimal
 * encoding (no trailing 0x80 groups) and caps it at 9 bytes; anything else is rejected so
 * that one key has exactly one did:key.
 */
export function decodeVarint(bytes: Uint8Array): { value: number; length: number } {
  let value = 0
  for (let i = 0; i < bytes.length && i < 9; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) break // non-minimal
      return { value, length: i + 1 }
    }
  }
  throw keyError('DID_INVALID', 'invalidDid', 'multicodec prefix is not a minimal unsigned varint')
}

// ── multibase base58btc ────────────────────────────────────────────────────────

/** Decodes a multibase base58btc string (`z...`) to bytes. */
export function decodeMultibaseBase58btc(value: string, what = 'multibase value'): Uint8Array {
  if (typeof value !== 'string' || value.length < 2) {
    throw keyError('DID_INVALID', 'invalidDid', `${what} must be a non-empty multibase string`)
  }
  if (value[0] !== 'z') {
    throw keyError('DID_INVALID', 'invalidDid', `${what} must be multibase base58btc (prefix "z")`)
  }
  try {
    return base58.decode(value.slice(1))
  } catch (cause) {
    throw keyError('DID_INVALID', 'invalidDid', `${what} is not valid base58btc`, cause)
  }
}

/** Encodes bytes as a multibase base58btc string (`z...`). */
export function encodeMultibaseBase58btc(bytes: Uint8Array): string {
  return `z${base58.encode(bytes)}`
}

// ── raw key bytes <-> JWK ──────────────────────────────────────────────────────

function codecByCode(code: number): KeyCodec | undefined {
  return KEY_CODECS.find((c) => c.code === code)
}

function codecByJwk(jwk: PublicJwk): KeyCodec | undefined {
  return KEY_CODECS.find((c) => c.kty === jwk.kty && c.crv === jwk.crv)
}

function fixed(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0')
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/**
 * Converts raw public key bytes of curve `crv` (compressed or uncompressed SEC1 points for
 * EC keys, 32 bytes for Ed25519/X25519) into a public JWK, checking the point is on the curve.
 */
export function rawPublicKeyToJwk(crv: string, bytes: Uint8Array): PublicJwk {
  if (crv === 'Ed25519' || crv === 'X25519') {
    if (bytes.length !== 32) {
      throw keyError(
        'KEY_INVALID',
        'invalidPublicKeyLength',
        `${crv} public key must be 32 bytes, got ${bytes.length}`,
      )
    }
    if (crv === 'Ed25519') {
      let point: ReturnType<typeof ed25519.Point.fromBytes>
      try {
        point = ed25519.Point.fromBytes(bytes)
      } catch (cause) {
        throw keyError(
          'KEY_INVALID',
          'invalidPublicKey',
          'Ed25519 public key is not a point on the curve',
          cause,
        )
      }
      // A small-order key (e.g. the identity) accepts forged signatures on any message.
      if (point.isSmallOrder()) {
        throw keyError('KEY_INVALID', 'invalidPublicKey', 'Ed25519 public key has small order')
      }
    }
    return { kty: 'OKP', crv, x: base64urlEncode(bytes) }
  }
  if (!isWeierstrassCrv(crv)) {
    throw keyError('UNSUPPORTED_CURVE', 'unsupportedPublicKeyType', `unsupported curve ${String(crv)}`)
  }
  const size = COORDINATE_BYTES[crv]
  if (bytes.length !== size + 1 && bytes.length !== 2 * size + 1) {
    throw keyError(
      'KEY_INVALID',
      'invalidPublicKeyLength',
      `${crv} public key must be ${size + 1} (compressed) or ${2 * size + 1} (uncompressed) bytes, got ${bytes.length}`,
    )
  }
  let affine: { x: bigint; y: bigint }
  try {
    affine = WEIERSTRASS[crv].Point.fromBytes(bytes).toAffine()
  } catch (cause) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `${crv} public key is not a point on the curve`, cause)
  }
  return {
    kty: 'EC',
    crv,
    x: base64urlEncode(fixed(affine.x, size)),
    y: base64urlEncode(fixed(affine.y, size)),
  }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

function decodeCoordinate(value: unknown, member: string, length: number): Uint8Array {
  if (typeof value !== 'string') {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `JWK member "${member}" must be a base64url string`)
  }
  let bytes: Uint8Array
  try {
    bytes = base64urlDecode(value, `JWK member "${member}"`)
  } catch (cause) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `JWK member "${member}" is not base64url`, cause)
  }
  if (bytes.length !== length) {
    throw keyError(
      'KEY_INVALID',
      'invalidPublicKeyLength',
      `JWK member "${member}" must be ${length} bytes, got ${bytes.length}`,
    )
  }
  return bytes
}

/**
 * Checks that `value` is a public JWK we can use (EC secp256k1 / P-256 / P-384 / P-521 on the
 * curve, OKP Ed25519 / X25519, or RSA) and carries no private or symmetric key material.
 * Returns the JWK reduced to its required public members (RFC 7638 §3.2).
 */
export function assertPublicJwk(value: unknown): PublicJwk {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', 'JWK must be a JSON object')
  }
  const jwk = value as Record<string, unknown>
  for (const member of PRIVATE_MEMBERS) {
    if (member in jwk) {
      throw keyError(
        'KEY_INVALID',
        'invalidPublicKey',
        `JWK carries private or symmetric key material ("${member}"); only public keys belong in a DID`,
      )
    }
  }
  if (jwk.kty === 'RSA') {
    const n = decodeRsaMember(jwk.n, 'n')
    const e = decodeRsaMember(jwk.e, 'e')
    // RFC 7518 §6.3.1.1 / §3.3: a 2048-bit minimum for RSA keys used with JWS.
    if (n.length < 256)
      throw keyError('KEY_INVALID', 'invalidPublicKeyLength', 'RSA modulus must be >= 2048 bits')
    if (e.length === 0) throw keyError('KEY_INVALID', 'invalidPublicKey', 'RSA exponent must not be empty')
    return { kty: 'RSA', n: jwk.n as string, e: jwk.e as string }
  }
  if (jwk.kty === 'OKP') {
    if (jwk.crv !== 'Ed25519' && jwk.crv !== 'X25519') {
      throw keyError(
        'UNSUPPORTED_CURVE',
        'unsupportedPublicKeyType',
        `unsupported OKP curve ${String(jwk.crv)}`,
      )
    }
    decodeCoordinate(jwk.x, 'x', 32)
    if (jwk.crv === 'X25519') return { kty: 'OKP', crv: 'X25519', x: jwk.x as string }
    const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string }
    checkSigningKey(publicJwk)
    return publicJwk
  }
  if (jwk.kty === 'EC') {
    if (!isWeierstrassCrv(jwk.crv)) {
      throw keyError(
        'UNSUPPORTED_CURVE',
        'unsupportedPublicKeyType',
        `unsupported EC curve ${String(jwk.crv)}`,
      )
    }
    const size = COORDINATE_BYTES[jwk.crv]
    const x = decodeCoordinate(jwk.x, 'x', size)
    const y = decodeCoordinate(jwk.y, 'y', size)
    const publicJwk: PublicJwk = { kty: 'EC', crv: jwk.crv, x: jwk.x as string, y: jwk.y as string }
    if (jwk.crv !== 'P-521') {
      checkSigningKey(publicJwk)
      return publicJwk
    }
    const point = new Uint8Array(1 + 2 * size)
    point[0] = 0x04
    point.set(x, 1)
    point.set(y, 1 + size)
    rawPublicKeyToJwk(jwk.crv, point)
    return publicJwk
  }
  throw keyError(
    'UNSUPPORTED_CURVE',
    'unsupportedPublicKeyType',
    `unsupported JWK key type ${String(jwk.kty)}`,
  )
}

/**
 * Point checks for the curves Civitas verifies with go through keys/jwk.ts, the one place
 * that validates a signing key (on the curve, Ed25519 not of small order) and caches the
 * platform key it becomes: a JWK read from a DID document on every verification is then
 * validated once, not re-decoded in pure JS on every call (~160 µs for an Ed25519 point).
 * P-521 and X25519 keys, which Civitas never verifies with, keep their own checks above.
 */
function checkSigningKey(publicJwk: PublicJwk): void {
  try {
    publicKeyObject(publicJwk)
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    throw keyError('KEY_INVALID', 'invalidPublicKey', message, cause)
  }
}

function decodeRsaMember(value: unknown, member: string): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `RSA JWK member "${member}" must be a base64url string`)
  }
  try {
    return base64urlDecode(value, `JWK member "${member}"`)
  } catch (cause) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `RSA JWK member "${member}" is not base64url`, cause)
  }
}

/** The raw key bytes did:key carries for a public JWK: compressed points for EC keys. */
export function jwkToRawPublicKey(jwk: PublicJwk): { codec: KeyCodecName; code: number; bytes: Uint8Array } {
  const publicJwk = assertPublicJwk(jwk)
  const codec = codecByJwk(publicJwk)
  if (!codec) {
    throw keyError(
      'UNSUPPORTED_CURVE',
      'unsupportedPublicKeyType',
      `no public-key multicodec for ${publicJwk.kty}`,
    )
  }
  const x = base64urlDecode(publicJwk.x as string, 'x')
  if (codec.kty === 'OKP') return { codec: codec.name, code: codec.code, bytes: x }
  const y = base64urlDecode(publicJwk.y as string, 'y')
  const compressed = new Uint8Array(1 + x.length)
  compressed[0] = (y[y.length - 1]! & 1) === 1 ? 0x03 : 0x02
  compressed.set(x, 1)
  return { codec: codec.name, code: codec.code, bytes: compressed }
}

/** Multicodec-prefixed key bytes (the payload of a did:key or a Multikey) for a public JWK. */
export function encodeMulticodecPublicKey(jwk: PublicJwk): Uint8Array {
  const { code, bytes } = jwkToRawPublicKey(jwk)
  const prefix = encodeVarint(code)
  const out = new Uint8Array(prefix.length + bytes.length)
  out.set(prefix)
  out.set(bytes, prefix.length)
  return out
}

/**
 * Decodes multicodec-prefixed public key bytes into `{ codec, jwk }`. Lengths are the exact
 * ones the did:key spec fixes per codec (compressed points only), so a key has one encoding.
 */
export function decodeMulticodecPublicKey(bytes: Uint8Array): { codec: KeyCodecName; jwk: PublicJwk } {
  const { value, length } = decodeVarint(bytes)
  const codec = codecByCode(value)
  if (!codec) {
    throw keyError(
      'UNSUPPORTED_CURVE',
      'unsupportedPublicKeyType',
      `unsupported public-key multicodec 0x${value.toString(16)}`,
    )
  }
  const raw = bytes.subarray(length)
  if (raw.length !== codec.length) {
    throw keyError(
      'KEY_INVALID',
      'invalidPublicKeyLength',
      `${codec.name} key must be ${codec.length} bytes, got ${raw.length}`,
    )
  }
  return { codec: codec.name, jwk: rawPublicKeyToJwk(codec.crv, raw) }
}

/** The X25519 key birationally equivalent to an Ed25519 public JWK (did:key keyAgreement). */
export function x25519FromEd25519(jwk: PublicJwk): PublicJwk {
  const ed = base64urlDecode(jwk.x as string, 'x')
  return { kty: 'OKP', crv: 'X25519', x: base64urlEncode(ed25519.utils.toMontgomery(ed)) }
}

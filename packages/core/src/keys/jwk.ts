import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { base64urlDecode } from '../encoding/base64url.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import {
  algorithmForJwk,
  CURVES,
  EC_COORDINATE_BYTES,
  type Jwk,
  type SignatureAlgorithm,
  type VerificationAlgorithm,
  verificationAlgorithmsForJwk,
} from './algorithms.js'
import { createLruCache } from './lru.js'

/** A validated key: its algorithm, its public JWK and, for a private key, the private JWK. */
export interface ImportedKey {
  readonly alg: SignatureAlgorithm
  readonly kid?: string
  readonly publicJwk: Jwk
  readonly privateJwk?: Jwk
}

function checkMember(jwk: Jwk, member: 'x' | 'y' | 'd', size: number): Uint8Array {
  const value = jwk[member]
  if (typeof value !== 'string') {
    throw new CivitasError('KEY_INVALID', `JWK member "${member}" is missing`, { details: { member } })
  }
  let bytes: Uint8Array
  try {
    bytes = base64urlDecode(value, `JWK member "${member}"`)
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', `JWK member "${member}" is not base64url`, {
      cause,
      details: { member },
    })
  }
  if (bytes.length !== size) {
    throw new CivitasError(
      'KEY_INVALID',
      `JWK member "${member}" must be ${size} bytes, got ${bytes.length}`,
      {
        details: { member, expected: size, actual: bytes.length },
      },
    )
  }
  return bytes
}

// OpenSSL imports any 32 bytes as an Ed25519 key and, for a small-order point such as the
// identity, accepts (R = identity, S = 0) as a signature of every message. OpenSSL checks
// EC points on import; Ed25519 points are checked here.
function checkEd25519Point(x: Uint8Array): void {
  let smallOrder: boolean
  try {
    smallOrder = ed25519.Point.fromBytes(x).isSmallOrder()
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', 'Ed25519 public key is not a point on the curve', { cause })
  }
  if (smallOrder) throw new CivitasError('KEY_INVALID', 'Ed25519 public key has small order')
}

/**
 * The RFC 7638 §3.2 required members of a public JWK, in lexicographic order: EC `crv, kty, x, y`,
 * OKP `crv, kty, x`, RSA `e, kty, n`. Nothing is validated here.
 */
function requiredMembers(jwk: Jwk): Jwk {
  if (!isRecord(jwk))
    throw new CivitasError('KEY_INVALID', `a JWK must be an object, got ${describeValue(jwk)}`)
  const { kty, crv, x, y, e, n } = jwk
  const members: Jwk = kty === 'EC' ? { crv, kty, x, y } : kty === 'OKP' ? { crv, kty, x } : { e, kty, n }
  for (const [member, value] of Object.entries(members)) {
    if (typeof value !== 'string') {
      throw new CivitasError(
        'KEY_INVALID',
        `JWK member "${member}" must be a string, got ${describeValue(value)}`,
        {
          details: { member },
        },
      )
    }
  }
  return members
}

/**
 * The RFC 7638 thumbprint input (also the JCS form EBSI's `jwk_jcs-pub` did:key embeds): the
 * required members in lexicographic order, no whitespace. Every member is a base64url string
 * or a curve name (ASCII, nothing to escape), so JSON.stringify gives exactly RFC 8785 JCS.
 */
export function jwkThumbprintInput(jwk: Jwk): string {
  return JSON.stringify(requiredMembers(jwk))
}

/** The public members of a JWK (RFC 7638 required members), nothing else. */
export function toPublicJwk(jwk: Jwk): Jwk {
  const alg = algorithmForJwk(jwk)
  const { kty, crv, x, y } = jwk
  return CURVES[alg].kty === 'EC' ? { kty, crv, x, y } : { kty, crv, x }
}

function checkJwkAlg(jwk: Jwk, allowed: readonly string[]): void {
  if (jwk.alg !== undefined && !allowed.includes(jwk.alg as string)) {
    throw new CivitasError(
      'ALG_KEY_MISMATCH',
      `JWK "alg" is ${describeValue(jwk.alg)} but the key is for ${allowed.join(' / ')}`,
      {
        details: {
          jwkAlg: typeof jwk.alg === 'string' ? jwk.alg : describeValue(jwk.alg),
          keyAlg: allowed[0],
        },
      },
    )
  }
}

function checkShape(jwk: Jwk): SignatureAlgorithm {
  const alg = algorithmForJwk(jwk)
  const { size, kty } = CURVES[alg]
  const x = checkMember(jwk, 'x', size)
  if (kty === 'EC') checkMember(jwk, 'y', size)
  else checkEd25519Point(x)
  if (jwk.d !== undefined) checkMember(jwk, 'd', size)
  checkJwkAlg(jwk, [alg])
  return alg
}

/** Smallest and largest RSA modulus accepted: RFC 7518 §3.3 wants 2048 bits; 8192 bounds the work. */
const RSA_MIN_BITS = 2048
const RSA_MAX_BITS = 8192

function rsaMember(jwk: Jwk, member: 'n' | 'e'): Uint8Array {
  const value = jwk[member]
  if (typeof value !== 'string' || value.length === 0) {
    throw new CivitasError('KEY_INVALID', `RSA JWK member "${member}" is missing`, { details: { member } })
  }
  let bytes: Uint8Array
  try {
    bytes = base64urlDecode(value, `JWK member "${member}"`)
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', `RSA JWK member "${member}" is not base64url`, {
      cause,
      details: { member },
    })
  }
  // RFC 7518 §6.3.1: the minimum number of octets, so one key has one spelling (and one thumbprint).
  if (bytes.length === 0 || bytes[0] === 0) {
    throw new CivitasError('KEY_INVALID', `RSA JWK member "${member}" has leading zero octets`, {
      details: { member },
    })
  }
  return bytes
}

function checkRsaKey(jwk: Jwk): void {
  const n = rsaMember(jwk, 'n')
  const e = rsaMember(jwk, 'e')
  const bits = n.length * 8 - Math.clz32(n[0]!) + 24
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new CivitasError(
      'KEY_INVALID',
      `RSA modulus must be ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits, got ${bits}`,
      {
        details: { bits, min: RSA_MIN_BITS, max: RSA_MAX_BITS },
      },
    )
  }
  // e = 1 makes every "signature" its own padded message: anyone could forge. An even e is no RSA key.
  const last = e[e.length - 1]!
  if (e.length > 8 || (e.length === 1 && last < 3) || (last & 1) === 0) {
    throw new CivitasError('KEY_INVALID', 'RSA public exponent must be odd, at least 3 and at most 64 bits')
  }
}

/**
 * Validates a public key for verification and returns the algorithms it can verify: the
 * signing keys' members and points (via checkShape's rules), P-521 coordinates, RSA modulus
 * size and exponent. The platform import then proves an EC point is on its curve.
 */
function checkPublicShape(jwk: Jwk): readonly VerificationAlgorithm[] {
  const algorithms = verificationAlgorithmsForJwk(jwk)
  if (jwk.kty === 'RSA') {
    checkRsaKey(jwk)
  } else if (jwk.crv === 'P-521') {
    checkMember(jwk, 'x', EC_COORDINATE_BYTES['P-521'])
    checkMember(jwk, 'y', EC_COORDINATE_BYTES['P-521'])
  } else {
    const alg = algorithmForJwk(jwk)
    const { size, kty } = CURVES[alg]
    const x = checkMember(jwk, 'x', size)
    if (kty === 'EC') checkMember(jwk, 'y', size)
    else checkEd25519Point(x)
  }
  checkJwkAlg(jwk, algorithms)
  return algorithms
}

const publicKeyCache = createLruCache<KeyObject>({ maxEntries: 2048 })

// Only string members make a key: anything else (an array stringifying to the same text) is
// not a JWK and must go through checkPublicShape. No member of a valid key contains "|".
function cacheKey(jwk: Jwk): string | undefined {
  if (!isRecord(jwk)) return undefined
  const { kty, crv, x, y, n, e } = jwk
  if (kty === 'RSA') return typeof n === 'string' && typeof e === 'string' ? `RSA|${n}|${e}` : undefined
  if (typeof kty !== 'string' || typeof crv !== 'string' || typeof x !== 'string') return undefined
  if (kty === 'EC') return typeof y === 'string' ? `EC|${crv}|${x}|${y}` : undefined
  return `${kty}|${crv}|${x}`
}

/**
 * The platform key for a public JWK (any key Civitas verifies with: EC P-256 / secp256k1 /
 * P-384 / P-521, Ed25519, RSA 2048-8192), imported once and kept in a bounded cache; only
 * keys that passed checkPublicShape and the platform's import are ever cached. Importing also
 * proves an EC point is on the curve (OpenSSL rejects it otherwise).
 */
export function publicKeyObject(jwk: Jwk): KeyObject {
  const id = cacheKey(jwk)
  const cached = id === undefined ? undefined : publicKeyCache.get(id)
  if (cached) return cached
  checkPublicShape(jwk)
  let key: KeyObject
  try {
    key = createPublicKey({ key: requiredMembers(jwk) as import('node:crypto').JsonWebKey, format: 'jwk' })
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', 'JWK is not a valid public key (point not on the curve?)', {
      cause,
      details: { kty: jwk.kty, crv: jwk.crv },
    })
  }
  publicKeyCache.set(id as string, key, Number.POSITIVE_INFINITY)
  return key
}

/** The platform key for a private JWK. Not cached: private keys should not linger in a shared cache. */
export function privateKeyObject(jwk: Jwk): KeyObject {
  checkShape(jwk)
  if (typeof jwk.d !== 'string') throw new CivitasError('KEY_NOT_PRIVATE', 'JWK has no private member "d"')
  let key: KeyObject
  try {
    key = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', 'JWK is not a valid private key', {
      cause,
      details: { crv: jwk.crv },
    })
  }
  // OpenSSL does not check that x/y belong to d: a mismatched pair would sign tokens
  // that its own published key cannot verify. A sign/verify round trip proves the pair.
  const alg = algorithmForJwk(jwk)
  const hash = CURVES[alg].hash
  const probe = Buffer.from('civitas key pair consistency probe')
  const signature = sign(hash, probe, { key, dsaEncoding: 'ieee-p1363' })
  if (!verify(hash, probe, { key: publicKeyObject(jwk), dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new CivitasError('KEY_INVALID', 'JWK private member "d" does not match its public members')
  }
  return key
}

/**
 * Validates a JWK (members, lengths, point on the curve, private/public consistency)
 * and returns it with its algorithm. Throws `KEY_INVALID`, `UNSUPPORTED_CURVE`,
 * `UNSUPPORTED_ALG` (symmetric keys) or `ALG_KEY_MISMATCH`.
 */
export function importJwk(jwk: Jwk): ImportedKey {
  const alg = checkShape(jwk)
  publicKeyObject(jwk)
  const publicJwk = toPublicJwk(jwk)
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined
  if (jwk.d === undefined) return Object.freeze({ alg, publicJwk, ...(kid ? { kid } : {}) })
  privateKeyObject(jwk)
  const privateJwk: Jwk = { ...publicJwk, d: jwk.d }
  return Object.freeze({ alg, publicJwk, privateJwk, ...(kid ? { kid } : {}) })
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) over {@link jwkThumbprintInput}. The key is
 * validated as every verification validates it (members, lengths, point on the curve for EC
 * and Ed25519 alike, RSA modulus size), so a key that cannot verify has no thumbprint.
 */
export async function jwkThumbprint(jwk: Jwk): Promise<string> {
  publicKeyObject(jwk)
  return createHash('sha256').update(jwkThumbprintInput(jwk)).digest('base64url')
}

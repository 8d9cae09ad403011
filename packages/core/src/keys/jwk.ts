import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { calculateJwkThumbprint } from 'jose'
import { base64urlDecode } from '../encoding/base64url.js'
import { CivitasError } from '../errors/index.js'
import { algorithmForJwk, CURVES, type Jwk, type SignatureAlgorithm } from './algorithms.js'
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

/** The public members of a JWK (RFC 7638 required members), nothing else. */
export function toPublicJwk(jwk: Jwk): Jwk {
  const alg = algorithmForJwk(jwk)
  const { kty, crv, x, y } = jwk
  return CURVES[alg].kty === 'EC' ? { kty, crv, x, y } : { kty, crv, x }
}

function checkShape(jwk: Jwk): SignatureAlgorithm {
  const alg = algorithmForJwk(jwk)
  const { size, kty } = CURVES[alg]
  const x = checkMember(jwk, 'x', size)
  if (kty === 'EC') checkMember(jwk, 'y', size)
  else checkEd25519Point(x)
  if (jwk.d !== undefined) checkMember(jwk, 'd', size)
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new CivitasError('ALG_KEY_MISMATCH', `JWK "alg" is ${String(jwk.alg)} but the key is for ${alg}`, {
      details: { jwkAlg: jwk.alg, keyAlg: alg },
    })
  }
  return alg
}

const publicKeyCache = createLruCache<KeyObject>({ maxEntries: 2048 })

// Only string members make a key: anything else (an array stringifying to the same text) is
// not a JWK and must go through checkShape. No member of a valid key contains "|".
function cacheKey(jwk: Jwk): string | undefined {
  const { kty, crv, x, y } = jwk
  if (typeof kty !== 'string' || typeof crv !== 'string' || typeof x !== 'string') return undefined
  if (kty === 'EC') return typeof y === 'string' ? `EC|${crv}|${x}|${y}` : undefined
  return `${kty}|${crv}|${x}`
}

/**
 * The platform key for a public JWK, imported once and kept in a bounded cache; only
 * keys that passed checkShape and the platform's import are ever cached. Importing also
 * proves an EC point is on the curve (OpenSSL rejects it otherwise).
 */
export function publicKeyObject(jwk: Jwk): KeyObject {
  const id = cacheKey(jwk)
  const cached = id === undefined ? undefined : publicKeyCache.get(id)
  if (cached) return cached
  checkShape(jwk)
  let key: KeyObject
  try {
    key = createPublicKey({ key: toPublicJwk(jwk) as import('node:crypto').JsonWebKey, format: 'jwk' })
  } catch (cause) {
    throw new CivitasError('KEY_INVALID', 'JWK is not a valid public key (point not on the curve?)', {
      cause,
      details: { crv: jwk.crv },
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
 * RFC 7638 JWK thumbprint (SHA-256, base64url), computed over the required public members.
 * The key is validated as verification validates it (an EC point off its curve is refused
 * like an Ed25519 one), so a key that cannot verify has no thumbprint.
 */
export async function jwkThumbprint(jwk: Jwk): Promise<string> {
  publicKeyObject(jwk)
  return calculateJwkThumbprint(toPublicJwk(jwk), 'sha256')
}

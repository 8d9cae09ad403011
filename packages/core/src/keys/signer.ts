import { sign } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { CivitasError } from '../errors/index.js'
import { algorithmForJwk, CURVES, type Jwk, type SignatureAlgorithm } from './algorithms.js'
import { privateKeyObject } from './jwk.js'

/**
 * Anything that can produce a JOSE signature: a local key, a KMS, an HSM, a wallet.
 * `sign` returns the signature bytes as JOSE encodes them (R||S for ECDSA, RFC 7518 §3.4).
 */
export interface Signer {
  readonly alg: SignatureAlgorithm
  readonly kid?: string
  sign(data: Uint8Array): Promise<Uint8Array>
}

export interface LocalSignerOptions {
  /** Key id put in the JWS header, typically a DID URL (`did:...#key-1`). */
  kid?: string
}

/** A {@link Signer} backed by a private JWK held in this process. */
export function localSigner(privateJwk: Jwk, options: LocalSignerOptions = {}): Signer {
  const alg = algorithmForJwk(privateJwk)
  const key = privateKeyObject(privateJwk)
  const hash = CURVES[alg].hash
  if (options.kid !== undefined && typeof options.kid !== 'string') {
    throw new CivitasError('INVALID_ARGUMENT', 'kid must be a string')
  }
  return Object.freeze({
    alg,
    ...(options.kid !== undefined ? { kid: options.kid } : {}),
    async sign(data: Uint8Array): Promise<Uint8Array> {
      const signature = sign(hash, data, { key, dsaEncoding: 'ieee-p1363' })
      return alg === 'ES256K' ? toLowS(signature) : signature
    },
  })
}

const SECP256K1_N = secp256k1.Point.CURVE().n

/**
 * OpenSSL returns high-S secp256k1 signatures half of the time. RFC 8812 allows them and we
 * verify them, but libsecp256k1 and noble (by default) refuse them as malleable, so half of
 * our ES256K tokens would fail elsewhere. (r, n - s) is the same signature in low-S form.
 */
function toLowS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`)
  if (s <= SECP256K1_N >> 1n) return signature
  const low = Buffer.from((SECP256K1_N - s).toString(16).padStart(64, '0'), 'hex')
  const out = new Uint8Array(64)
  out.set(signature.subarray(0, 32))
  out.set(low, 32)
  return out
}

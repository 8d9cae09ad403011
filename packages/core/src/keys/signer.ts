import { sign } from 'node:crypto'
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
      return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' })
    },
  })
}

import { type KeyObject, sign } from 'node:crypto'
import { base64urlDecode } from '../encoding/base64url.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertBytes, isRecord } from '../guards/index.js'
import {
  algorithmForJwk,
  CURVES,
  isSignatureAlgorithm,
  type Jwk,
  type SignatureAlgorithm,
  signatureLength,
} from './algorithms.js'
import { ecdsaCurve, isDerSignature, isEcdsaAlgorithm, normalizeEcdsaSignature } from './ecdsa.js'
import { privateKeyObject, toPublicJwk } from './jwk.js'

/**
 * Anything that can produce a JOSE signature: a local key, a KMS, an HSM, a wallet.
 * `sign` hashes `data` with the algorithm's hash (SHA-256 for ES256 / ES256K) and returns the
 * signature as JOSE encodes it: R||S for ECDSA (RFC 7518 §3.4), never DER (convert a KMS's
 * DER output with `derToJose`). High-S ES256K signatures are normalised by `signJws`.
 */
export interface Signer {
  readonly alg: SignatureAlgorithm
  readonly kid?: string
  sign(data: Uint8Array): Promise<Uint8Array>
  /**
   * ECDSA only, optional: signs a digest the caller already computed (no hashing inside),
   * returning R||S. Ethereum transactions and messages are signed over Keccak-256 digests,
   * so this is what `toEthersSigner` (`@civitas/core/ethers`) needs. A KMS exposes it as
   * "sign digest" (AWS KMS `MessageType: DIGEST`).
   */
  signDigest?(digest: Uint8Array): Promise<Uint8Array>
  /** The public key, when the signer knows it (lets `toEthersSigner` derive the address). */
  readonly publicJwk?: Jwk
}

export interface LocalSignerOptions {
  /** Key id put in the JWS header, typically a DID URL (`did:...#key-1`). */
  kid?: string
}

/**
 * Checks that `signer` has the shape of a {@link Signer}: a supported signing `alg`, a string
 * `kid` if any, a `sign` function, a `signDigest` function if any (ECDSA only) and an object
 * `publicJwk` if any. Throws `INVALID_ARGUMENT` naming the member at fault.
 */
export function assertSigner(signer: unknown, label = 'signer'): asserts signer is Signer {
  const name = typeof label === 'string' ? label : 'signer'
  if (!isRecord(signer)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${name} must be a Signer object, got ${describeValue(signer)}`,
      {
        details: { argument: name },
      },
    )
  }
  const fail = (member: string, expected: string, value: unknown): never => {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${name}.${member} must be ${expected}, got ${describeValue(value)}`,
      { details: { argument: `${name}.${member}` } },
    )
  }
  const { alg, kid, sign: signFn, signDigest, publicJwk } = signer
  if (!isSignatureAlgorithm(alg)) fail('alg', 'one of ES256, ES256K, ES384, EdDSA', alg)
  if (kid !== undefined && typeof kid !== 'string') fail('kid', 'a string', kid)
  if (typeof signFn !== 'function') fail('sign', 'a function', signFn)
  if (signDigest !== undefined && (typeof signDigest !== 'function' || alg === 'EdDSA')) {
    fail(
      'signDigest',
      alg === 'EdDSA' ? 'absent for EdDSA (Ed25519 signs messages, not digests)' : 'a function',
      signDigest,
    )
  }
  if (publicJwk !== undefined && !isRecord(publicJwk)) fail('publicJwk', 'a JWK object', publicJwk)
}

/**
 * Checks what a signer returned and brings it to the one form JOSE and Ethereum accept:
 * bytes of the algorithm's exact length, r and s in range, and low S for ES256K (any signer,
 * not only local keys: a KMS returns high S half of the time). A DER signature is refused
 * with a pointer to `derToJose` rather than guessed at: a DER signature can be exactly 64
 * bytes long, so length alone cannot tell the encodings apart. Throws `SIGNER_FAILED`.
 */
export function checkSignerOutput(
  alg: SignatureAlgorithm,
  signature: unknown,
  what = 'signature',
): Uint8Array {
  const expected = signatureLength(alg)
  if (typeof what !== 'string') what = 'signature'
  if (!(signature instanceof Uint8Array)) {
    throw new CivitasError(
      'SIGNER_FAILED',
      `the signer returned ${describeValue(signature)} as its ${what}, not bytes`,
      {
        details: { alg },
      },
    )
  }
  if (signature.length !== expected) {
    const der = isEcdsaAlgorithm(alg) && isDerSignature(signature, alg)
    throw new CivitasError(
      'SIGNER_FAILED',
      der
        ? `the signer returned a DER-encoded ${alg} ${what}; JOSE needs R||S (convert it with derToJose(der, '${alg}'))`
        : `the signer returned a ${signature.length}-byte ${alg} ${what}, expected ${expected} bytes`,
      {
        details: {
          alg,
          expectedLength: expected,
          actualLength: signature.length,
          ...(der ? { encoding: 'der' } : {}),
        },
      },
    )
  }
  if (!isEcdsaAlgorithm(alg)) return signature
  try {
    return normalizeEcdsaSignature(signature, alg)
  } catch (cause) {
    throw new CivitasError(
      'SIGNER_FAILED',
      `the signer returned an ${alg} ${what} with r or s out of range`,
      {
        cause,
        details: { alg },
      },
    )
  }
}

/**
 * node:crypto's callback form signs on libuv's thread pool: the event loop goes on (parsing,
 * storage, other requests) while OpenSSL works, and concurrent signatures use every core.
 */
function signOnThreadPool(hash: string | null, data: Uint8Array, key: KeyObject): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }, (error, signature) =>
      error ? reject(error) : resolve(signature),
    )
  })
}

/** A {@link Signer} backed by a private JWK held in this process. */
export function localSigner(privateJwk: Jwk, options: LocalSignerOptions = {}): Signer {
  const alg = algorithmForJwk(privateJwk)
  const key = privateKeyObject(privateJwk)
  const hash = CURVES[alg].hash
  const kid = options?.kid
  if (kid !== undefined && typeof kid !== 'string') {
    throw new CivitasError('INVALID_ARGUMENT', `options.kid must be a string, got ${describeValue(kid)}`)
  }
  const publicJwk = Object.freeze(toPublicJwk(privateJwk))
  const signer: Signer = {
    alg,
    ...(kid !== undefined ? { kid } : {}),
    publicJwk,
    async sign(data: Uint8Array): Promise<Uint8Array> {
      assertBytes(data, 'data')
      const signature = await signOnThreadPool(hash, data, key)
      return alg === 'ES256K' ? normalizeEcdsaSignature(signature, alg) : signature
    },
  }
  if (alg === 'EdDSA') return Object.freeze(signer)
  // node:crypto cannot sign a precomputed ECDSA digest; noble can (RFC 6979, low S).
  const curve = ecdsaCurve(alg)
  const secret = base64urlDecode(privateJwk.d as string, 'JWK member "d"')
  const digestLength = CURVES[alg].size
  return Object.freeze({
    ...signer,
    async signDigest(digest: Uint8Array): Promise<Uint8Array> {
      if (!(digest instanceof Uint8Array) || digest.length !== digestLength) {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          `digest must be ${digestLength} bytes, got ${describeValue(digest)}`,
          {
            details: { argument: 'digest' },
          },
        )
      }
      return curve.sign(digest, secret, { prehash: false, lowS: true })
    },
  })
}

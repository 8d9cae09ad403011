import type { DIDDocument, Resolvable, VerificationMethod } from 'did-resolver'
import { verifyDecodedJwsWithDid } from '../did/verify.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError, type CivitasErrorCode } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { type DecodedJws, decodeJws, type JwsHeader } from '../jose/decode.js'
import { verifyDecodedJws } from '../jose/verify.js'
import type { Jwk, VerificationAlgorithm } from '../keys/algorithms.js'
import type { Deadline } from './deadline.js'
import { toVerificationError, type VerificationCheck, type VerificationError } from './result.js'
import { timeOption } from './times.js'

/** The DID verification relationship a signer's key must be in. */
export type KeyPurpose = 'assertionMethod' | 'authentication'

/**
 * When the signer's key must have been valid. `now` (default): the verification time, the
 * DID's current document. `issuance`: the token's own issuance time (`iat`, else `nbf` /
 * `validFrom` / `issuanceDate`), so a credential signed before a key rotation still
 * verifies; the token states that time, so combine it with a status check. A Date or
 * NumericDate seconds: that instant. For did:ethr the document is resolved as of then.
 */
export type KeyTime = 'now' | 'issuance' | Date | number

/** What a `getKey` callback is asked: the key that signed this token, valid at `at`. */
export interface KeyRequest {
  /** The verified token's protected header (`alg`, `kid`, `x5c`, ...), not yet trusted. */
  readonly header: JwsHeader
  /** Its payload, not yet trusted. */
  readonly payload: Record<string, unknown>
  /** The signer the token names (`iss`, `issuer`, `holder`); a DID is always a plain DID here. */
  readonly issuer: string | undefined
  readonly purpose: KeyPurpose
  /** NumericDate seconds the key must be valid at (`keyTime`). */
  readonly at: number
}

/** A `getKey` answer: the public key, and where it came from when that was a DID document. */
export interface KeyResult {
  readonly publicJwk: Jwk
  readonly verificationMethod?: VerificationMethod
  readonly didDocument?: DIDDocument
}

/**
 * A jose-style key callback: finds the key for a token (a trust list, an x5c chain, a JWKS,
 * a DID with extra rules). Throwing (a `CivitasError` keeps its code) fails the `key` check.
 */
export type GetKey = (request: KeyRequest) => KeyResult | Promise<KeyResult>

/** The signer-key options every verify function takes. */
export interface KeyOptions {
  /** Verify with this key. */
  publicJwk?: Jwk
  /** Ask this callback for the key. */
  getKey?: GetKey
  /** Resolve the DID the token names as its signer; the key by `kid` in `purpose`. */
  resolver?: Resolvable
  /** When the key must have been valid (default `now`). */
  keyTime?: KeyTime
  /** Algorithms accepted. Default: every one Civitas verifies. */
  algorithms?: readonly VerificationAlgorithm[]
}

/** The key options, checked once per call. The first given of publicJwk, getKey, resolver is used. */
export interface KeySource {
  readonly publicJwk?: Jwk
  readonly getKey?: GetKey
  readonly resolver?: Resolvable
  readonly keyTime: 'now' | 'issuance' | number
  readonly algorithms?: readonly VerificationAlgorithm[]
}

/** Who made a signature of the token. */
export type SignatureRole = 'issuer' | 'holder' | 'keyBinding'

/** What verified a signature: the key, and the DID document it was found in. */
export interface VerifiedSignature {
  readonly role: SignatureRole
  readonly alg: string
  /** The key, when it was given or found as a JWK (`publicJwk`, `getKey`, `cnf.jwk`). */
  readonly publicJwk?: Jwk
  /** The verification method (its `id` included), when the key came from a DID document. */
  readonly verificationMethod?: VerificationMethod
  readonly didDocument?: DIDDocument
}

/**
 * Checks the key options of a verify call (`INVALID_ARGUMENT` for misuse). Undefined when
 * none is given and `required` is false (a presentation's credentials may inherit one).
 */
export function keySourceFrom(options: KeyOptions, required = true): KeySource | undefined {
  const { publicJwk, getKey, resolver, keyTime, algorithms } = options
  if (publicJwk !== undefined && !isRecord(publicJwk)) {
    throw new CivitasError('INVALID_ARGUMENT', 'publicJwk must be a JWK object')
  }
  if (getKey !== undefined && typeof getKey !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'getKey must be a function')
  }
  if (resolver !== undefined && typeof (resolver as { resolve?: unknown } | null)?.resolve !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'resolver must be a did-resolver Resolvable')
  }
  if (publicJwk === undefined && getKey === undefined && resolver === undefined) {
    if (!required) return undefined
    throw new CivitasError('INVALID_ARGUMENT', 'pass publicJwk, getKey or resolver to verify the signature')
  }
  const time =
    keyTime === undefined || keyTime === 'now' || keyTime === 'issuance'
      ? (keyTime ?? 'now')
      : timeOption(keyTime, 'keyTime')
  return {
    ...(publicJwk !== undefined ? { publicJwk } : {}),
    ...(getKey !== undefined ? { getKey } : {}),
    ...(resolver !== undefined ? { resolver } : {}),
    keyTime: time,
    ...(algorithms !== undefined ? { algorithms } : {}),
  }
}

/** One signed JWS of a token: the compact form and, once read, its decoding. */
export interface SignedPart {
  readonly jws: string
  readonly decoded?: DecodedJws
}

/** What the key step verifies: the token's signature(s) and the signer it names. */
export interface SignerSpec {
  /** Alternatives: the first that verifies counts (the signatures of a General JSON SD-JWT). */
  readonly parts: readonly SignedPart[]
  readonly payload: Record<string, unknown>
  /** The signer the token names: `iss`, the credential `issuer`, the presentation `holder`. */
  readonly signer: unknown
  readonly purpose: KeyPurpose
  readonly role: 'issuer' | 'holder'
  /** The token's issuance time, for `keyTime: 'issuance'`. */
  readonly issuedAt?: number | undefined
}

export type SignerOutcome =
  | { readonly ok: true; readonly signature: VerifiedSignature; readonly decoded: DecodedJws }
  | { readonly ok: false; readonly error: VerificationError }

// Failures of finding the key, as opposed to the signature not verifying with it.
const KEY_CODES = new Set<CivitasErrorCode>([
  'INVALID_ARGUMENT',
  'CLAIM_INVALID',
  'DID_INVALID',
  'DID_METHOD_UNSUPPORTED',
  'DID_NOT_FOUND',
  'DID_DEACTIVATED',
  'DID_DOCUMENT_INVALID',
  'RESOLVER_UNAVAILABLE',
  'CHAIN_UNAVAILABLE',
  'KEY_NOT_FOUND',
  'KEY_INVALID',
  'UNSUPPORTED_CURVE',
])

function checkOf(error: unknown): VerificationCheck {
  return error instanceof CivitasError && KEY_CODES.has(error.code) ? 'key' : 'signature'
}

function failure(error: unknown): SignerOutcome {
  return { ok: false, error: toVerificationError(error, 'SIGNATURE_INVALID', checkOf(error)) }
}

/**
 * A DID the token names as its signer is a DID, never a DID URL: a query (`?versionId=`,
 * `?versionTime=`), path, fragment or parameters would let the token pick the document
 * version its key is looked up in, so a rotated-out key could choose one where it was still
 * valid. Only the verifier asks for a version (`keyTime`).
 */
// What a DID URL adds to a DID (DID syntax allows none of these in the DID itself).
const DID_URL_PART = /[?#/;]/

function checkSignerDid(signer: unknown): void {
  if (typeof signer === 'string' && signer.startsWith('did:') && DID_URL_PART.test(signer)) {
    throw new CivitasError(
      'CLAIM_INVALID',
      `the signer ${describeValue(signer)} is a DID URL, not a DID: a token cannot choose the DID document version`,
    )
  }
}

function keyInstant(source: KeySource, spec: SignerSpec, now: number): number | undefined {
  if (source.keyTime === 'now') return undefined
  if (source.keyTime !== 'issuance') return source.keyTime
  if (spec.issuedAt === undefined) {
    throw new CivitasError('CLAIM_INVALID', 'keyTime "issuance": the token states no issuance time')
  }
  // A token dated in the future gets the current document, not a future one.
  return Math.min(spec.issuedAt, now)
}

async function fromGetKey(
  source: KeySource & { getKey: GetKey },
  part: SignedPart & { decoded: DecodedJws },
  spec: SignerSpec,
  at: number,
  deadline: Deadline,
): Promise<VerifiedSignature> {
  const request: KeyRequest = {
    header: part.decoded.header,
    payload: spec.payload,
    issuer: typeof spec.signer === 'string' ? spec.signer : undefined,
    purpose: spec.purpose,
    at,
  }
  let key: KeyResult
  try {
    key = await deadline.race(Promise.resolve().then(() => source.getKey(request)))
  } catch (error) {
    if (error instanceof CivitasError) throw error
    throw new CivitasError('KEY_NOT_FOUND', 'getKey failed to provide a key', { cause: error })
  }
  if (!isRecord(key) || !isRecord(key.publicJwk)) {
    throw new CivitasError(
      'KEY_NOT_FOUND',
      'getKey must return { publicJwk, verificationMethod?, didDocument? }',
    )
  }
  const alg = await verifyDecodedJws(part.decoded, key.publicJwk, source.algorithms)
  return {
    role: spec.role,
    alg,
    publicJwk: key.publicJwk,
    ...(key.verificationMethod !== undefined ? { verificationMethod: key.verificationMethod } : {}),
    ...(key.didDocument !== undefined ? { didDocument: key.didDocument } : {}),
  }
}

async function fromResolver(
  source: KeySource & { resolver: Resolvable },
  part: SignedPart & { decoded: DecodedJws },
  spec: SignerSpec,
  versionTime: number | undefined,
  deadline: Deadline,
): Promise<VerifiedSignature> {
  // Without the DID the token claims as its signer, any DID named by the header kid would
  // do: the signature would prove nothing about who issued (or presented) the token.
  if (spec.signer === undefined || typeof spec.signer !== 'string') {
    throw new CivitasError(
      'CLAIM_INVALID',
      'the token names no signer DID (iss / issuer / holder) to resolve its key from',
    )
  }
  if (!spec.signer.startsWith('did:')) {
    throw new CivitasError(
      'DID_INVALID',
      `${describeValue(spec.signer)} is not a DID: pass publicJwk or getKey to verify this token`,
    )
  }
  const verified = await deadline.race(
    verifyDecodedJwsWithDid(part.decoded, {
      resolver: source.resolver,
      did: spec.signer,
      purpose: spec.purpose,
      ...(source.algorithms !== undefined ? { algorithms: source.algorithms } : {}),
      ...(versionTime !== undefined ? { versionTime } : {}),
    }),
  )
  return {
    role: spec.role,
    alg: part.decoded.header.alg,
    verificationMethod: verified.verificationMethod,
    didDocument: verified.didDocument,
  }
}

/**
 * The key and signature steps: finds the signer's key (explicit JWK, `getKey`, or the DID
 * the token names, at the caller's `keyTime`) and verifies the signature over the bytes the
 * read step decoded. Never throws: the outcome names the failing check (`key`, `signature`,
 * `resources` for the deadline).
 */
export async function verifySigner(
  source: KeySource,
  spec: SignerSpec,
  now: number,
  deadline: Deadline,
): Promise<SignerOutcome> {
  let versionTime: number | undefined
  try {
    checkSignerDid(spec.signer)
    versionTime = keyInstant(source, spec, now)
  } catch (error) {
    return failure(error)
  }
  let first: SignerOutcome | undefined
  for (const candidate of spec.parts) {
    try {
      const part = { jws: candidate.jws, decoded: candidate.decoded ?? decodeJws(candidate.jws) }
      let signature: VerifiedSignature
      if (source.publicJwk !== undefined) {
        const alg = await verifyDecodedJws(part.decoded, source.publicJwk, source.algorithms)
        signature = { role: spec.role, alg, publicJwk: source.publicJwk }
      } else if (source.getKey !== undefined) {
        signature = await fromGetKey(
          { ...source, getKey: source.getKey },
          part,
          spec,
          versionTime ?? now,
          deadline,
        )
      } else {
        signature = await fromResolver(
          { ...source, resolver: source.resolver as Resolvable },
          part,
          spec,
          versionTime,
          deadline,
        )
      }
      return { ok: true, signature, decoded: part.decoded }
    } catch (error) {
      first ??= failure(error)
      if (deadline.expired) break
    }
  }
  return first ?? failure(new CivitasError('SIGNATURE_INVALID', 'the token carries no signature'))
}

import { parse, type Resolvable } from 'did-resolver'
import { verifyDecodedJwsWithDid } from '../did/verify.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import type { DecodedJws } from '../jose/decode.js'
import { verifyDecodedJws } from '../jose/verify.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'

export interface SignatureKeySource {
  /** Verify with this key (no DID resolution). */
  publicJwk?: Jwk
  /** Resolve the signer's DID and pick the key named by `kid`. */
  resolver?: Resolvable
  /** The DID expected to have signed (`iss` of a credential, holder of a presentation). */
  did?: string
  purpose: 'assertionMethod' | 'authentication'
  algorithms?: readonly SignatureAlgorithm[]
}

/** The key source for a token that names `did` as its signer (ignored unless a string). */
export function signatureKeySource(
  options: {
    publicJwk?: Jwk | undefined
    resolver?: Resolvable | undefined
    algorithms?: readonly SignatureAlgorithm[] | undefined
  },
  did: unknown,
  purpose: SignatureKeySource['purpose'],
): SignatureKeySource {
  return {
    ...(options.publicJwk !== undefined ? { publicJwk: options.publicJwk } : {}),
    ...(options.resolver !== undefined ? { resolver: options.resolver } : {}),
    ...(typeof did === 'string' ? { did } : {}),
    purpose,
    ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
  }
}

export function checkKeySource(options: { publicJwk?: unknown; resolver?: unknown }, keyName: string): void {
  if (options.publicJwk === undefined && options.resolver === undefined) {
    throw new CivitasError('INVALID_ARGUMENT', `pass ${keyName} or resolver to verify the signature`)
  }
  if (
    options.publicJwk !== undefined &&
    (options.publicJwk === null || typeof options.publicJwk !== 'object')
  ) {
    throw new CivitasError('INVALID_ARGUMENT', `${keyName} must be a JWK object`)
  }
  if (
    options.resolver !== undefined &&
    typeof (options.resolver as { resolve?: unknown } | null)?.resolve !== 'function'
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'resolver must be a did-resolver Resolvable')
  }
}

/**
 * Verifies the signature of a decoded JWS with an explicit key, or through the DID
 * resolver (key chosen by `kid` in the DID's `purpose` relationship).
 */
export async function verifySignatureWithKeySource(
  jws: string,
  decoded: DecodedJws,
  source: SignatureKeySource,
): Promise<void> {
  // A DID the token names as its signer is a DID, never a DID URL: a query (`?versionId=`,
  // `?versionTime=`), path or fragment would let the token pick the document version its key
  // is looked up in, so a rotated-out key could choose one where it was still valid. Only the
  // verifier may ask for a version.
  if (source.did !== undefined && source.did.startsWith('did:') && parse(source.did)?.did !== source.did) {
    throw new CivitasError(
      'CLAIM_INVALID',
      `the signer ${describeValue(source.did)} is a DID URL, not a DID: a token cannot choose the DID document version`,
    )
  }
  if (source.publicJwk !== undefined) {
    await verifyDecodedJws(decoded, jws, source.publicJwk, source.algorithms)
    return
  }
  // Without the DID the token claims as its signer, any DID named by the header kid would
  // do: the signature would prove nothing about who issued (or presented) the token.
  if (source.did === undefined) {
    throw new CivitasError(
      'CLAIM_INVALID',
      'the token names no signer DID (iss / issuer / holder) to resolve its key from',
    )
  }
  if (!source.did.startsWith('did:')) {
    throw new CivitasError(
      'DID_INVALID',
      `${describeValue(source.did)} is not a DID: pass a public key to verify this token`,
    )
  }
  await verifyDecodedJwsWithDid(jws, decoded, {
    resolver: source.resolver!,
    did: source.did,
    purpose: source.purpose,
    ...(source.algorithms !== undefined ? { algorithms: source.algorithms } : {}),
  })
}

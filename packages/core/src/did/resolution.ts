import type { DIDDocument, DIDDocumentMetadata, DIDResolutionResult } from 'did-resolver'
import { CivitasError, type CivitasErrorCode, describeValue } from '../errors/index.js'

/**
 * Building blocks shared by the method resolvers: DID resolution results (W3C DID
 * Resolution §4) for documents and for errors. Every error result carries the standard
 * `error` name, a human `message`, and our stable `code`, so that `resolveDid()` can throw
 * the precise {@link CivitasError} without re-guessing it from the message.
 */

export const DID_LD_JSON = 'application/did+ld+json'
export const DID_JSON = 'application/did+json'

/** The `@context` of every document made of JsonWebKey2020 verification methods. */
export const JWS_2020_CONTEXT = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/suites/jws-2020/v1',
]

/** The DID Resolution `error` names this package produces. */
export type DidResolutionErrorName =
  | 'invalidDid'
  | 'invalidDidUrl'
  | 'notFound'
  | 'unknownNetwork'
  | 'methodNotSupported'
  | 'representationNotSupported'
  | 'unavailable'
  | 'invalidDidDocument'
  | 'invalidPublicKey'
  | 'invalidPublicKeyLength'
  | 'unsupportedPublicKeyType'
  | 'internalError'

const CODE_FOR_ERROR: Record<DidResolutionErrorName, CivitasErrorCode> = {
  invalidDid: 'DID_INVALID',
  invalidDidUrl: 'DID_INVALID',
  notFound: 'DID_NOT_FOUND',
  unknownNetwork: 'DID_METHOD_UNSUPPORTED',
  methodNotSupported: 'DID_METHOD_UNSUPPORTED',
  representationNotSupported: 'INVALID_ARGUMENT',
  unavailable: 'RESOLVER_UNAVAILABLE',
  invalidDidDocument: 'DID_DOCUMENT_INVALID',
  invalidPublicKey: 'KEY_INVALID',
  invalidPublicKeyLength: 'KEY_INVALID',
  unsupportedPublicKeyType: 'UNSUPPORTED_CURVE',
  internalError: 'RESOLVER_UNAVAILABLE',
}

/** The CivitasError code that a resolution error name stands for (used for foreign resolvers' results). */
export function codeForResolutionError(error: string): CivitasErrorCode {
  // A foreign resolver's error name is untrusted: never let "constructor" pick an inherited member.
  return Object.hasOwn(CODE_FOR_ERROR, error)
    ? CODE_FOR_ERROR[error as DidResolutionErrorName]
    : 'DID_NOT_FOUND'
}

/**
 * A key-decoding failure. `resolutionError` is the DID Resolution / did:key spec error name
 * (`invalidDid`, `invalidPublicKey`, `invalidPublicKeyLength`, `unsupportedPublicKeyType`)
 * so that a resolver can report it in `didResolutionMetadata.error` unchanged.
 */
export function keyError(
  code: CivitasErrorCode,
  resolutionError: DidResolutionErrorName,
  message: string,
  cause?: unknown,
): CivitasError {
  return new CivitasError(code, message, { cause, details: { resolutionError } })
}

export function errorResult(
  error: DidResolutionErrorName,
  message: string,
  code: CivitasErrorCode = CODE_FOR_ERROR[error],
): DIDResolutionResult {
  return {
    didResolutionMetadata: { error, message, code },
    didDocument: null,
    didDocumentMetadata: {},
  }
}

/**
 * Turns anything a method resolver threw into an error result. CivitasErrors raised while
 * decoding keys carry the spec's error name in `details.resolutionError`; anything else is
 * an internal fault, reported without its stack (the caller gets a result, never a crash).
 */
export function errorResultFrom(thrown: unknown): DIDResolutionResult {
  if (thrown instanceof CivitasError) {
    const named = thrown.details?.resolutionError
    const error = (typeof named === 'string' ? named : undefined) as DidResolutionErrorName | undefined
    return errorResult(error ?? errorNameForCode(thrown.code), thrown.message, thrown.code)
  }
  // A foreign resolver may throw anything, even an object whose toString throws.
  const message =
    thrown instanceof Error && typeof thrown.message === 'string' ? thrown.message : describeValue(thrown)
  return errorResult('internalError', `DID resolution failed: ${message}`)
}

function errorNameForCode(code: CivitasErrorCode): DidResolutionErrorName {
  switch (code) {
    case 'DID_INVALID':
    case 'INVALID_ENCODING':
    case 'INPUT_TOO_LARGE':
      return 'invalidDid'
    case 'DID_NOT_FOUND':
      return 'notFound'
    case 'DID_METHOD_UNSUPPORTED':
      return 'methodNotSupported'
    case 'RESOLVER_UNAVAILABLE':
      return 'unavailable'
    case 'DID_DOCUMENT_INVALID':
      return 'invalidDidDocument'
    case 'KEY_INVALID':
      return 'invalidPublicKey'
    case 'UNSUPPORTED_CURVE':
      return 'unsupportedPublicKeyType'
    default:
      return 'internalError'
  }
}

/**
 * A successful result in the representation the caller accepted: JSON-LD (with `@context`,
 * the default) or plain JSON (`application/did+json`, no `@context`). Anything else is
 * `representationNotSupported`.
 */
export function documentResult(
  didDocument: DIDDocument,
  accept: unknown,
  didDocumentMetadata: DIDDocumentMetadata = {},
): DIDResolutionResult {
  if (accept !== undefined && accept !== DID_LD_JSON && accept !== DID_JSON) {
    return errorResult(
      'representationNotSupported',
      `cannot produce a DID document as ${describeValue(accept)}`,
    )
  }
  if (accept === DID_JSON) {
    const { '@context': _context, ...plain } = didDocument
    return { didResolutionMetadata: { contentType: DID_JSON }, didDocument: plain, didDocumentMetadata }
  }
  return { didResolutionMetadata: { contentType: DID_LD_JSON }, didDocument, didDocumentMetadata }
}

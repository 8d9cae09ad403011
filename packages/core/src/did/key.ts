import type { DIDDocument, DIDResolutionOptions, DIDResolutionResult, VerificationMethod } from 'did-resolver'
import { CivitasError, describeValue } from '../errors/index.js'
import { assertRecord, isRecord, optionsRecord } from '../guards/index.js'
import { jwkThumbprintInput } from '../keys/jwk.js'
import {
  decodeMulticodecPublicKey,
  encodeMulticodecPublicKey,
  JWK_JCS_PUB_CODE,
  type KeyCodecName,
} from './key-codecs.js'
import {
  decodeMultibaseBase58btc,
  decodeVarint,
  encodeMultibaseBase58btc,
  encodeVarint,
} from './multibase.js'
import { assertJwkMemberTypes, assertPublicJwk, type PublicJwk } from './public-jwk.js'
import { documentResult, errorResultFrom, JWS_2020_CONTEXT, keyError } from './resolution.js'
import { x25519FromEd25519 } from './x25519.js'

/**
 * did:key (https://w3c-ccg.github.io/did-method-key/) for Ed25519, X25519, secp256k1,
 * P-256, P-384 and P-521 multicodec keys, and EBSI's `jwk_jcs-pub` (0xeb51) variant for
 * natural persons (https://hub.ebsi.eu/vc-framework/did/natural-person).
 */

const DID_KEY_PREFIX = 'did:key:'
// The largest key we accept (P-521 compressed, or a JCS JWK of an EC P-521 key) is well
// under 300 base58 characters; the cap keeps pathological inputs away from base58's
// quadratic decoder.
const MAX_DID_KEY_ID_LENGTH = 1024

export type DidKeyFormat = 'multicodec' | 'jwk_jcs-pub'

export interface ParsedDidKey {
  did: string
  /** The method-specific id: the multibase value, also the fragment of the key's verification method. */
  multibase: string
  format: DidKeyFormat
  /** The multicodec name for `multicodec` keys; `jwk_jcs-pub` for EBSI keys. */
  codec: KeyCodecName | 'jwk_jcs-pub'
  publicJwk: PublicJwk
}

/**
 * The canonical JCS (RFC 8785) form of a public JWK's required members (RFC 7638 §3.2): the
 * very input keys/jwk.ts hashes for `jwkThumbprint`, so the two can never drift apart.
 */
export function canonicalJwkJson(jwk: PublicJwk): string {
  return jwkThumbprintInput(jwk)
}

/**
 * Parses and validates a did:key: multibase base58btc, minimal varint multicodec, exact key
 * length, point on the curve; for `jwk_jcs-pub`, the embedded UTF-8 JSON must be exactly the
 * JCS-canonical required-members JWK (as EBSI's resolver demands), so one key has one DID.
 */
export function parseDidKey(did: string): ParsedDidKey {
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX)) {
    throw keyError('DID_INVALID', 'invalidDid', 'not a did:key')
  }
  const multibase = did.slice(DID_KEY_PREFIX.length)
  if (multibase.length > MAX_DID_KEY_ID_LENGTH) {
    throw keyError(
      'INPUT_TOO_LARGE',
      'invalidDid',
      `did:key id longer than ${MAX_DID_KEY_ID_LENGTH} characters`,
    )
  }
  // did:key has no version or path segments in the method-specific id we support.
  if (multibase.includes(':'))
    throw keyError('DID_INVALID', 'invalidDid', 'did:key id must be one multibase value')
  const bytes = decodeMultibaseBase58btc(multibase, 'did:key id')
  const { value, length } = decodeVarint(bytes)
  if (value === JWK_JCS_PUB_CODE) {
    return {
      did,
      multibase,
      format: 'jwk_jcs-pub',
      codec: 'jwk_jcs-pub',
      publicJwk: decodeJcsJwk(bytes.subarray(length)),
    }
  }
  const { codec, jwk } = decodeMulticodecPublicKey(bytes)
  return { did, multibase, format: 'multicodec', codec, publicJwk: jwk }
}

function decodeJcsJwk(bytes: Uint8Array): PublicJwk {
  let text: string
  let parsed: unknown
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    parsed = JSON.parse(text)
  } catch (cause) {
    throw keyError('DID_INVALID', 'invalidDid', 'jwk_jcs-pub key is not UTF-8 JSON', cause)
  }
  if (isRecord(parsed)) assertJwkMemberTypes(parsed, 'jwk_jcs-pub JWK')
  const jwk = assertPublicJwk(parsed)
  if (canonicalJwkJson(jwk) !== text) {
    throw keyError(
      'DID_INVALID',
      'invalidDid',
      'jwk_jcs-pub key is not the JCS-canonical JWK with only the required members',
    )
  }
  return jwk
}

/**
 * The did:key of a public JWK. `multicodec` (default) is the W3C CCG form (compressed EC
 * points); `jwk_jcs-pub` is EBSI's natural-person form. Input member order never matters.
 */
export function didKeyFromJwk(jwk: PublicJwk, options: { format?: DidKeyFormat } = {}): string {
  const format = optionsRecord(options).format ?? 'multicodec'
  if (format !== 'multicodec' && format !== 'jwk_jcs-pub') {
    throw new CivitasError('INVALID_ARGUMENT', `unknown did:key format ${describeValue(format)}`)
  }
  if (format === 'multicodec')
    return DID_KEY_PREFIX + encodeMultibaseBase58btc(encodeMulticodecPublicKey(jwk))
  const json = new TextEncoder().encode(canonicalJwkJson(assertPublicJwk(jwk)))
  const prefix = encodeVarint(JWK_JCS_PUB_CODE)
  const payload = new Uint8Array(prefix.length + json.length)
  payload.set(prefix)
  payload.set(json, prefix.length)
  return DID_KEY_PREFIX + encodeMultibaseBase58btc(payload)
}

function jsonWebKey2020(id: string, controller: string, publicKeyJwk: PublicJwk): VerificationMethod {
  return {
    id,
    type: 'JsonWebKey2020',
    controller,
    publicKeyJwk: publicKeyJwk as VerificationMethod['publicKeyJwk'],
  }
}

/**
 * The DID document of a did:key, with JsonWebKey2020 verification methods (what did-jwt and
 * our JWS verification consume). As in the W3C CCG test vectors, an Ed25519 key gets its
 * derived X25519 key for keyAgreement and ECDSA keys are their own keyAgreement key; the
 * EBSI `jwk_jcs-pub` document has no keyAgreement, as EBSI's resolver produces it.
 */
export function didKeyDocument(parsed: ParsedDidKey): DIDDocument {
  // The document is a function of the DID alone: re-reading it means a hand-built `parsed`
  // whose key disagrees with its DID (or is no key at all) cannot produce a document.
  assertRecord(parsed, 'parsed')
  return documentOf(parseDidKey(parsed.did))
}

function documentOf(parsed: ParsedDidKey): DIDDocument {
  const { did, multibase, publicJwk } = parsed
  const keyId = `${did}#${multibase}`
  const verificationMethod = [jsonWebKey2020(keyId, did, publicJwk)]
  let keyAgreement: string[] | undefined
  if (parsed.format === 'multicodec') {
    if (publicJwk.crv === 'Ed25519') {
      const x25519 = x25519FromEd25519(publicJwk)
      const agreementId = `${did}#${encodeMultibaseBase58btc(encodeMulticodecPublicKey(x25519))}`
      verificationMethod.push(jsonWebKey2020(agreementId, did, x25519))
      keyAgreement = [agreementId]
    } else {
      keyAgreement = [keyId]
    }
  }
  // An X25519 did:key can only agree keys; it cannot sign or authenticate.
  const signs = publicJwk.crv !== 'X25519'
  return {
    '@context': JWS_2020_CONTEXT,
    id: did,
    verificationMethod,
    ...(signs
      ? {
          authentication: [keyId],
          assertionMethod: [keyId],
          capabilityInvocation: [keyId],
          capabilityDelegation: [keyId],
        }
      : {}),
    ...(keyAgreement ? { keyAgreement } : {}),
  }
}

/** The did:key method resolver: deterministic, no I/O. */
export async function resolveDidKey(
  did: string,
  options: DIDResolutionOptions = {},
): Promise<DIDResolutionResult> {
  try {
    return documentResult(documentOf(parseDidKey(did)), options.accept)
  } catch (thrown) {
    return errorResultFrom(thrown)
  }
}

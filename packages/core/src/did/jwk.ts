import type { DIDDocument, DIDResolutionOptions, DIDResolutionResult, JsonWebKey } from 'did-resolver'
import { base64urlDecodeJson, base64urlEncode } from '../encoding/base64url.js'
import { assertJsonDepth } from '../encoding/json.js'
import { assertRecord } from '../guards/index.js'
import { assertJwkMemberTypes, assertPublicJwk, type PublicJwk } from './public-jwk.js'
import { documentResult, errorResultFrom, JWS_2020_CONTEXT, keyError } from './resolution.js'

/** did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md). */

const DID_JWK_PREFIX = 'did:jwk:'
// A JWK of an RSA-4096 key is about 750 bytes of JSON (1,000 base64url characters).
const MAX_DID_JWK_ID_LENGTH = 4096
const MAX_JWK_DEPTH = 4

export interface ParsedDidJwk {
  did: string
  /** The JWK exactly as embedded (validated: public, on the curve). */
  jwk: PublicJwk
}

/** Parses and validates a did:jwk: strict base64url, a JSON object, a public JWK on its curve. */
export function parseDidJwk(did: string): ParsedDidJwk {
  if (typeof did !== 'string' || !did.startsWith(DID_JWK_PREFIX)) {
    throw keyError('DID_INVALID', 'invalidDid', 'not a did:jwk')
  }
  const id = did.slice(DID_JWK_PREFIX.length)
  if (id.length > MAX_DID_JWK_ID_LENGTH) {
    throw keyError(
      'INPUT_TOO_LARGE',
      'invalidDid',
      `did:jwk id longer than ${MAX_DID_JWK_ID_LENGTH} characters`,
    )
  }
  let jwk: Record<string, unknown>
  try {
    jwk = base64urlDecodeJson(id, 'did:jwk id')
  } catch (cause) {
    throw keyError('DID_INVALID', 'invalidDid', 'did:jwk id is not a base64url-encoded JSON object', cause)
  }
  if (typeof jwk.kty !== 'string')
    throw keyError('DID_INVALID', 'invalidDid', 'did:jwk id is not a JWK (no "kty")')
  assertJwkMemberTypes(jwk, 'did:jwk JWK')
  // The JWK is the document's publicKeyJwk as embedded: no nesting deeper than a JWK has (x5c).
  assertJsonDepth(jwk, MAX_JWK_DEPTH, 'DID_INVALID', 'did:jwk JWK')
  if (jwk.use !== undefined && jwk.use !== 'sig' && jwk.use !== 'enc') {
    throw keyError('DID_INVALID', 'invalidDid', 'did:jwk JWK "use" must be "sig" or "enc"')
  }
  // The spec forbids private key material; assertPublicJwk rejects "d" & co and off-curve points.
  assertPublicJwk(jwk)
  return { did, jwk: jwk as PublicJwk }
}

/**
 * The did:jwk of a public JWK: its public members (plus `use` when given, since it decides
 * the verification relationships), in lexicographic member order so that one key always
 * gives one DID. A JWK with private members is rejected rather than stripped: a caller
 * passing a private key here has a bug, and the DID is public forever.
 */
export function didJwkFromJwk(jwk: PublicJwk): string {
  const publicJwk: Record<string, unknown> = { ...assertPublicJwk(jwk) }
  if (jwk.use !== undefined) {
    if (jwk.use !== 'sig' && jwk.use !== 'enc')
      throw keyError('KEY_INVALID', 'invalidPublicKey', 'JWK "use" must be "sig" or "enc"')
    publicJwk.use = jwk.use
  }
  const sorted = Object.fromEntries(
    Object.keys(publicJwk)
      .sort()
      .map((k) => [k, publicJwk[k]]),
  )
  return DID_JWK_PREFIX + base64urlEncode(JSON.stringify(sorted))
}

/**
 * The did:jwk document: one JsonWebKey2020 method `#0`; `use: "enc"` → keyAgreement only,
 * `use: "sig"` → every relationship but keyAgreement, no `use` → all five.
 */
export function didJwkDocument(parsed: ParsedDidJwk): DIDDocument {
  // The document is a function of the DID alone: a hand-built `parsed` whose JWK disagrees
  // with its DID (or is no JWK at all) cannot produce a document.
  assertRecord(parsed, 'parsed')
  return documentOf(parseDidJwk(parsed.did))
}

function documentOf(parsed: ParsedDidJwk): DIDDocument {
  const { did, jwk } = parsed
  const keyId = `${did}#0`
  const sign = jwk.use !== 'enc'
  const agree = jwk.use !== 'sig'
  return {
    '@context': JWS_2020_CONTEXT,
    id: did,
    verificationMethod: [
      { id: keyId, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk as JsonWebKey },
    ],
    ...(sign
      ? {
          assertionMethod: [keyId],
          authentication: [keyId],
          capabilityInvocation: [keyId],
          capabilityDelegation: [keyId],
        }
      : {}),
    ...(agree ? { keyAgreement: [keyId] } : {}),
  }
}

/** The did:jwk method resolver: deterministic, no I/O. */
export async function resolveDidJwk(
  did: string,
  options: DIDResolutionOptions = {},
): Promise<DIDResolutionResult> {
  try {
    return documentResult(documentOf(parseDidJwk(did)), options.accept)
  } catch (thrown) {
    return errorResultFrom(thrown)
  }
}

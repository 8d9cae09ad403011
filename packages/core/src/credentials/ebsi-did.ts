import { base58 } from '@scure/base'
import { parseDidKey } from '../did/key.js'
import { describeValue } from '../errors/describe.js'

/**
 * The DIDs EBSI accepts as issuers, subjects and holders: did:ebsi for legal entities
 * (method v1: multibase base58btc of the version byte 0x01 and 16 random bytes) and did:key
 * in EBSI's `jwk_jcs-pub` form for natural persons (https://hub.ebsi.eu/vc-framework/did).
 * EBSI's libraries refuse every other DID, including the W3C CCG multicodec did:key.
 */

const EBSI_DID_PREFIX = 'did:ebsi:'
const LEGAL_ENTITY_VERSION = 0x01
const LEGAL_ENTITY_ID_BYTES = 16
// 'z' + base58 of 17 bytes is at most 24 characters; anything longer is not worth decoding.
const MAX_EBSI_ID_LENGTH = 32

/** True for a did:ebsi legal-entity DID (method v1), as EBSI's resolver validates it. */
export function isEbsiLegalEntityDid(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith(EBSI_DID_PREFIX)) return false
  const id = value.slice(EBSI_DID_PREFIX.length)
  if (id.length > MAX_EBSI_ID_LENGTH || id[0] !== 'z') return false
  let bytes: Uint8Array
  try {
    bytes = base58.decode(id.slice(1))
  } catch {
    return false
  }
  return bytes.length === 1 + LEGAL_ENTITY_ID_BYTES && bytes[0] === LEGAL_ENTITY_VERSION
}

/** True for a did:key in EBSI's natural-person form (`jwk_jcs-pub`, codec 0xeb51). */
export function isEbsiNaturalPersonDid(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('did:key:')) return false
  try {
    return parseDidKey(value).format === 'jwk_jcs-pub'
  } catch {
    return false
  }
}

/** Why `value` is not a DID EBSI accepts, or undefined when it is one. */
export function ebsiDidProblem(value: unknown): string | undefined {
  if (isEbsiLegalEntityDid(value) || isEbsiNaturalPersonDid(value)) return undefined
  if (typeof value === 'string' && value.startsWith('did:key:')) {
    return `${describeValue(value)} is not a jwk_jcs-pub did:key (EBSI's natural-person form)`
  }
  if (typeof value === 'string' && value.startsWith(EBSI_DID_PREFIX)) {
    return `${describeValue(value)} is not a did:ebsi legal-entity DID`
  }
  return `${describeValue(value)} is neither did:ebsi nor a jwk_jcs-pub did:key`
}

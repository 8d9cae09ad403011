import { randomBytes } from 'node:crypto'
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertString } from '../guards/index.js'
import { type SdHashAlgorithm, sdDigest } from './hash.js'

/** A parsed Disclosure: an object property (with `name`) or an array element (without). */
export interface Disclosure {
  /** The Disclosure exactly as it travels (base64url of the JSON array). */
  readonly encoded: string
  readonly salt: string
  /** Claim name for object properties; absent for array elements. */
  readonly name?: string
  readonly value: unknown
  /** base64url(hash(encoded)) under the SD-JWT's `_sd_alg`. */
  readonly digest: string
}

/** Claim names that would let a Disclosure rewrite the SD-JWT structure (RFC 9901 §4.2.1). */
export const RESERVED_CLAIM_NAMES: ReadonlySet<string> = new Set(['_sd', '...'])

export function assertClaimNameAllowed(name: string, where: string): void {
  if (RESERVED_CLAIM_NAMES.has(name)) {
    throw new CivitasError(
      'SD_CLAIM_NAME_RESERVED',
      `${describeValue(name)} cannot be used as a claim name (${where})`,
      {
        details: { name, where },
      },
    )
  }
}

/** 128 bits of salt, as RFC 9901 §9.3 recommends. */
function newSalt(): string {
  return base64urlEncode(randomBytes(16))
}

// JSON.stringify silently turns these into null (in an array) or nothing: a Disclosure of
// `undefined` would disclose a value the issuer never chose.
function assertJsonValue(value: unknown): void {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new CivitasError('INVALID_ARGUMENT', `value must be a JSON value, got ${describeValue(value)}`, {
      details: { argument: 'value' },
    })
  }
}

/** Creates a Disclosure for an object property (`name` given) or an array element. */
export function createDisclosure(alg: SdHashAlgorithm, value: unknown, name?: string): Disclosure {
  if (name !== undefined) {
    assertString(name, 'name')
    assertClaimNameAllowed(name, 'selectively disclosable claim')
  }
  assertJsonValue(value)
  const salt = newSalt()
  const array = name === undefined ? [salt, value] : [salt, name, value]
  let json: string
  try {
    json = JSON.stringify(array)
  } catch (cause) {
    throw new CivitasError('INVALID_ARGUMENT', 'value cannot be serialised as JSON (a BigInt or a cycle?)', {
      cause,
      details: { argument: 'value' },
    })
  }
  const encoded = base64urlEncode(json)
  const digest = sdDigest(alg, encoded)
  return name === undefined ? { encoded, salt, value, digest } : { encoded, salt, name, value, digest }
}

/** A digest that matches no Disclosure: hides how many claims are selectively disclosable. */
export function createDecoyDigest(alg: SdHashAlgorithm): string {
  return sdDigest(alg, newSalt())
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Parses one Disclosure strictly: base64url JSON array of 2 or 3 members, string salt and name. */
export function parseDisclosure(alg: SdHashAlgorithm, encoded: string): Disclosure {
  let array: unknown
  try {
    array = JSON.parse(utf8.decode(base64urlDecode(encoded, 'Disclosure')))
  } catch (cause) {
    throw new CivitasError('SD_DISCLOSURE_INVALID', 'a Disclosure is not base64url-encoded UTF-8 JSON', {
      cause,
    })
  }
  assertJsonDepth(array, DEFAULT_MAX_JSON_DEPTH, 'SD_DISCLOSURE_INVALID', 'a Disclosure')
  if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3)) {
    throw new CivitasError('SD_DISCLOSURE_INVALID', 'a Disclosure must be a JSON array of 2 or 3 elements')
  }
  const salt: unknown = array[0]
  if (typeof salt !== 'string') {
    throw new CivitasError('SD_DISCLOSURE_INVALID', 'a Disclosure salt must be a string')
  }
  const digest = sdDigest(alg, encoded)
  if (array.length === 2) return { encoded, salt, value: array[1], digest }
  const name: unknown = array[1]
  if (typeof name !== 'string') {
    throw new CivitasError('SD_DISCLOSURE_INVALID', 'a Disclosure claim name must be a string')
  }
  assertClaimNameAllowed(name, 'Disclosure')
  return { encoded, salt, name, value: array[2], digest }
}

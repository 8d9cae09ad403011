import { base64urlDecode } from '../encoding/base64url.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import {
  assertArray,
  assertInteger,
  assertRecord,
  assertString,
  hasOwn,
  isRecord,
  limitOption,
  optionsRecord,
} from '../guards/index.js'
import { type DecodedJws, decodeJws, decodeJwsHeader } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Signer } from '../keys/signer.js'
import { DEFAULT_MAX_DISCLOSURES, DEFAULT_MAX_SD_JWT_LENGTH, joinSdJwt, splitSdJwt } from './serialization.js'

/** Unprotected header members an SD-JWT in JWS JSON Serialization carries (RFC 9901 §8). */
export interface SdJwtJsonHeader {
  disclosures: string[]
  kb_jwt?: string
  [parameter: string]: unknown
}

export interface SdJwtFlattenedJson {
  payload: string
  protected: string
  signature: string
  header: SdJwtJsonHeader
}

export interface SdJwtGeneralJson {
  payload: string
  signatures: { protected: string; signature: string; header?: Partial<SdJwtJsonHeader> }[]
}

export type SdJwtJson = SdJwtFlattenedJson | SdJwtGeneralJson

export function isSdJwtJson(value: unknown): value is SdJwtJson {
  return isRecord(value) && typeof value.payload === 'string'
}

/** Most issuer signatures accepted in a General JSON SD-JWT: a key rollover needs two or three. */
export const DEFAULT_MAX_SD_JWT_SIGNATURES = 8

export interface SdJwtFromJsonOptions {
  /** Most Disclosures accepted. Default {@link DEFAULT_MAX_DISCLOSURES}. */
  maxDisclosures?: number
  /**
   * Most characters the serialization may carry in what is read (payload, protected headers,
   * signatures, Disclosures, KB-JWT), so an object input is bounded like a string one.
   * Default {@link DEFAULT_MAX_SD_JWT_LENGTH}.
   */
  maxLength?: number
  /** Most issuer signatures. Default {@link DEFAULT_MAX_SD_JWT_SIGNATURES}. */
  maxSignatures?: number
}

export interface SdJwtFromJson {
  /** The compact equivalent built from the first signature: what `sd_hash` covers. */
  readonly compact: string
  /** Further issuer signatures (General JSON Serialization) as compact JWTs. */
  readonly otherJwts: readonly string[]
  /**
   * The same further signatures, decoded: each header checked as decodeJws checks it, and one
   * decoded payload shared by all of them (the payload is decoded once, not per signature).
   */
  readonly otherSignatures: readonly DecodedJws[]
  readonly serialization: 'flattened' | 'general'
}

function strings(value: unknown, what: string): string[] {
  // A "~" inside a Disclosure would split into two once joined into the compact form.
  if (
    !Array.isArray(value) ||
    !value.every((v) => typeof v === 'string' && v.length > 0 && !v.includes('~'))
  ) {
    throw new CivitasError('SD_JWT_INVALID', `${what} must be an array of Disclosure strings`)
  }
  return value
}

function tooLarge(what: string, count: number, limit: number, detail: string): never {
  throw new CivitasError('INPUT_TOO_LARGE', `SD-JWT JSON carries ${count} ${what}, the limit is ${limit}`, {
    details: { [detail]: limit, actual: count },
  })
}

/**
 * Reads an SD-JWT in JWS JSON Serialization (flattened or general). Disclosures and the
 * KB-JWT travel in the unprotected header (of the first signature when general), and
 * the first signature is the one `sd_hash` covers (RFC 9901 §8.1). Bounded before any work
 * that grows with the input: the number of signatures (`INPUT_TOO_LARGE` beyond
 * `maxSignatures`), of Disclosures (`SD_TOO_MANY_DISCLOSURES`) and the characters read
 * (`INPUT_TOO_LARGE` beyond `maxLength`), whether the JSON came as text or as an object.
 * `maxDisclosures` may also be given as a number (the earlier signature).
 */
export function sdJwtFromJson(json: SdJwtJson, options: SdJwtFromJsonOptions | number = {}): SdJwtFromJson {
  const opts = typeof options === 'number' ? { maxDisclosures: options } : optionsRecord(options)
  const maxDisclosures = opts.maxDisclosures ?? DEFAULT_MAX_DISCLOSURES
  assertInteger(maxDisclosures, 'options.maxDisclosures', { min: 0 })
  const maxLength = limitOption(opts.maxLength, 'options.maxLength', DEFAULT_MAX_SD_JWT_LENGTH)
  const maxSignatures = limitOption(
    opts.maxSignatures,
    'options.maxSignatures',
    DEFAULT_MAX_SD_JWT_SIGNATURES,
  )
  if (!isSdJwtJson(json)) throw new CivitasError('SD_JWT_INVALID', 'not an SD-JWT in JWS JSON Serialization')
  if (json.payload.includes('~')) throw new CivitasError('SD_JWT_INVALID', 'the payload is not base64url')
  const general = hasOwn(json, 'signatures')
  const signatures: unknown = general
    ? (json as SdJwtGeneralJson).signatures
    : [
        {
          protected: (json as SdJwtFlattenedJson).protected,
          signature: (json as SdJwtFlattenedJson).signature,
          header: (json as SdJwtFlattenedJson).header,
        },
      ]
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw new CivitasError('SD_JWT_INVALID', 'an SD-JWT in General JSON Serialization needs signatures')
  }
  if (signatures.length > maxSignatures)
    tooLarge('signatures', signatures.length, maxSignatures, 'maxSignatures')
  const [first] = signatures as unknown[]
  const header = isRecord(first) ? first.header : undefined
  if (!isRecord(header))
    throw new CivitasError('SD_JWT_INVALID', 'the unprotected header with disclosures is missing')
  const disclosures = strings(header.disclosures ?? [], 'header.disclosures')
  if (disclosures.length > maxDisclosures) {
    throw new CivitasError(
      'SD_TOO_MANY_DISCLOSURES',
      `SD-JWT carries more than ${maxDisclosures} Disclosures`,
      {
        details: { maxDisclosures },
      },
    )
  }
  if (header.kb_jwt !== undefined && (typeof header.kb_jwt !== 'string' || header.kb_jwt.includes('~'))) {
    throw new CivitasError('SD_JWT_INVALID', 'header.kb_jwt must be a string')
  }
  const parts = signatures.map((s: unknown) => {
    if (
      !isRecord(s) ||
      typeof s.protected !== 'string' ||
      typeof s.signature !== 'string' ||
      s.protected.includes('~') ||
      s.signature.includes('~')
    ) {
      throw new CivitasError('SD_JWT_INVALID', 'each signature needs protected and signature strings')
    }
    return { protected: s.protected, signature: s.signature }
  })
  let size = json.payload.length + (header.kb_jwt?.length ?? 0)
  for (const d of disclosures) size += d.length + 1
  for (const p of parts) size += p.protected.length + p.signature.length + 2
  if (size > maxLength) tooLarge('characters', size, maxLength, 'maxLength')

  const jwts = parts.map((p) => `${p.protected}.${json.payload}.${p.signature}`)
  let otherSignatures: DecodedJws[] = []
  if (parts.length > 1) {
    let payload: Uint8Array
    try {
      payload = base64urlDecode(json.payload, 'JWS payload')
      otherSignatures = parts.slice(1).map((p, i) => {
        if (p.signature.length === 0) throw new CivitasError('INVALID_JWS', 'JWS signature segment is empty')
        return {
          header: decodeJwsHeader(p.protected),
          payload,
          signature: base64urlDecode(p.signature, 'JWS signature'),
          signingInput: jwts[i + 1]!.slice(0, p.protected.length + 1 + json.payload.length),
        }
      })
    } catch (cause) {
      throw new CivitasError('SD_JWT_INVALID', 'a further issuer signature of the SD-JWT is malformed', {
        cause,
      })
    }
  }
  return {
    compact: joinSdJwt(jwts[0]!, disclosures, header.kb_jwt ?? ''),
    otherJwts: jwts.slice(1),
    otherSignatures,
    serialization: general ? 'general' : 'flattened',
  }
}

/** Writes a compact SD-JWT (plus further issuer signatures over the same payload) as JSON. */
export function sdJwtToJson(
  compact: string,
  serialization: 'flattened' | 'general',
  otherJwts: readonly string[] = [],
): SdJwtJson {
  if (serialization !== 'flattened' && serialization !== 'general') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `serialization must be "flattened" or "general", got ${describeValue(serialization)}`,
      {
        details: { argument: 'serialization' },
      },
    )
  }
  assertArray(otherJwts, 'otherJwts')
  const { jwt, disclosures, kbJwt } = splitSdJwt(compact)
  const [protectedHeader, payload, signature] = jwt.split('.') as [string, string, string]
  const header: SdJwtJsonHeader = {
    disclosures: [...disclosures],
    ...(kbJwt !== undefined ? { kb_jwt: kbJwt } : {}),
  }
  if (serialization === 'flattened') return { payload, protected: protectedHeader, signature, header }
  return {
    payload,
    signatures: [
      { protected: protectedHeader, signature, header },
      ...otherJwts.map((other) => {
        assertString(other, 'otherJwts[]')
        const [p, otherPayload, s] = other.split('.') as [string, string, string]
        if (otherPayload !== payload)
          throw new CivitasError('INVALID_ARGUMENT', 'every signature must cover the same payload')
        return { protected: p, signature: s }
      }),
    ],
  }
}

/**
 * Issues the General JSON Serialization of an issued compact SD-JWT with further issuer
 * signatures (e.g. during a key rollover): each signer signs the same payload bytes.
 */
export async function addSdJwtSignatures(
  compact: string,
  signers: readonly { signer: Signer; header?: Record<string, unknown> }[],
): Promise<SdJwtGeneralJson> {
  assertArray(signers, 'signers')
  const { jwt } = splitSdJwt(compact)
  const { payload, header } = decodeJws(jwt)
  const others: string[] = []
  for (const entry of signers) {
    assertRecord(entry, 'signers[]')
    const { signer, header: extra } = entry
    if (extra !== undefined) assertRecord(extra, 'signers[].header')
    others.push(await signJws(payload, signer, { ...(header.typ ? { typ: header.typ } : {}), ...extra }))
  }
  return sdJwtToJson(compact, 'general', others) as SdJwtGeneralJson
}

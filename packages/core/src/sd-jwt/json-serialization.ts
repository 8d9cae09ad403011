import { CivitasError } from '../errors/index.js'
import { decodeJws } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Signer } from '../keys/signer.js'
import { DEFAULT_MAX_DISCLOSURES, joinSdJwt, splitSdJwt } from './serialization.js'

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

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function isSdJwtJson(value: unknown): value is SdJwtJson {
  return isObject(value) && typeof value.payload === 'string'
}

export interface SdJwtFromJson {
  /** The compact equivalent built from the first signature: what `sd_hash` covers. */
  readonly compact: string
  /** Further issuer signatures (General JSON Serialization) as compact JWTs. */
  readonly otherJwts: readonly string[]
  readonly serialization: 'flattened' | 'general'
}

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new CivitasError('SD_JWT_INVALID', `${what} must be an array of Disclosure strings`)
  }
  return value
}

/**
 * Reads an SD-JWT in JWS JSON Serialization (flattened or general). Disclosures and the
 * KB-JWT travel in the unprotected header (of the first signature when general), and
 * the first signature is the one `sd_hash` covers (RFC 9901 §8.1).
 */
export function sdJwtFromJson(json: SdJwtJson, maxDisclosures = DEFAULT_MAX_DISCLOSURES): SdJwtFromJson {
  if (!isSdJwtJson(json)) throw new CivitasError('SD_JWT_INVALID', 'not an SD-JWT in JWS JSON Serialization')
  const general = 'signatures' in json
  const signatures = general
    ? (json as SdJwtGeneralJson).signatures
    : [
        {
          protected: (json as SdJwtFlattenedJson).protected,
          signature: (json as SdJwtFlattenedJson).signature,
        },
      ]
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw new CivitasError('SD_JWT_INVALID', 'an SD-JWT in General JSON Serialization needs signatures')
  }
  const header = general
    ? (json as SdJwtGeneralJson).signatures[0]?.header
    : (json as SdJwtFlattenedJson).header
  if (!isObject(header))
    throw new CivitasError('SD_JWT_INVALID', 'the unprotected header with disclosures is missing')
  const disclosures = strings(header.disclosures ?? [], 'header.disclosures')
  if (disclosures.length > maxDisclosures) {
    throw new CivitasError(
      'SD_TOO_MANY_DISCLOSURES',
      `SD-JWT carries more than ${maxDisclosures} Disclosures`,
    )
  }
  if (header.kb_jwt !== undefined && typeof header.kb_jwt !== 'string') {
    throw new CivitasError('SD_JWT_INVALID', 'header.kb_jwt must be a string')
  }
  const jwts = signatures.map((s) => {
    if (!isObject(s) || typeof s.protected !== 'string' || typeof s.signature !== 'string') {
      throw new CivitasError('SD_JWT_INVALID', 'each signature needs protected and signature strings')
    }
    return `${s.protected}.${json.payload}.${s.signature}`
  })
  return {
    compact: joinSdJwt(jwts[0]!, disclosures, header.kb_jwt ?? ''),
    otherJwts: jwts.slice(1),
    serialization: general ? 'general' : 'flattened',
  }
}

/** Writes a compact SD-JWT (plus further issuer signatures over the same payload) as JSON. */
export function sdJwtToJson(
  compact: string,
  serialization: 'flattened' | 'general',
  otherJwts: readonly string[] = [],
): SdJwtJson {
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
  const { jwt } = splitSdJwt(compact)
  const { payload, header } = decodeJws(jwt)
  const others: string[] = []
  for (const { signer, header: extra } of signers) {
    others.push(await signJws(payload, signer, { ...(header.typ ? { typ: header.typ } : {}), ...extra }))
  }
  return sdJwtToJson(compact, 'general', others) as SdJwtGeneralJson
}

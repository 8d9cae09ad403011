import { base64urlDecode, base64urlDecodeJson } from '../encoding/base64url.js'
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { hasOwn, isRecord } from '../guards/index.js'

/** The protected header of a compact JWS. */
export interface JwsHeader {
  alg: string
  kid?: string
  typ?: string
  [parameter: string]: unknown
}

export interface DecodedJws {
  readonly header: JwsHeader
  readonly payload: Uint8Array
  readonly signature: Uint8Array
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers. */
  readonly signingInput: string
}

export interface DecodeJwsOptions {
  /** Longest compact JWS accepted, in characters. Default 1 MiB. */
  maxLength?: number
}

/** Default ceiling on a compact JWS: far above any credential, far below a memory problem. */
export const DEFAULT_MAX_JWS_LENGTH = 1024 * 1024

// Header parameters this implementation understands when a producer marks them
// critical (RFC 7515 §4.1.11). We understand none that change processing.
const UNDERSTOOD_CRITICAL = new Set<string>()

/**
 * Decodes and checks a protected header segment: strict base64url JSON object no deeper than
 * {@link DEFAULT_MAX_JSON_DEPTH}, a string `alg` that is not `none`, only understood `crit`
 * parameters, a string `kid`. Every message describes untrusted values without calling them.
 */
export function decodeJwsHeader(segment: string): JwsHeader {
  if (segment.length === 0) throw new CivitasError('INVALID_JWS', 'JWS header segment is empty')
  const header = base64urlDecodeJson(segment, 'JWS header') as JwsHeader
  assertJsonDepth(header, DEFAULT_MAX_JSON_DEPTH, 'INVALID_JWS', 'JWS header')
  if (typeof header.alg !== 'string' || header.alg.length === 0) {
    throw new CivitasError('INVALID_JWS', 'JWS header has no "alg"')
  }
  if (header.alg.toLowerCase() === 'none') {
    throw new CivitasError('UNSECURED_JWS', 'unsecured JWS ("alg": "none") is never accepted')
  }
  if (header.crit !== undefined) {
    if (!Array.isArray(header.crit) || header.crit.length === 0) {
      throw new CivitasError('INVALID_JWS', '"crit" must be a non-empty array')
    }
    for (const name of header.crit as unknown[]) {
      if (typeof name !== 'string' || !UNDERSTOOD_CRITICAL.has(name) || !hasOwn(header, name)) {
        throw new CivitasError(
          'INVALID_JWS',
          `critical header parameter ${describeValue(name)} is not understood`,
          {
            details: { crit: header.crit.map((entry: unknown) => describeValue(entry)) },
          },
        )
      }
    }
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new CivitasError('INVALID_JWS', 'JWS header "kid" must be a string')
  }
  return header
}

/**
 * Parses a compact JWS without verifying it. Strict: exactly three segments, strict
 * base64url, a JSON-object header with a string `alg`, no `alg: none`, no unknown `crit`.
 */
export function decodeJws(jws: string, options: DecodeJwsOptions = {}): DecodedJws {
  if (typeof jws !== 'string') throw new CivitasError('INVALID_JWS', 'a JWS must be a string')
  const maxLength: unknown = (isRecord(options) ? options.maxLength : undefined) ?? DEFAULT_MAX_JWS_LENGTH
  // NaN would make every comparison false and switch the limit off.
  if (typeof maxLength !== 'number' || !Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `options.maxLength must be a positive integer, got ${describeValue(maxLength)}`,
      { details: { argument: 'options.maxLength' } },
    )
  }
  if (jws.length > maxLength) {
    throw new CivitasError('INPUT_TOO_LARGE', `JWS is ${jws.length} characters, the limit is ${maxLength}`, {
      details: { length: jws.length, maxLength },
    })
  }
  const first = jws.indexOf('.')
  const second = first === -1 ? -1 : jws.indexOf('.', first + 1)
  if (second === -1 || jws.indexOf('.', second + 1) !== -1) {
    throw new CivitasError('INVALID_JWS', 'a compact JWS has exactly three dot-separated segments')
  }
  const headerSegment = jws.slice(0, first)
  const signatureSegment = jws.slice(second + 1)
  const header = decodeJwsHeader(headerSegment)
  if (signatureSegment.length === 0) throw new CivitasError('INVALID_JWS', 'JWS signature segment is empty')
  const payload = base64urlDecode(jws.slice(first + 1, second), 'JWS payload')
  const signature = base64urlDecode(signatureSegment, 'JWS signature')
  return { header, payload, signature, signingInput: jws.slice(0, second) }
}

/** Guards the `decoded` argument of the verify*Decoded* functions (a caller's object, not ours). */
export function assertDecodedJws(decoded: DecodedJws): void {
  if (
    decoded === null ||
    typeof decoded !== 'object' ||
    typeof decoded.header?.alg !== 'string' ||
    typeof decoded.signingInput !== 'string' ||
    !(decoded.signature instanceof Uint8Array)
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'decoded must be what decodeJws returned')
  }
}

export interface DecodedJwt {
  readonly header: JwsHeader
  readonly payload: Record<string, unknown>
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Parses a JWS payload as JWT claims (a UTF-8 JSON object nested no deeper than 64 levels). */
export function parseJwtClaims(payload: Uint8Array): Record<string, unknown> {
  let claims: unknown
  try {
    claims = JSON.parse(utf8.decode(payload))
  } catch (cause) {
    throw new CivitasError('INVALID_JWS', 'JWT payload is not UTF-8 JSON', { cause })
  }
  if (!isRecord(claims)) throw new CivitasError('INVALID_JWS', 'JWT payload must be a JSON object')
  assertJsonDepth(claims, DEFAULT_MAX_JSON_DEPTH, 'INVALID_JWS', 'JWT payload')
  return claims as Record<string, unknown>
}

/** Parses a compact JWT (a JWS whose payload is a JSON object) without verifying it. */
export function decodeJwt(jwt: string, options: DecodeJwsOptions = {}): DecodedJwt {
  const { header, payload } = decodeJws(jwt, options)
  return { header, payload: parseJwtClaims(payload) }
}

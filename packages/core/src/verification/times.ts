import { describeValue } from '../errors/describe.js'
import { CivitasError, type CivitasErrorCode } from '../errors/index.js'
import type { VerificationError } from './result.js'

/** `now` as NumericDate seconds: a Date, epoch seconds, or the current time. */
export function nowSeconds(now: Date | number | undefined): number {
  if (now === undefined) return Math.floor(Date.now() / 1000)
  return timeOption(now, 'now')
}

/** A time option (`now`, `keyTime`) as NumericDate seconds: a valid Date or epoch seconds. */
export function timeOption(value: unknown, name: string): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return Math.floor(value.getTime() / 1000)
  if (typeof value === 'number' && Number.isFinite(value)) {
    // 1e11 s is the year 5138: a larger number is almost surely Date.now() milliseconds.
    if (Math.abs(value) > 1e11) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `${name} is in seconds since the epoch (or a Date), not milliseconds`,
      )
    }
    return Math.floor(value)
  }
  throw new CivitasError('INVALID_ARGUMENT', `${name} must be a Date or seconds since the epoch`)
}

export function checkClockSkew(skew: unknown, fallback: number): number {
  if (skew === undefined) return fallback
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'clockSkewSeconds must be a non-negative number')
  }
  return skew
}

/**
 * A NumericDate as an XML Schema dateTime (`2026-01-15T09:00:00Z`), or undefined when no
 * Date can hold it: `toISOString` throws for those, and a claim like `"nbf": 1e20` must
 * make verification fail, not throw.
 */
export function numericDateToXsd(seconds: number): string | undefined {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.000Z$/, 'Z')
}

/** Default tolerance between issuer, holder and verifier clocks. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60

/** The codes a token's validity window fails with: its own for a presentation. */
export interface ValidityCodes {
  readonly expired: CivitasErrorCode
  readonly notYetValid: CivitasErrorCode
}

export const CREDENTIAL_VALIDITY: ValidityCodes = {
  expired: 'CREDENTIAL_EXPIRED',
  notYetValid: 'CREDENTIAL_NOT_YET_VALID',
}

export const PRESENTATION_VALIDITY: ValidityCodes = {
  expired: 'PRESENTATION_EXPIRED',
  notYetValid: 'PRESENTATION_NOT_YET_VALID',
}

/** One property bounding a token's validity, as NumericDate seconds. */
export interface TimeBound {
  /** The claim or member it came from (`exp`, `validUntil`, ...), for messages. */
  readonly name: string
  readonly kind: 'notBefore' | 'notAfter' | 'issuedAt'
  readonly seconds: number
}

const JWT_TIME_KINDS = { iat: 'issuedAt', nbf: 'notBefore', exp: 'notAfter' } as const

/**
 * RFC 7519 `iat` / `nbf` / `exp` as bounds. A present claim that is not a finite number is
 * `CLAIM_INVALID` (pushed to `errors`): it must never drop out of the comparisons silently.
 */
export function jwtTimeBounds(payload: Record<string, unknown>, errors: VerificationError[]): TimeBound[] {
  const bounds: TimeBound[] = []
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.push({
        code: 'CLAIM_INVALID',
        message: `${name} must be a NumericDate (a number), got ${describeValue(value)}`,
        check: 'time',
      })
    } else {
      bounds.push({ name, kind: JWT_TIME_KINDS[name], seconds: value })
    }
  }
  return bounds
}

function describeTime(bound: TimeBound): string {
  return `${numericDateToXsd(bound.seconds) ?? `NumericDate ${bound.seconds}`} (${bound.name})`
}

/**
 * The validity window several properties bound (`exp`, `expirationDate`, `validUntil`;
 * `nbf`, `validFrom`, `issuanceDate`): the strictest of each holds, so a credential whose
 * `expirationDate` has passed is expired whatever its `validUntil` says. Reports an end
 * before the start (`TIME_ORDER_INVALID`), not yet valid and expired (± `skew`), each once.
 */
export function checkValidity(
  bounds: readonly TimeBound[],
  now: number,
  skew: number,
  codes: ValidityCodes,
): VerificationError[] {
  let from: TimeBound | undefined
  let until: TimeBound | undefined
  let issued: TimeBound | undefined
  for (const bound of bounds) {
    if (bound.kind === 'notBefore' && (from === undefined || bound.seconds > from.seconds)) from = bound
    if (bound.kind === 'notAfter' && (until === undefined || bound.seconds < until.seconds)) until = bound
    if (bound.kind === 'issuedAt' && (issued === undefined || bound.seconds > issued.seconds)) issued = bound
  }
  const errors: VerificationError[] = []
  const start = from === undefined || (issued !== undefined && issued.seconds > from.seconds) ? issued : from
  if (until !== undefined && start !== undefined && until.seconds < start.seconds) {
    errors.push({
      code: 'TIME_ORDER_INVALID',
      message: `${until.name} is before ${start.name}`,
      check: 'time',
    })
  }
  if (from !== undefined && now + skew < from.seconds) {
    errors.push({ code: codes.notYetValid, message: `not valid before ${describeTime(from)}`, check: 'time' })
  } else if (issued !== undefined && now + skew < issued.seconds) {
    errors.push({ code: codes.notYetValid, message: `issued in the future (${issued.name})`, check: 'time' })
  }
  if (until !== undefined && now - skew >= until.seconds) {
    errors.push({ code: codes.expired, message: `expired at ${describeTime(until)}`, check: 'time' })
  }
  return errors
}

/**
 * RFC 7519 time claims: `iat`, `nbf`, `exp` must be numbers when present; `exp` may not
 * precede `nbf` or `iat`; the token must be inside its window at `now` (± skew). Returns
 * every problem found, not only the first.
 */
export function checkJwtTimes(
  payload: Record<string, unknown>,
  now: number,
  skew: number,
  codes: ValidityCodes = CREDENTIAL_VALIDITY,
): VerificationError[] {
  const errors: VerificationError[] = []
  const bounds = jwtTimeBounds(payload, errors)
  errors.push(...checkValidity(bounds, now, skew, codes))
  return errors
}

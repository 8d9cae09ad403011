import { CivitasError, type CivitasErrorCode } from '../errors/index.js'

/** One reason a token did not verify. */
export interface VerificationError {
  readonly code: CivitasErrorCode
  readonly message: string
}

/**
 * Turns anything thrown while verifying into a result entry. Verification reports bad
 * tokens, it never throws for them; an unexpected error still fails closed under `fallback`.
 */
export function toVerificationError(error: unknown, fallback: CivitasErrorCode): VerificationError {
  if (error instanceof CivitasError) return { code: error.code, message: error.message }
  return { code: fallback, message: error instanceof Error ? error.message : String(error) }
}

/** `now` as NumericDate seconds: a Date, epoch seconds, or the current time. */
export function nowSeconds(now: Date | number | undefined): number {
  if (now === undefined) return Math.floor(Date.now() / 1000)
  if (now instanceof Date && !Number.isNaN(now.getTime())) return Math.floor(now.getTime() / 1000)
  if (typeof now === 'number' && Number.isFinite(now)) {
    // 1e11 s is the year 5138: a larger number is almost surely Date.now() milliseconds.
    if (now > 1e11) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        'now is in seconds since the epoch (or a Date), not milliseconds',
      )
    }
    return Math.floor(now)
  }
  throw new CivitasError('INVALID_ARGUMENT', 'now must be a Date or seconds since the epoch')
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

/**
 * RFC 7519 time claims: `iat`, `nbf`, `exp` must be numbers when present; `exp` may not
 * precede `nbf`; the token must be inside its window at `now` (± skew). Returns every
 * problem found, not only the first.
 */
export function checkJwtTimes(
  payload: Record<string, unknown>,
  now: number,
  skew: number,
): VerificationError[] {
  const errors: VerificationError[] = []
  const times: Record<string, number> = {}
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.push({
        code: 'CLAIM_INVALID',
        message: `${name} must be a NumericDate (a number), got ${typeof value}`,
      })
    } else {
      times[name] = value
    }
  }
  const { iat, nbf, exp } = times
  if (nbf !== undefined && exp !== undefined && exp < nbf) {
    errors.push({ code: 'TIME_ORDER_INVALID', message: 'exp is before nbf' })
  }
  if (iat !== undefined && exp !== undefined && exp < iat) {
    errors.push({ code: 'TIME_ORDER_INVALID', message: 'exp is before iat' })
  }
  if (nbf !== undefined && now + skew < nbf) {
    errors.push({
      code: 'CREDENTIAL_NOT_YET_VALID',
      message: `not valid before ${numericDateToXsd(nbf) ?? `NumericDate ${nbf}`}`,
    })
  } else if (iat !== undefined && now + skew < iat) {
    errors.push({ code: 'CREDENTIAL_NOT_YET_VALID', message: 'issued in the future (iat)' })
  }
  if (exp !== undefined && now - skew >= exp) {
    errors.push({
      code: 'CREDENTIAL_EXPIRED',
      message: `expired at ${numericDateToXsd(exp) ?? `NumericDate ${exp}`}`,
    })
  }
  return errors
}

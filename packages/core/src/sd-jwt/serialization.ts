import { CivitasError } from '../errors/index.js'
import { assertArray, assertInteger, assertString, limitOption, optionsRecord } from '../guards/index.js'

/** Most Disclosures accepted in one SD-JWT: a PID carries a few dozen. */
export const DEFAULT_MAX_DISCLOSURES = 1024

/** Longest SD-JWT accepted, in characters. */
export const DEFAULT_MAX_SD_JWT_LENGTH = 2 * 1024 * 1024

export interface SdJwtParts {
  /** The issuer-signed JWT. */
  readonly jwt: string
  /** The Disclosures, in the order presented, as they travel (base64url). */
  readonly disclosures: readonly string[]
  /** The KB-JWT, when the SD-JWT ends with one. */
  readonly kbJwt?: string
  /** `<JWT>~<D1>~...~<Dn>~`: what a KB-JWT's `sd_hash` covers. */
  readonly sdJwt: string
}

export interface SplitSdJwtOptions {
  maxLength?: number
  maxDisclosures?: number
}

/**
 * Splits a compact SD-JWT (`<JWT>~<D1>~...~<Dn>~[KB-JWT]`). Counts separators before
 * anything else so an oversized token is refused before any decoding work.
 */
export function splitSdJwt(token: string, options: SplitSdJwtOptions = {}): SdJwtParts {
  if (typeof token !== 'string') throw new CivitasError('SD_JWT_INVALID', 'an SD-JWT must be a string')
  const opts = optionsRecord(options)
  // Checked: a NaN limit would compare false and switch its check off.
  const maxLength = limitOption(opts.maxLength, 'options.maxLength', DEFAULT_MAX_SD_JWT_LENGTH)
  if (token.length > maxLength) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `SD-JWT is ${token.length} characters, the limit is ${maxLength}`,
      {
        details: { length: token.length, maxLength },
      },
    )
  }
  const maxDisclosures = opts.maxDisclosures ?? DEFAULT_MAX_DISCLOSURES
  assertInteger(maxDisclosures, 'options.maxDisclosures', { min: 0 })
  let separators = 0
  for (let i = token.indexOf('~'); i !== -1; i = token.indexOf('~', i + 1)) {
    if (++separators > maxDisclosures + 1) {
      throw new CivitasError(
        'SD_TOO_MANY_DISCLOSURES',
        `SD-JWT carries more than ${maxDisclosures} Disclosures`,
        { details: { maxDisclosures } },
      )
    }
  }
  if (separators === 0) {
    throw new CivitasError('SD_JWT_INVALID', 'an SD-JWT has a "~" after the issuer-signed JWT')
  }
  const parts = token.split('~')
  const last = token.lastIndexOf('~')
  const disclosures = parts.slice(1, -1)
  if (disclosures.some((d) => d.length === 0)) {
    throw new CivitasError('SD_DISCLOSURE_INVALID', 'an SD-JWT contains an empty Disclosure ("~~")')
  }
  const kbJwt = parts.at(-1)!
  return {
    jwt: parts[0]!,
    disclosures,
    sdJwt: token.slice(0, last + 1),
    ...(kbJwt.length > 0 ? { kbJwt } : {}),
  }
}

function assertPart(value: unknown, name: string, nonEmpty: boolean): asserts value is string {
  assertString(value, name, { nonEmpty })
  if (value.includes('~')) {
    throw new CivitasError('INVALID_ARGUMENT', `${name} must not contain "~"`, {
      details: { argument: name },
    })
  }
}

/** Joins an issuer-signed JWT, Disclosures and an optional KB-JWT in compact form. */
export function joinSdJwt(jwt: string, disclosures: readonly string[], kbJwt = ''): string {
  // Each part must stay one part: a "~" inside one would shift every later Disclosure.
  assertPart(jwt, 'jwt', true)
  assertArray(disclosures, 'disclosures')
  for (const [i, d] of disclosures.entries()) assertPart(d, `disclosures[${i}]`, true)
  assertPart(kbJwt, 'kbJwt', false)
  return `${[jwt, ...disclosures].join('~')}~${kbJwt}`
}

import type { Resolvable } from 'did-resolver'
import {
  checkKeySource,
  signatureKeySource,
  verifySignatureWithKeySource,
} from '../credentials/issuer-signature.js'
import {
  checkClockSkew,
  checkJwtTimes,
  DEFAULT_CLOCK_SKEW_SECONDS,
  nowSeconds,
} from '../credentials/verification.js'
import { CivitasError } from '../errors/index.js'
import { decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import type { StatusList } from './packed-bits.js'
import { decodeTokenStatusList, encodeTokenStatusList } from './token-status-list.js'

/** `typ` of an IETF Status List Token in JWT form. */
export const STATUS_LIST_JWT_TYP = 'statuslist+jwt'

export interface IssueStatusListTokenInput {
  iss: string
  /** The list's URI: what Referenced Tokens carry in `status.status_list.uri`. */
  sub: string
  statuses: ArrayLike<number>
  bits: 1 | 2 | 4 | 8
  /** Seconds since the epoch; default now. */
  iat?: number
  exp?: number
  /** Seconds a relying party may cache the list. */
  ttl?: number
}

/** Signs an IETF Status List Token (`typ` statuslist+jwt) carrying the encoded list. */
export async function issueStatusListToken(
  input: IssueStatusListTokenInput,
  options: { signer: Signer; kid?: string },
): Promise<string> {
  if (typeof input?.iss !== 'string' || typeof input.sub !== 'string') {
    throw new CivitasError('INVALID_ARGUMENT', 'iss and sub must be strings')
  }
  for (const name of ['iat', 'exp', 'ttl'] as const) {
    const value = input[name]
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} must be a non-negative integer`)
    }
  }
  const kid = options.kid ?? options.signer?.kid
  return signJws(
    {
      iss: input.iss,
      sub: input.sub,
      iat: input.iat ?? Math.floor(Date.now() / 1000),
      ...(input.exp !== undefined ? { exp: input.exp } : {}),
      ...(input.ttl !== undefined ? { ttl: input.ttl } : {}),
      status_list: encodeTokenStatusList(input.statuses, { bits: input.bits }),
    },
    options.signer,
    { typ: STATUS_LIST_JWT_TYP, ...(kid !== undefined ? { kid } : {}) },
  )
}

export interface VerifyStatusListTokenOptions {
  publicJwk?: Jwk
  resolver?: Resolvable
  /** Required: the `status.status_list.uri` of the Referenced Token; the token's `sub` must equal it. */
  uri: string
  now?: Date | number
  clockSkewSeconds?: number
  algorithms?: readonly SignatureAlgorithm[]
}

/**
 * Verifies an IETF Status List Token and returns its list. Unlike credential verification
 * this throws (`STATUS_LIST_INVALID`, `SIGNATURE_INVALID`, `CREDENTIAL_EXPIRED`, ...): a
 * status that cannot be established must fail the caller's check closed.
 */
export async function verifyStatusListToken(
  token: string,
  options: VerifyStatusListTokenOptions,
): Promise<{ header: JwsHeader; payload: Record<string, unknown>; list: StatusList }> {
  checkKeySource(options ?? {}, 'publicJwk')
  // Fail closed: without the list the Referenced Token points at, a genuine token for any
  // other list of the same issuer (say, an all-valid one) would be accepted.
  if (typeof options.uri !== 'string' || options.uri.length === 0) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'uri is required: the status.status_list.uri of the Referenced Token, which the list token sub must equal',
    )
  }
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const decoded = decodeJws(token)
  const payload = parseJwtClaims(decoded.payload)
  if (decoded.header.typ !== STATUS_LIST_JWT_TYP) {
    throw new CivitasError('STATUS_LIST_INVALID', `a Status List Token has typ "${STATUS_LIST_JWT_TYP}"`)
  }
  await verifySignatureWithKeySource(
    token,
    decoded,
    signatureKeySource(options, payload.iss, 'assertionMethod'),
  )
  if (payload.sub !== options.uri) {
    throw new CivitasError(
      'STATUS_LIST_INVALID',
      'the Status List Token sub is not the referenced list URI',
      {
        details: { sub: payload.sub, uri: options.uri },
      },
    )
  }
  // iat is required (the freshness a relying party's caching rests on); exp and ttl are not.
  if (typeof payload.iat !== 'number') {
    throw new CivitasError('CLAIM_INVALID', 'Status List Token: iat must be a NumericDate')
  }
  const [timeError] = checkJwtTimes(payload, now, skew)
  if (timeError) throw new CivitasError(timeError.code, `Status List Token: ${timeError.message}`)
  const claim = payload.status_list
  if (claim === null || typeof claim !== 'object') {
    throw new CivitasError('STATUS_LIST_INVALID', 'the Status List Token has no status_list claim')
  }
  return {
    header: decoded.header,
    payload,
    list: decodeTokenStatusList(claim as { bits: unknown; lst: unknown }),
  }
}

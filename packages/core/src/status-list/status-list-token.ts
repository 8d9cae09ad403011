import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { type DecodedJws, decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Signer } from '../keys/signer.js'
import type { VerifiedSignature } from '../verification/key.js'
import { runPipeline, type VerifyOptions, withPipelineContext } from '../verification/pipeline.js'
import { toVerificationError, type VerificationError } from '../verification/result.js'
import { CREDENTIAL_VALIDITY, jwtTimeBounds } from '../verification/times.js'
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
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
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

export interface VerifyStatusListTokenOptions extends VerifyOptions {
  /** Required: the `status.status_list.uri` of the Referenced Token; the token's `sub` must equal it. */
  uri: string
  /** Largest inflated list accepted, bytes (see decodeTokenStatusList). */
  maxBytes?: number
}

export interface StatusListTokenVerificationResult {
  readonly verified: boolean
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  /** The list, only when the token verified: a status that cannot be established fails closed. */
  readonly list?: StatusList
  readonly signatures: readonly VerifiedSignature[]
  readonly errors: readonly VerificationError[]
}

interface ReadStatusListToken {
  readonly decoded: DecodedJws
  readonly payload: Record<string, unknown>
}

/**
 * Verifies an IETF Status List Token through the verification pipeline (`typ`, signature,
 * `iat` / `exp`, `sub` equal to the referenced `uri`, the list itself) and returns its list.
 * Never throws for a bad token: `verified: false` with the errors, and no `list`. Throws
 * `INVALID_ARGUMENT` for misuse, `uri` missing included: without the list the Referenced
 * Token points at, a genuine token for any other list of the same issuer would be accepted.
 */
export async function verifyStatusListToken(
  token: string,
  options: VerifyStatusListTokenOptions,
): Promise<StatusListTokenVerificationResult> {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  if (typeof options.uri !== 'string' || options.uri.length === 0) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'uri is required: the status.status_list.uri of the Referenced Token, which the list token sub must equal',
    )
  }
  return withPipelineContext(options, async (context) => {
    let list: StatusList | undefined
    const outcome = await runPipeline<ReadStatusListToken, undefined>(context, {
      readFallback: 'INVALID_JWS',
      read: () => {
        const decoded = decodeJws(token)
        const payload = parseJwtClaims(decoded.payload)
        if (decoded.header.typ !== STATUS_LIST_JWT_TYP) {
          throw new CivitasError(
            'STATUS_LIST_INVALID',
            `a Status List Token has typ "${STATUS_LIST_JWT_TYP}"`,
          )
        }
        return { decoded, payload }
      },
      signer: ({ decoded, payload }) => ({
        parts: [{ jws: token, decoded }],
        payload,
        signer: payload.iss,
        purpose: 'assertionMethod',
        role: 'issuer',
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat } : {}),
      }),
      times: ({ payload }, _, errors) => {
        // iat is required (the freshness a relying party's caching rests on); exp and ttl are not.
        if (payload.iat === undefined) {
          errors.push({ code: 'CLAIM_INVALID', message: 'Status List Token: iat is required', check: 'time' })
        }
        return jwtTimeBounds(payload, errors)
      },
      validity: CREDENTIAL_VALIDITY,
      checks: ({ payload }) => {
        if (payload.sub !== options.uri) {
          return [
            {
              code: 'STATUS_LIST_INVALID',
              message: 'the Status List Token sub is not the referenced list URI',
              check: 'binding',
            },
          ]
        }
        try {
          if (!isRecord(payload.status_list)) {
            throw new CivitasError('STATUS_LIST_INVALID', 'the Status List Token has no status_list claim')
          }
          list = decodeTokenStatusList(
            payload.status_list as { bits: unknown; lst: unknown },
            options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {},
          )
          return []
        } catch (error) {
          return [toVerificationError(error, 'STATUS_LIST_INVALID', 'format')]
        }
      },
    })
    const { read } = outcome
    if (read === undefined) return { verified: false, signatures: [], errors: outcome.errors }
    return {
      verified: outcome.verified,
      header: read.decoded.header,
      payload: read.payload,
      ...(outcome.verified && list !== undefined ? { list } : {}),
      signatures: outcome.signatures,
      errors: outcome.errors,
    }
  })
}

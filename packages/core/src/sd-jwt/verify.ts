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
  toVerificationError,
  type VerificationError,
} from '../credentials/verification.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import type { DecodedJws, JwsHeader } from '../jose/decode.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import { type DecodedSdJwt, type DisclosedClaim, decodeSdJwtParts, disclosedClaims } from './decode.js'
import { SD_JWT_VC_TYP } from './issue.js'
import { isSdJwtJson, type SdJwtJson, sdJwtFromJson } from './json-serialization.js'
import { DEFAULT_KB_MAX_AGE_SECONDS, type VerifiedKeyBinding, verifyKeyBindingJwt } from './key-binding.js'
import { DEFAULT_MAX_SD_JWT_LENGTH } from './serialization.js'
import { unpackClaims } from './unpack.js'

export interface VerifySdJwtOptions {
  /** Issuer public key. Either this or `resolver` (issuer `iss` is a DID, key by `kid`). */
  issuerJwk?: Jwk
  resolver?: Resolvable
  /** Evaluation time: a Date or seconds since the epoch. Default: now. */
  now?: Date | number
  clockSkewSeconds?: number
  /** Expected KB-JWT nonce and audience; giving either requires key binding. */
  nonce?: string
  audience?: string
  requireKeyBinding?: boolean
  /** Oldest acceptable KB-JWT `iat`, in seconds before `now`. Default 300. */
  keyBindingMaxAgeSeconds?: number
  /**
   * `sd-jwt-vc` (default): SD-JWT VC rules — `typ` dc+sd-jwt (or legacy vc+sd-jwt),
   * `vct`, `iss`, clear-text token claims. `sd-jwt`: any RFC 9901 SD-JWT.
   */
  profile?: 'sd-jwt-vc' | 'sd-jwt'
  algorithms?: readonly SignatureAlgorithm[]
  maxDisclosures?: number
  maxLength?: number
}

export type { DisclosedClaim }

export interface SdJwtVerificationResult {
  readonly verified: boolean
  readonly format: 'dc+sd-jwt' | 'sd-jwt'
  readonly header?: JwsHeader
  /** The issuer-signed payload as signed (digests, `_sd_alg`). */
  readonly payload?: Record<string, unknown>
  /** The processed claims: what the holder disclosed. Trust only when `verified`. */
  readonly claims?: Record<string, unknown>
  readonly disclosures?: readonly DisclosedClaim[]
  readonly keyBinding?: VerifiedKeyBinding
  readonly errors: readonly VerificationError[]
}

const SD_JWT_VC_TYPES = new Set([SD_JWT_VC_TYP, 'vc+sd-jwt'])
const CLEAR_TEXT_ONLY = new Set(['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status'])

/** A JSON-serialized SD-JWT that arrived as text (e.g. an HTTP body). */
function parseJsonSerialization(token: string, maxLength = DEFAULT_MAX_SD_JWT_LENGTH): unknown {
  if (token.length > maxLength) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `SD-JWT is ${token.length} characters, the limit is ${maxLength}`,
    )
  }
  try {
    return JSON.parse(token)
  } catch (cause) {
    throw new CivitasError('SD_JWT_INVALID', 'an SD-JWT starting with "{" must be JWS JSON Serialization', {
      cause,
    })
  }
}

function checkOptions(options: VerifySdJwtOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  }
  checkKeySource({ publicJwk: options.issuerJwk, resolver: options.resolver }, 'issuerJwk')
  for (const name of ['nonce', 'audience'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'string') {
      throw new CivitasError('INVALID_ARGUMENT', `${name} must be a string`)
    }
  }
  if (options.requireKeyBinding !== undefined && typeof options.requireKeyBinding !== 'boolean') {
    throw new CivitasError('INVALID_ARGUMENT', 'requireKeyBinding must be a boolean')
  }
  // A nonce or audience is only checked inside a KB-JWT: without one it would go unchecked.
  if (
    options.requireKeyBinding === false &&
    (options.nonce !== undefined || options.audience !== undefined)
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'nonce and audience need key binding: drop requireKeyBinding: false',
    )
  }
  // A NaN or negative limit would compare false and switch its check off.
  for (const name of ['maxDisclosures', 'maxLength', 'keyBindingMaxAgeSeconds'] as const) {
    const value = options[name]
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} must be a non-negative integer`)
    }
  }
  if (options.profile !== undefined && options.profile !== 'sd-jwt-vc' && options.profile !== 'sd-jwt') {
    throw new CivitasError('INVALID_ARGUMENT', 'profile must be "sd-jwt-vc" or "sd-jwt"')
  }
}

function sdJwtVcErrors(
  header: JwsHeader,
  payload: Record<string, unknown>,
  placements: Iterable<string>,
): VerificationError[] {
  const errors: VerificationError[] = []
  if (typeof header.typ !== 'string' || !SD_JWT_VC_TYPES.has(header.typ)) {
    errors.push({
      code: 'FORMAT_MISMATCH',
      message: `typ must be "${SD_JWT_VC_TYP}", got ${describeValue(header.typ)}`,
    })
  }
  if (typeof payload.vct !== 'string' || payload.vct.length === 0) {
    errors.push({ code: 'CLAIM_INVALID', message: 'vct must be a non-empty string' })
  }
  if (typeof payload.iss !== 'string' || payload.iss.length === 0) {
    errors.push({ code: 'CLAIM_INVALID', message: 'iss must be a non-empty string' })
  }
  if (payload.cnf !== undefined && !(isRecord(payload.cnf) && isRecord(payload.cnf.jwk))) {
    errors.push({ code: 'CLAIM_INVALID', message: 'cnf must carry a jwk' })
  }
  if (payload.status !== undefined) {
    const list = isRecord(payload.status) ? payload.status.status_list : undefined
    if (
      list !== undefined &&
      !(
        isRecord(list) &&
        Number.isSafeInteger(list.idx) &&
        (list.idx as number) >= 0 &&
        typeof list.uri === 'string'
      )
    ) {
      errors.push({
        code: 'CLAIM_INVALID',
        message: 'status.status_list must be { idx: integer, uri: string }',
      })
    }
  }
  for (const path of placements) {
    const top = path.split('/')[1]
    if (path.split('/').length === 2 && top !== undefined && CLEAR_TEXT_ONLY.has(top)) {
      errors.push({
        code: 'SD_DISCLOSURE_INVALID',
        message: `${describeValue(top)} must not be selectively disclosed`,
      })
    }
  }
  return errors
}

/**
 * Verifies an SD-JWT VC (or, with `profile: 'sd-jwt'`, any RFC 9901 SD-JWT) as a verifier
 * does (RFC 9901 §7): issuer signature, Disclosures, time claims, KB-JWT. Never throws for
 * a bad token: problems come back in `errors` with `verified: false`. Throws only for
 * misuse (`INVALID_ARGUMENT`).
 */
export async function verifySdJwt(
  token: string | SdJwtJson,
  options: VerifySdJwtOptions,
): Promise<SdJwtVerificationResult> {
  return verifySdJwtSignedBy(token, options, (payload) => ({ did: payload.iss, purpose: 'assertionMethod' }))
}

/**
 * Who must have signed an SD-JWT, read from its signed payload: `iss` for SD-JWT VC, but
 * `issuer` for a W3C credential (vc+sd-jwt) and the holder (authentication) for a presentation.
 */
export type SdJwtSignerOf = (
  payload: Record<string, unknown>,
  header: JwsHeader,
) => {
  did: unknown
  purpose: 'assertionMethod' | 'authentication'
}

/** verifySdJwt with the signer named by `signerOf` (internal: the vc+sd-jwt / vp+sd-jwt paths). */
export async function verifySdJwtSignedBy(
  token: string | SdJwtJson,
  options: VerifySdJwtOptions,
  signerOf: SdJwtSignerOf,
): Promise<SdJwtVerificationResult> {
  checkOptions(options)
  const profile = options.profile ?? 'sd-jwt-vc'
  const format: SdJwtVerificationResult['format'] = profile === 'sd-jwt-vc' ? 'dc+sd-jwt' : 'sd-jwt'
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const requireKeyBinding =
    options.requireKeyBinding ?? (options.nonce !== undefined || options.audience !== undefined)

  let decoded: DecodedSdJwt
  // JWS JSON Serialization: the other signatures of a General JSON SD-JWT.
  let otherJwts: readonly string[] = []
  let otherSignatures: readonly DecodedJws[] = []
  try {
    let compact: unknown = token
    if (typeof token === 'string' && token.startsWith('{'))
      compact = parseJsonSerialization(token, options.maxLength)
    if (isSdJwtJson(compact)) {
      const fromJson = sdJwtFromJson(compact, {
        ...(options.maxDisclosures !== undefined ? { maxDisclosures: options.maxDisclosures } : {}),
        ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
      })
      compact = fromJson.compact
      otherJwts = fromJson.otherJwts
      otherSignatures = fromJson.otherSignatures
    }
    decoded = decodeSdJwtParts(compact as string, {
      ...(options.maxDisclosures !== undefined ? { maxDisclosures: options.maxDisclosures } : {}),
      ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
    })
  } catch (error) {
    return { verified: false, format, errors: [toVerificationError(error, 'SD_JWT_INVALID')] }
  }
  const { payload, parts } = decoded
  const fail = (errors: VerificationError[], extra: Partial<SdJwtVerificationResult> = {}) =>
    ({
      verified: false,
      format,
      header: decoded.header,
      payload,
      ...extra,
      errors,
    }) as SdJwtVerificationResult

  const signer = signerOf(payload, decoded.header)
  const keySource = signatureKeySource(
    { publicJwk: options.issuerJwk, resolver: options.resolver, algorithms: options.algorithms },
    signer.did,
    signer.purpose,
  )
  // With several issuer signatures (General JSON), one by the issuer's key suffices, and
  // its protected header is the one that counts: the others' (typ included) are unsigned.
  let header: JwsHeader | undefined
  let signatureError: unknown
  // Further signatures come decoded: the payload was decoded once for all of them.
  for (const [i, jws] of [decoded.jws, ...otherSignatures].entries()) {
    try {
      await verifySignatureWithKeySource(i === 0 ? parts.jwt : otherJwts[i - 1]!, jws, keySource)
      header = jws.header
      break
    } catch (error) {
      signatureError ??= error
    }
  }
  if (header === undefined) return fail([toVerificationError(signatureError, 'SIGNATURE_INVALID')])

  let claims: Record<string, unknown>
  let disclosures: DisclosedClaim[]
  let placements: ReadonlyMap<unknown, string>
  try {
    const unpacked = unpackClaims(payload, decoded.disclosures)
    claims = unpacked.claims
    placements = unpacked.placements
    disclosures = disclosedClaims(decoded.disclosures, unpacked.placements)
  } catch (error) {
    return fail([toVerificationError(error, 'SD_JWT_INVALID')])
  }

  // The processed claims: RFC 9901 lets a plain SD-JWT make exp or nbf selectively
  // disclosable, and a disclosed one binds as much as a clear-text one.
  const errors: VerificationError[] = [...checkJwtTimes(claims, now, skew)]
  if (profile === 'sd-jwt-vc') errors.push(...sdJwtVcErrors(header, payload, placements.values()))

  let keyBinding: VerifiedKeyBinding | undefined
  if (parts.kbJwt === undefined) {
    if (requireKeyBinding) errors.push({ code: 'KB_JWT_MISSING', message: 'a key-binding JWT is required' })
  } else {
    const cnf = payload.cnf
    if (!isRecord(cnf) || !isRecord(cnf.jwk)) {
      errors.push({ code: 'KB_JWT_INVALID', message: 'a KB-JWT is present but the SD-JWT has no cnf.jwk' })
    } else {
      try {
        keyBinding = await verifyKeyBindingJwt(parts.kbJwt, parts.sdJwt, decoded.hashAlg, {
          holderJwk: cnf.jwk as Jwk,
          ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
          ...(options.audience !== undefined ? { audience: options.audience } : {}),
          now,
          maxAgeSeconds: options.keyBindingMaxAgeSeconds ?? DEFAULT_KB_MAX_AGE_SECONDS,
          clockSkewSeconds: skew,
          ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
        })
      } catch (error) {
        errors.push(toVerificationError(error, 'KB_JWT_INVALID'))
      }
    }
  }
  const result = {
    format,
    header,
    payload,
    claims,
    disclosures,
    ...(keyBinding !== undefined ? { keyBinding } : {}),
  }
  return errors.length > 0 ? fail(errors, result) : { verified: true, ...result, errors: [] }
}

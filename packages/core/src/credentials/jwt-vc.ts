import type { Resolvable } from 'did-resolver'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, isRecord, limitOption } from '../guards/index.js'
import { type DecodedJws, decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import { createDeadline, DEFAULT_VERIFICATION_TIMEOUT_MS, type Deadline } from '../verification/deadline.js'
import {
  type CredentialProfile,
  idOf,
  VALID_FROM_MEMBERS,
  VALID_UNTIL_MEMBERS,
  validateCredential,
  xsdDateTimeToSeconds,
} from './data-model.js'
import { checkEbsiCredentialJwt } from './ebsi.js'
import { checkKeySource, signatureKeySource, verifySignatureWithKeySource } from './issuer-signature.js'
import {
  CREDENTIAL_VALIDITY,
  checkClockSkew,
  checkValidity,
  DEFAULT_CLOCK_SKEW_SECONDS,
  jwtTimeBounds,
  nowSeconds,
  numericDateToXsd,
  type TimeBound,
  toVerificationError,
  type VerificationError,
} from './verification.js'

/** `jwt_vc_json`: VCDM 1.1 in a JWT `vc` claim. `vc+jwt`: VCDM 2.0 secured with vc-jose-cose. */
export type JwtCredentialFormat = 'jwt_vc_json' | 'vc+jwt'

export const VC_JWT_TYP = 'vc+jwt'

export type Credential = Record<string, unknown>

export interface IssueJwtVcOptions {
  format: JwtCredentialFormat
  signer: Signer
  /** Key id for the JWS header, typically the issuer's DID URL. Default: `signer.kid`. */
  kid?: string
  /** Extra rules checked before signing. */
  profile?: CredentialProfile
  /**
   * `iat` for `jwt_vc_json`, seconds since the epoch. Default: the credential's `issued`
   * (EBSI), else now. Passing one that differs from `issued` is `INVALID_ARGUMENT`.
   */
  iat?: number
}

/**
 * The NumericDate of a credential date member; a present date no JWT claim can hold is an
 * error, never a missing claim (a dropped `exp` would make the credential valid forever).
 */
function numericDateOf(credential: Credential, member: string): number | undefined {
  const value = credential[member]
  if (value === undefined) return undefined
  const seconds = xsdDateTimeToSeconds(value)
  if (seconds === undefined || !Number.isSafeInteger(seconds)) {
    throw new CivitasError('CREDENTIAL_INVALID', `${member} cannot be expressed as a JWT NumericDate`)
  }
  return seconds
}

/** The strictest of several bounds: the latest start, or the earliest end. */
function strictest(
  bounds: (number | undefined)[],
  pick: (a: number, b: number) => number,
): number | undefined {
  const present = bounds.filter((b): b is number => b !== undefined)
  return present.length === 0 ? undefined : present.reduce((a, b) => pick(a, b))
}

function singleSubjectId(credential: Credential): string | undefined {
  const subject = credential.credentialSubject
  return isRecord(subject) && typeof subject.id === 'string' ? subject.id : undefined
}

/**
 * `iat`: when the credential says when it was issued (`issued`, which EBSI requires and
 * compares with `iat`), that instant; otherwise `options.iat`, or now.
 */
function issuedAt(credential: Credential, optionIat: number | undefined): number {
  if (optionIat !== undefined) assertInteger(optionIat, 'options.iat', { min: 0 })
  const issued = numericDateOf(credential, 'issued')
  if (issued === undefined) return optionIat ?? Math.floor(Date.now() / 1000)
  if (optionIat !== undefined && optionIat !== issued) {
    throw new CivitasError('INVALID_ARGUMENT', "options.iat differs from the credential's issued date")
  }
  return issued
}

/**
 * VCDM 1.1 §6.3.1 JWT encoding: `iss` ← issuer, `sub` ← credentialSubject.id, `jti` ← id,
 * `nbf` ← issuanceDate, `exp` ← expirationDate. EBSI's credentials also carry `validFrom` /
 * `validUntil`: when several members bound validity the strictest holds, so `nbf` is the
 * latest start and `exp` the earliest end (a credential that says expirationDate 2021 and
 * validUntil 2099 expired in 2021). The `vc` claim keeps the whole credential, as EBSI does,
 * so both readings agree.
 */
function vcdm11Claims(credential: Credential, iat: number): Record<string, unknown> {
  const claims: Record<string, unknown> = { iss: idOf(credential.issuer) }
  const sub = singleSubjectId(credential)
  if (sub !== undefined) claims.sub = sub
  if (typeof credential.id === 'string') claims.jti = credential.id
  const nbf = strictest(
    [numericDateOf(credential, 'issuanceDate'), numericDateOf(credential, 'validFrom')],
    Math.max,
  )
  if (nbf !== undefined) claims.nbf = nbf
  claims.iat = iat
  const exp = strictest(
    [numericDateOf(credential, 'expirationDate'), numericDateOf(credential, 'validUntil')],
    Math.min,
  )
  if (exp !== undefined) claims.exp = exp
  claims.vc = credential
  return claims
}

function throwIfInvalid(errors: VerificationError[]): void {
  if (errors.length > 0) {
    throw new CivitasError(errors[0]!.code, errors.map((e) => e.message).join('; '), { details: { errors } })
  }
}

/**
 * Signs a credential as a JWT. `jwt_vc_json`: VCDM 1.1 credential in the `vc` claim with
 * the registered claims mapped from it. `vc+jwt`: the VCDM 2.0 credential is the payload,
 * `typ` vc+jwt. The credential is checked against its data model first (`CREDENTIAL_INVALID`).
 */
export async function issueJwtVc(credential: Credential, options: IssueJwtVcOptions): Promise<string> {
  if (!isRecord(credential)) throw new CivitasError('INVALID_ARGUMENT', 'credential must be an object')
  if (!options?.signer) throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  const format = options.format
  if (format !== 'jwt_vc_json' && format !== 'vc+jwt') {
    throw new CivitasError('INVALID_ARGUMENT', 'format must be "jwt_vc_json" or "vc+jwt"')
  }
  const version = format === 'jwt_vc_json' ? '1.1' : '2.0'
  throwIfInvalid(
    validateCredential(credential, { version, ...(options.profile ? { profile: options.profile } : {}) }),
  )
  const kid = options.kid ?? options.signer.kid
  if (format === 'vc+jwt') {
    if ('vc' in credential || 'vp' in credential) {
      throw new CivitasError(
        'FORMAT_MISMATCH',
        'a vc+jwt payload is the credential itself: no vc or vp claim',
      )
    }
    return signJws(credential, options.signer, { typ: VC_JWT_TYP, ...(kid !== undefined ? { kid } : {}) })
  }
  const claims = vcdm11Claims(credential, issuedAt(credential, options.iat))
  const header = { typ: 'JWT', ...(kid !== undefined ? { kid } : {}) }
  // EBSI's verifier compares every registered claim with the credential: check the JWT as it
  // will read it, so core never signs an EBSI credential that EBSI refuses.
  if (options.profile === 'ebsi')
    throwIfInvalid(checkEbsiCredentialJwt({ ...header, alg: options.signer.alg }, claims))
  return signJws(claims, options.signer, header)
}

export interface VerifyJwtVcOptions {
  /** Issuer key. Either this or `resolver` (issuer DID, key by `kid`, assertionMethod). */
  publicJwk?: Jwk
  resolver?: Resolvable
  /** Evaluation time: a Date or seconds since the epoch. Default: now. */
  now?: Date | number
  clockSkewSeconds?: number
  /** Accept only this format. */
  format?: JwtCredentialFormat
  profile?: CredentialProfile
  algorithms?: readonly SignatureAlgorithm[]
  /** Overall deadline in ms (default 20,000); past it, `VERIFICATION_TIMEOUT`. */
  timeoutMs?: number
}

export interface JwtVcVerificationResult {
  readonly verified: boolean
  readonly format?: JwtCredentialFormat
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  /** The credential as the data model reads it (1.1: `vc` with the JWT claims mapped back). */
  readonly credential?: Credential
  readonly errors: readonly VerificationError[]
}

/** Which format a decoded JWT claims to be; `FORMAT_MISMATCH` when it mixes them. */
function detectCredentialFormat(
  header: JwsHeader,
  payload: Record<string, unknown>,
  claim: 'vc' | 'vp',
): JwtCredentialFormat {
  const typ = claim === 'vc' ? VC_JWT_TYP : 'vp+jwt'
  // Earlier vc-jose-cose drafts registered vc+ld+jwt / vc+ld+json+jwt; tokens with them circulate.
  const base = claim === 'vc' ? 'vc' : 'vp'
  if (header.typ === typ || header.typ === `${base}+ld+jwt` || header.typ === `${base}+ld+json+jwt`) {
    if (claim in payload || (claim === 'vc' ? 'vp' : 'vc') in payload) {
      throw new CivitasError('FORMAT_MISMATCH', `a ${typ} must not carry a "vc" or "vp" claim`)
    }
    return 'vc+jwt'
  }
  if (isRecord(payload[claim])) {
    if (header.typ !== undefined && header.typ !== 'JWT') {
      throw new CivitasError(
        'FORMAT_MISMATCH',
        `a JWT with a "${claim}" claim has typ ${describeValue(header.typ)}`,
      )
    }
    return 'jwt_vc_json'
  }
  throw new CivitasError(
    'FORMAT_MISMATCH',
    `neither a "${claim}" claim (jwt_vc_json) nor typ "${typ}" (VCDM 2.0 vc-jose-cose)`,
  )
}

/** A credential or presentation JWT read far enough to verify, or why it cannot be. */
export type ReadCredentialJwt =
  | {
      readonly decoded: DecodedJws
      readonly header: JwsHeader
      readonly payload: Record<string, unknown>
      readonly format: JwtCredentialFormat
    }
  | {
      readonly error: VerificationError
      /** What could be read before the error, for the result. */
      readonly partial: { header?: JwsHeader; payload?: Record<string, unknown> }
    }

/** Decodes a credential (`vc`) or presentation (`vp`) JWT and tells its format; never throws. */
export function readCredentialJwt(
  token: string,
  claim: 'vc' | 'vp',
  expected: JwtCredentialFormat | undefined,
): ReadCredentialJwt {
  let decoded: DecodedJws
  let payload: Record<string, unknown>
  try {
    decoded = decodeJws(token)
    payload = parseJwtClaims(decoded.payload)
  } catch (error) {
    return { error: toVerificationError(error, 'INVALID_JWS'), partial: {} }
  }
  const header = decoded.header
  try {
    const format = detectCredentialFormat(header, payload, claim)
    if (expected !== undefined && expected !== format) {
      throw new CivitasError('FORMAT_MISMATCH', `expected ${expected}, got ${format}`)
    }
    return { decoded, header, payload, format }
  } catch (error) {
    return { error: toVerificationError(error, 'FORMAT_MISMATCH'), partial: { header, payload } }
  }
}

/** VCDM 1.1 §6.3.1 decoding: rebuild the credential from `vc` and the registered claims. */
function credentialFromVcdm11(payload: Record<string, unknown>, errors: VerificationError[]): Credential {
  const vc = { ...(payload.vc as Credential) }
  const mismatch = (member: string, claim: string) =>
    errors.push({ code: 'CLAIM_INVALID', message: `${member} in vc differs from the JWT "${claim}" claim` })
  if (payload.iss !== undefined) {
    if (vc.issuer === undefined) vc.issuer = payload.iss
    else if (idOf(vc.issuer) !== payload.iss) mismatch('issuer', 'iss')
  }
  if (payload.jti !== undefined) {
    if (vc.id === undefined) vc.id = payload.jti
    else if (vc.id !== payload.jti) mismatch('id', 'jti')
  }
  if (payload.sub !== undefined) {
    // VCDM 1.1 §6.3.1: `sub` is the id of the credential subject. With several subjects it
    // names every one of them: each subject's id must equal it (one without an id gets it).
    const subjects = vc.credentialSubject
    const withSub = (subject: unknown) => {
      if (!isRecord(subject)) return subject
      if (subject.id === undefined) return { ...subject, id: payload.sub }
      if (subject.id !== payload.sub) mismatch('credentialSubject.id', 'sub')
      return subject
    }
    if (Array.isArray(subjects)) vc.credentialSubject = subjects.map(withSub)
    else if (isRecord(subjects)) vc.credentialSubject = withSub(subjects)
  }
  const nbf =
    typeof payload.nbf === 'number' ? payload.nbf : typeof payload.iat === 'number' ? payload.iat : undefined
  // A claim no Date can hold maps to nothing: the data model then reports the missing member.
  const issued = nbf === undefined ? undefined : numericDateToXsd(nbf)
  if (vc.issuanceDate === undefined && issued !== undefined) vc.issuanceDate = issued
  const expires = typeof payload.exp === 'number' ? numericDateToXsd(payload.exp) : undefined
  if (vc.expirationDate === undefined && expires !== undefined) vc.expirationDate = expires
  return vc
}

/**
 * The validity bounds a credential states: `validFrom` / `issuanceDate` open it, `validUntil`
 * / `expirationDate` close it, whichever data model version they come from. Unreadable dates
 * are left to the data model check, which reports them.
 */
function credentialTimeBounds(credential: Credential): TimeBound[] {
  const bounds: TimeBound[] = []
  for (const name of VALID_FROM_MEMBERS) {
    const seconds = xsdDateTimeToSeconds(credential[name])
    if (seconds !== undefined) bounds.push({ name, kind: 'notBefore', seconds })
  }
  for (const name of VALID_UNTIL_MEMBERS) {
    const seconds = xsdDateTimeToSeconds(credential[name])
    if (seconds !== undefined) bounds.push({ name, kind: 'notAfter', seconds })
  }
  return bounds
}

/**
 * Verifies a credential JWT of either format: signature (explicit key or the issuer's
 * DID), registered time claims, VCDM validity period, data model, and the consistency of
 * the 1.1 claim mapping. Never throws for a bad token; throws only for API misuse.
 */
export async function verifyJwtVc(
  token: string,
  options: VerifyJwtVcOptions = {},
): Promise<JwtVcVerificationResult> {
  if (options === null || typeof options !== 'object')
    throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  checkKeySource(options, 'publicJwk')
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const timeoutMs = limitOption(options.timeoutMs, 'options.timeoutMs', DEFAULT_VERIFICATION_TIMEOUT_MS)
  const deadline = createDeadline(timeoutMs)
  try {
    return await verifyJwtVcWithin(token, options, { now, skew, deadline })
  } finally {
    deadline.dispose()
  }
}

/** What a presentation shares with the credentials it encloses: one clock, one deadline. */
export interface VerificationScope {
  readonly now: number
  readonly skew: number
  readonly deadline: Deadline
}

/** {@link verifyJwtVc} with options already checked, inside a caller's scope. */
export async function verifyJwtVcWithin(
  token: string,
  options: VerifyJwtVcOptions,
  { now, skew, deadline }: VerificationScope,
): Promise<JwtVcVerificationResult> {
  const read = readCredentialJwt(token, 'vc', options.format)
  if ('error' in read) return { verified: false, ...read.partial, errors: [read.error] }
  const { decoded, header, payload, format } = read

  const errors: VerificationError[] = []
  const credential = format === 'jwt_vc_json' ? credentialFromVcdm11(payload, errors) : payload
  if (format === 'vc+jwt' && payload.iss !== undefined && payload.iss !== idOf(credential.issuer)) {
    // A JWT claim naming another issuer than the credential would let two readings disagree.
    errors.push({ code: 'CLAIM_INVALID', message: 'the JWT "iss" claim differs from the credential issuer' })
  }
  if (format === 'vc+jwt' && payload.sub !== undefined) {
    // The same rule as the 1.1 mapping: `sub` names every subject, so each must carry it as id.
    const subjects = Array.isArray(credential.credentialSubject)
      ? credential.credentialSubject
      : [credential.credentialSubject]
    if (!subjects.every((subject) => isRecord(subject) && subject.id === payload.sub)) {
      errors.push({
        code: 'CLAIM_INVALID',
        message: 'the JWT "sub" claim is not the id of every credential subject',
      })
    }
  }
  const issuer = format === 'jwt_vc_json' ? (payload.iss ?? idOf(credential.issuer)) : idOf(credential.issuer)
  try {
    await deadline.race(
      verifySignatureWithKeySource(token, decoded, signatureKeySource(options, issuer, 'assertionMethod')),
    )
  } catch (error) {
    return {
      verified: false,
      format,
      header,
      payload,
      errors: [toVerificationError(error, 'SIGNATURE_INVALID')],
    }
  }
  // The JWT claims and the credential's dates bound one window; the strictest bound holds.
  const bounds = [...jwtTimeBounds(payload, errors), ...credentialTimeBounds(credential)]
  const timeErrors = checkValidity(bounds, now, skew, CREDENTIAL_VALIDITY)
  errors.push(...timeErrors)
  const ordered = timeErrors.some((e) => e.code === 'TIME_ORDER_INVALID')
  errors.push(
    ...validateCredential(credential, {
      version: format === 'jwt_vc_json' ? '1.1' : '2.0',
      ...(options.profile ? { profile: options.profile } : {}),
    }).filter((e) => !(ordered && e.code === 'TIME_ORDER_INVALID')),
  )
  if (options.profile === 'ebsi' && format === 'jwt_vc_json')
    errors.push(...checkEbsiCredentialJwt(header, payload))
  return { verified: errors.length === 0, format, header, payload, credential, errors }
}

import { assertJsonValue, DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, isRecord } from '../guards/index.js'
import type { JwsHeader } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Signer } from '../keys/signer.js'
import type { SignerSpec, VerifiedSignature } from '../verification/key.js'
import {
  type PipelineContext,
  runPipeline,
  type VerifyOptions,
  withPipelineContext,
} from '../verification/pipeline.js'
import type { VerificationError } from '../verification/result.js'
import { type StatusEntry, w3cStatusEntries } from '../verification/status-entry.js'
import { CREDENTIAL_VALIDITY, jwtTimeBounds } from '../verification/times.js'
import {
  type CredentialProfile,
  idOf,
  validateCredential,
  validateCredentialStatus,
  xsdDateTimeToSeconds,
} from './data-model.js'
import { checkEbsiCredentialJwt } from './ebsi.js'
import {
  type Credential,
  credentialSigner,
  credentialTimeBounds,
  issuedAtOf,
  type JwtCredentialFormat,
  readCredentialClaims,
  readJwt,
  VC_JWT_TYP,
} from './read.js'

export { type Credential, type JwtCredentialFormat, VC_JWT_TYP } from './read.js'

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
 * The JWT payload {@link issueJwtVc} signs, checked as it checks it, without signing: the
 * credential against its data model (`CREDENTIAL_INVALID`, `TIME_ORDER_INVALID`), the
 * format's rules, the `jwt_vc_json` claims mapped from it, and a payload that is JSON a signer
 * may sign. Throws what `issueJwtVc` throws, so an issuer can refuse a credential before it
 * spends anything on it (a status index). The EBSI header rules need the signer: `issueJwtVc`
 * checks them.
 */
export function jwtVcPayload(
  credential: Credential,
  options: Pick<IssueJwtVcOptions, 'format' | 'profile' | 'iat'>,
): Record<string, unknown> {
  if (!isRecord(credential)) throw new CivitasError('INVALID_ARGUMENT', 'credential must be an object')
  const format = options?.format
  if (format !== 'jwt_vc_json' && format !== 'vc+jwt') {
    throw new CivitasError('INVALID_ARGUMENT', 'format must be "jwt_vc_json" or "vc+jwt"')
  }
  const version = format === 'jwt_vc_json' ? '1.1' : '2.0'
  throwIfInvalid(
    validateCredential(credential, { version, ...(options.profile ? { profile: options.profile } : {}) }),
  )
  if (format === 'vc+jwt' && ('vc' in credential || 'vp' in credential)) {
    throw new CivitasError('FORMAT_MISMATCH', 'a vc+jwt payload is the credential itself: no vc or vp claim')
  }
  const payload =
    format === 'vc+jwt' ? credential : vcdm11Claims(credential, issuedAt(credential, options.iat))
  // What signJws refuses to serialise (a BigInt, bytes, nesting too deep), refused here already.
  assertJsonValue(payload, DEFAULT_MAX_JSON_DEPTH, 'INVALID_ARGUMENT', 'payload')
  return payload
}

/**
 * A credential JWT checked as {@link issueJwtVc} checks it, not signed yet: what
 * {@link prepareJwtVc} returns and {@link signJwtVc} signs.
 */
export interface PreparedJwtVc {
  readonly format: JwtCredentialFormat
}

interface PreparedState {
  /**
   * The checked payload serialised at once, without its `credentialStatus` (spliced back in at
   * signing): text cannot change after the check, whatever the caller does to its objects.
   */
  head: string
  /** The prepared `credentialStatus` as JSON text, when it had one. */
  status: string | undefined
  format: JwtCredentialFormat
  profile: CredentialProfile | undefined
}

// Only what prepareJwtVc made is signed: an object built elsewhere skipped its checks.
const preparedJwtVcs = new WeakMap<PreparedJwtVc, PreparedState>()

/** Where `credentialStatus` sits: the payload itself (vc+jwt) or its `vc` claim, its last member (jwt_vc_json). */
const CLOSING = { 'vc+jwt': '}', jwt_vc_json: '}}' } as const

/**
 * Everything {@link issueJwtVc} does before it signs (see {@link jwtVcPayload}), kept so that
 * {@link signJwtVc} signs it without checking it again: an issuer checks a credential with
 * stand-in status entries before it draws a status index, then signs it with the drawn ones.
 * The checked payload is serialised here: what the caller changes afterwards is not signed.
 */
export function prepareJwtVc(
  credential: Credential,
  options: Pick<IssueJwtVcOptions, 'format' | 'profile' | 'iat'>,
): PreparedJwtVc {
  const payload = jwtVcPayload(credential, options)
  const format = options.format
  // Serialised right after the check, with no await between: the text is what was checked.
  const holder = (format === 'vc+jwt' ? payload : payload.vc) as Record<string, unknown>
  const { credentialStatus, ...rest } = holder
  const head = JSON.stringify(format === 'vc+jwt' ? rest : { ...payload, vc: rest })
  if (!head.endsWith(CLOSING[format])) {
    throw new CivitasError('INVALID_ARGUMENT', 'the credential cannot be serialised as a JWT payload')
  }
  const status = credentialStatus === undefined ? undefined : JSON.stringify(credentialStatus)
  const prepared: PreparedJwtVc = Object.freeze({ format })
  preparedJwtVcs.set(prepared, { head, status, format, profile: options.profile })
  return prepared
}

export interface SignJwtVcOptions {
  signer: Signer
  /** Key id for the JWS header. Default: `signer.kid`. */
  kid?: string
  /**
   * Replaces the prepared credential's `credentialStatus` (checked as the data model checks
   * it: `CREDENTIAL_INVALID`); nothing else of the prepared credential changes.
   */
  credentialStatus?: unknown
}

/** Signs what {@link prepareJwtVc} prepared, with `options.credentialStatus` in place if given. */
export async function signJwtVc(prepared: PreparedJwtVc, options: SignJwtVcOptions): Promise<string> {
  const state = preparedJwtVcs.get(prepared)
  if (state === undefined) throw new CivitasError('INVALID_ARGUMENT', 'prepared must come from prepareJwtVc')
  if (!isRecord(options) || !options.signer)
    throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  let status = state.status
  if (options.credentialStatus !== undefined) {
    const replacement = options.credentialStatus
    const version = state.format === 'jwt_vc_json' ? '1.1' : '2.0'
    throwIfInvalid(
      validateCredentialStatus(replacement, {
        version,
        ...(state.profile ? { profile: state.profile } : {}),
      }),
    )
    // Two levels below the payload's root in jwt_vc_json (vc.credentialStatus), one in vc+jwt.
    const depth = DEFAULT_MAX_JSON_DEPTH - (state.format === 'jwt_vc_json' ? 2 : 1)
    assertJsonValue(replacement, depth, 'INVALID_ARGUMENT', 'credentialStatus')
    // Serialised at once, as in prepareJwtVc: the text is what was checked.
    status = JSON.stringify(replacement)
  }
  const closing = CLOSING[state.format]
  const body = state.head.slice(0, -closing.length)
  const joiner = body.endsWith('{') ? '' : ','
  const payload = status === undefined ? state.head : `${body}${joiner}"credentialStatus":${status}${closing}`
  const kid = options.kid ?? options.signer.kid
  if (state.format === 'vc+jwt') {
    return signJws(payload, options.signer, { typ: VC_JWT_TYP, ...(kid !== undefined ? { kid } : {}) })
  }
  const header = { typ: 'JWT', ...(kid !== undefined ? { kid } : {}) }
  // EBSI's verifier compares every registered claim with the credential: check the JWT as it
  // will read it, so core never signs an EBSI credential that EBSI refuses.
  if (state.profile === 'ebsi')
    throwIfInvalid(
      checkEbsiCredentialJwt(
        { ...header, alg: options.signer.alg },
        JSON.parse(payload) as Record<string, unknown>,
      ),
    )
  return signJws(payload, options.signer, header)
}

/**
 * Signs a credential as a JWT. `jwt_vc_json`: VCDM 1.1 credential in the `vc` claim with
 * the registered claims mapped from it. `vc+jwt`: the VCDM 2.0 credential is the payload,
 * `typ` vc+jwt. The credential is checked against its data model first (`CREDENTIAL_INVALID`,
 * see {@link jwtVcPayload}).
 */
export async function issueJwtVc(credential: Credential, options: IssueJwtVcOptions): Promise<string> {
  if (!isRecord(credential)) throw new CivitasError('INVALID_ARGUMENT', 'credential must be an object')
  if (!options?.signer) throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  return signJwtVc(prepareJwtVc(credential, options), {
    signer: options.signer,
    ...(options.kid !== undefined ? { kid: options.kid } : {}),
  })
}

export interface VerifyJwtVcOptions extends VerifyOptions {
  /** Accept only this format. */
  format?: JwtCredentialFormat
  profile?: CredentialProfile
}

export interface JwtVcVerificationResult {
  readonly verified: boolean
  readonly format?: JwtCredentialFormat
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  /** The credential as the data model reads it (1.1: `vc` with the JWT claims mapped back). */
  readonly credential?: Credential
  /** Its status entries, normalised (see `StatusEntry`). */
  readonly statusEntries?: readonly StatusEntry[]
  /** What verified the issuer's signature (empty when it did not verify). */
  readonly signatures: readonly VerifiedSignature[]
  readonly errors: readonly VerificationError[]
}

/**
 * Verifies a credential JWT of either format through the verification pipeline: signature
 * (explicit key, `getKey` or the issuer's DID), registered time claims and validity dates
 * (the strictest bound holds), data model, status entries and the consistency of the JWT
 * claims with the credential. Never throws for a bad token; throws only for API misuse.
 */
export async function verifyJwtVc(
  token: string,
  options: VerifyJwtVcOptions = {},
): Promise<JwtVcVerificationResult> {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  return withPipelineContext(options, (context) => verifyJwtVcIn(context, token, options))
}

/** {@link verifyJwtVc} in a context already built: a presentation's, for its credentials. */
export async function verifyJwtVcIn(
  context: PipelineContext,
  token: string,
  options: Pick<VerifyJwtVcOptions, 'format' | 'profile'>,
): Promise<JwtVcVerificationResult> {
  const seen: { header?: JwsHeader; payload?: Record<string, unknown> } = {}
  const outcome = await runPipeline(context, {
    readFallback: 'INVALID_JWS',
    read: () => {
      const jwt = readJwt(token, 'vc', options.format, seen)
      const { credential, mismatches } = readCredentialClaims(jwt)
      return { jwt, credential, mismatches }
    },
    signer: ({ jwt, credential }) => {
      const spec: { -readonly [K in keyof SignerSpec]: SignerSpec[K] } = {
        parts: [{ jws: token, decoded: jwt.decoded }],
        payload: jwt.payload,
        signer: credentialSigner(jwt, credential),
        purpose: 'assertionMethod',
        role: 'issuer',
      }
      const issuedAt = issuedAtOf(jwt.payload, credential)
      if (issuedAt !== undefined) spec.issuedAt = issuedAt
      return spec
    },
    // The JWT claims and the credential's dates bound one window; the strictest bound holds.
    times: ({ jwt, credential }, _, errors) => {
      const bounds = jwtTimeBounds(jwt.payload, errors)
      for (const bound of credentialTimeBounds(credential)) bounds.push(bound)
      return bounds
    },
    validity: CREDENTIAL_VALIDITY,
    dataModel: ({ jwt, credential }) =>
      validateCredential(credential, {
        version: jwt.format === 'jwt_vc_json' ? '1.1' : '2.0',
        ...(options.profile ? { profile: options.profile } : {}),
      }),
    checks: ({ jwt, mismatches }) =>
      // EBSI compares every registered claim with the credential it carries.
      options.profile === 'ebsi' && jwt.format === 'jwt_vc_json'
        ? [...mismatches, ...checkEbsiCredentialJwt(jwt.header, jwt.payload)]
        : mismatches,
  })
  const { read } = outcome
  if (read === undefined) return { verified: false, ...seen, signatures: [], errors: outcome.errors }
  const { jwt, credential } = read
  const signed = outcome.signatures.length > 0
  return {
    verified: outcome.verified,
    format: jwt.format,
    header: outcome.header ?? jwt.header,
    payload: jwt.payload,
    ...(signed ? { credential, statusEntries: w3cStatusEntries(credential).entries } : {}),
    signatures: outcome.signatures,
    errors: outcome.errors,
  }
}

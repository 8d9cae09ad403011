import { parse, type Resolvable } from 'did-resolver'
import { CivitasError } from '../errors/index.js'
import { assertInteger, isRecord, limitOption } from '../guards/index.js'
import type { JwsHeader } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import {
  createDeadline,
  DEFAULT_VERIFICATION_TIMEOUT_MS,
  mapWithConcurrency,
} from '../verification/deadline.js'
import { type CredentialProfile, idOf, validatePresentation } from './data-model.js'
import { checkEbsiPresentationJwt } from './ebsi.js'
import { checkKeySource, signatureKeySource, verifySignatureWithKeySource } from './issuer-signature.js'
import {
  type JwtCredentialFormat,
  type JwtVcVerificationResult,
  readCredentialJwt,
  type VerificationScope,
  type VerifyJwtVcOptions,
  verifyJwtVcWithin,
} from './jwt-vc.js'
import {
  checkClockSkew,
  checkJwtTimes,
  DEFAULT_CLOCK_SKEW_SECONDS,
  nowSeconds,
  PRESENTATION_VALIDITY,
  toVerificationError,
  type VerificationError,
} from './verification.js'

export const VP_JWT_TYP = 'vp+jwt'
const ENVELOPED_PREFIX = 'data:application/vc+jwt,'

export type Presentation = Record<string, unknown>

/** Default `maxCredentials` of verifyJwtVp: far above any wallet's presentation. */
export const DEFAULT_MAX_CREDENTIALS = 64

export interface IssueJwtVpOptions {
  format: JwtCredentialFormat
  signer: Signer
  /** Key id for the JWS header, typically the holder's DID URL. Default: `signer.kid`. */
  kid?: string
  /** The verifier's challenge. */
  nonce: string
  /** The verifier (its client id or DID). */
  audience: string
  /** Seconds since the epoch. Default: now. */
  iat?: number
  /** Lifetime in seconds (`exp` = iat + this). Default 300. */
  expiresInSeconds?: number
  /**
   * `ebsi`: EBSI's presentation rules (`jwt_vc_json` only) are checked before signing:
   * `holder` an EBSI DID, `kid` one of its keys, every credential a JWT about the holder.
   */
  profile?: CredentialProfile
}

/** VCDM 2.0 §4.13: a secured credential carried inside a presentation as a data: URL. */
export function envelopeCredential(jwt: string): Record<string, unknown> {
  return {
    '@context': 'https://www.w3.org/ns/credentials/v2',
    id: `${ENVELOPED_PREFIX}${jwt}`,
    type: 'EnvelopedVerifiableCredential',
  }
}

function unenvelope(item: unknown): string | undefined {
  if (typeof item === 'string') return item
  if (isRecord(item) && item.type === 'EnvelopedVerifiableCredential' && typeof item.id === 'string') {
    return item.id.startsWith(ENVELOPED_PREFIX) ? item.id.slice(ENVELOPED_PREFIX.length) : undefined
  }
  return undefined
}

/**
 * Signs a presentation for one verifier and one challenge. `jwt_vc_json`: VCDM 1.1 `vp`
 * claim with `iss` (holder), `aud`, `nonce`. `vc+jwt`: the VCDM 2.0 presentation is the
 * payload (`typ` vp+jwt), credential JWTs are enveloped, `aud`/`nonce` are JWT claims.
 */
export async function issueJwtVp(presentation: Presentation, options: IssueJwtVpOptions): Promise<string> {
  if (!isRecord(presentation)) throw new CivitasError('INVALID_ARGUMENT', 'presentation must be an object')
  if (!options?.signer) throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  const { format, nonce, audience } = options
  if (format !== 'jwt_vc_json' && format !== 'vc+jwt') {
    throw new CivitasError('INVALID_ARGUMENT', 'format must be "jwt_vc_json" or "vc+jwt"')
  }
  if (typeof nonce !== 'string' || nonce.length === 0)
    throw new CivitasError('INVALID_ARGUMENT', 'nonce is required')
  if (typeof audience !== 'string' || audience.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'audience is required')
  }
  const iat = options.iat ?? Math.floor(Date.now() / 1000)
  const lifetime = options.expiresInSeconds ?? 300
  // A NaN here would be serialised as "exp": null, a presentation without expiry.
  assertInteger(iat, 'options.iat', { min: 0 })
  assertInteger(lifetime, 'options.expiresInSeconds', { min: 1 })
  const exp = iat + lifetime
  const vcs = presentation.verifiableCredential
  const list = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  const body: Presentation = {
    ...presentation,
    ...(vcs !== undefined
      ? {
          verifiableCredential:
            format === 'vc+jwt'
              ? list.map((vc) => (typeof vc === 'string' ? envelopeCredential(vc) : vc))
              : list,
        }
      : {}),
  }
  const errors = validatePresentation(body, { version: format === 'jwt_vc_json' ? '1.1' : '2.0' })
  if (errors.length > 0) {
    throw new CivitasError('PRESENTATION_INVALID', errors.map((e) => e.message).join('; '), {
      details: { errors },
    })
  }
  const kid = options.kid ?? options.signer.kid
  // VCDM 1.1 verifiers (did-jwt-vc) require iss: without a holder, the DID of the signing key.
  const holder = idOf(presentation.holder) ?? (kid === undefined ? undefined : parse(kid)?.did)
  if (format === 'vc+jwt') {
    if ('vp' in presentation || 'vc' in presentation) {
      throw new CivitasError(
        'FORMAT_MISMATCH',
        'a vp+jwt payload is the presentation itself: no vc or vp claim',
      )
    }
    return signJws({ ...body, aud: audience, nonce, iat, exp }, options.signer, {
      typ: VP_JWT_TYP,
      ...(kid !== undefined ? { kid } : {}),
    })
  }
  // iss and sub both name the holder: VCDM 1.1 maps holder to iss, EBSI requires sub too.
  const claims = {
    ...(holder !== undefined ? { iss: holder, sub: holder } : {}),
    aud: audience,
    nonce,
    iat,
    nbf: iat,
    exp,
    ...(typeof presentation.id === 'string' ? { jti: presentation.id } : {}),
    vp: body,
  }
  const header = { typ: 'JWT', ...(kid !== undefined ? { kid } : {}) }
  if (options.profile === 'ebsi') {
    const errors = checkEbsiPresentationJwt({ ...header, alg: options.signer.alg }, claims)
    if (errors.length > 0) {
      throw new CivitasError(errors[0]!.code, errors.map((e) => e.message).join('; '), {
        details: { errors },
      })
    }
  }
  return signJws(claims, options.signer, header)
}

export interface VerifyJwtVpOptions {
  /** Resolves the holder's DID (authentication key) and the issuers' DIDs. */
  resolver?: Resolvable
  /** Holder key, instead of resolving the holder DID. */
  publicJwk?: Jwk
  /** Issuer key for the enclosed credentials, instead of resolving issuer DIDs. */
  issuerJwk?: Jwk
  /** The challenge this verifier sent. */
  nonce: string
  /** This verifier's identifier. */
  audience: string
  now?: Date | number
  clockSkewSeconds?: number
  /** Accept only this format. */
  format?: JwtCredentialFormat
  algorithms?: readonly SignatureAlgorithm[]
  /** `ebsi`: EBSI's presentation rules, and the credential profile for every enclosed credential. */
  profile?: CredentialProfile
  /**
   * Most enclosed credentials verified (default 64): each costs a DID resolution and a
   * signature check, so a presentation carrying thousands would turn one request into
   * thousands of lookups. More is `INPUT_TOO_LARGE` and none is verified.
   */
  maxCredentials?: number
  /**
   * Overall deadline in ms for the presentation and every enclosed credential (default
   * 20,000): 64 credentials naming 64 slow did:web issuers cost at most this, not 64 times
   * the web timeout. Past it, `VERIFICATION_TIMEOUT`.
   */
  timeoutMs?: number
  /** Enclosed credentials verified at once (default 8): their DID lookups run in parallel. */
  concurrency?: number
}

/** Default `concurrency` of verifyJwtVp. */
export const DEFAULT_CREDENTIAL_CONCURRENCY = 8

export interface JwtVpVerificationResult {
  readonly verified: boolean
  readonly format?: JwtCredentialFormat
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  readonly presentation?: Presentation
  readonly holder?: string
  /** One result per enclosed credential JWT. */
  readonly credentials: readonly JwtVcVerificationResult[]
  readonly errors: readonly VerificationError[]
}

function checkAudience(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience))
}

/**
 * Verifies a presentation JWT of either format: holder signature (authentication key),
 * `nonce` and `aud`, time claims, data model, and every enclosed credential. Never throws
 * for a bad token; throws only for API misuse.
 */
export async function verifyJwtVp(
  token: string,
  options: VerifyJwtVpOptions,
): Promise<JwtVpVerificationResult> {
  if (options === null || typeof options !== 'object')
    throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  checkKeySource(options, 'publicJwk')
  if (
    typeof options.nonce !== 'string' ||
    typeof options.audience !== 'string' ||
    options.nonce.length === 0 ||
    options.audience.length === 0
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'nonce and audience are required to verify a presentation')
  }
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const maxCredentials = options.maxCredentials ?? DEFAULT_MAX_CREDENTIALS
  if (!Number.isSafeInteger(maxCredentials) || maxCredentials < 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'maxCredentials must be a non-negative integer')
  }
  const timeoutMs = limitOption(options.timeoutMs, 'options.timeoutMs', DEFAULT_VERIFICATION_TIMEOUT_MS)
  const concurrency = limitOption(
    options.concurrency,
    'options.concurrency',
    DEFAULT_CREDENTIAL_CONCURRENCY,
    64,
  )
  const deadline = createDeadline(timeoutMs)
  try {
    return await verifyPresentationWithin(
      token,
      options,
      { now, skew, deadline },
      maxCredentials,
      concurrency,
    )
  } finally {
    deadline.dispose()
  }
}

async function verifyPresentationWithin(
  token: string,
  options: VerifyJwtVpOptions,
  scope: VerificationScope,
  maxCredentials: number,
  concurrency: number,
): Promise<JwtVpVerificationResult> {
  const { now, skew, deadline } = scope

  const read = readCredentialJwt(token, 'vp', options.format)
  if ('error' in read) return { verified: false, ...read.partial, credentials: [], errors: [read.error] }
  const { decoded, header, payload, format } = read
  const presentation = (format === 'jwt_vc_json' ? payload.vp : payload) as Presentation
  // VCDM 1.1 maps the holder to iss; vc-jose-cose allows iss as well. Either names the signer.
  const claimed: unknown = payload.iss !== undefined ? payload.iss : idOf(presentation.holder)
  // A presentation need not name its holder; the DID its kid names then signed it. A claimed
  // holder that is not a string is no DID: the signature check below refuses it.
  const holder = claimed === undefined && header.kid !== undefined ? parse(header.kid)?.did : claimed
  const base = {
    format,
    header,
    payload,
    presentation,
    ...(typeof holder === 'string' ? { holder } : {}),
  }
  try {
    await deadline.race(
      verifySignatureWithKeySource(token, decoded, signatureKeySource(options, holder, 'authentication')),
    )
  } catch (error) {
    return {
      verified: false,
      ...base,
      credentials: [],
      errors: [toVerificationError(error, 'SIGNATURE_INVALID')],
    }
  }

  const errors: VerificationError[] = []
  if (payload.nonce !== options.nonce)
    errors.push({ code: 'NONCE_MISMATCH', message: 'nonce is not the expected challenge' })
  if (!checkAudience(payload.aud, options.audience)) {
    errors.push({ code: 'AUDIENCE_MISMATCH', message: 'aud does not name this verifier' })
  }
  errors.push(...checkJwtTimes(payload, now, skew, PRESENTATION_VALIDITY))
  errors.push(...validatePresentation(presentation, { version: format === 'jwt_vc_json' ? '1.1' : '2.0' }))
  if (
    payload.iss !== undefined &&
    presentation.holder !== undefined &&
    payload.iss !== idOf(presentation.holder)
  ) {
    errors.push({ code: 'CLAIM_INVALID', message: 'the holder differs from the JWT "iss" claim' })
  }

  const vcs = presentation?.verifiableCredential
  const all = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  const items = all.length > maxCredentials ? [] : all
  if (items !== all) {
    errors.push({
      code: 'INPUT_TOO_LARGE',
      message: `the presentation encloses ${all.length} credentials, the limit is ${maxCredentials}`,
    })
  }
  const credentialOptions: VerifyJwtVcOptions = {
    ...(options.issuerJwk !== undefined ? { publicJwk: options.issuerJwk } : {}),
    ...(options.issuerJwk === undefined && options.resolver !== undefined
      ? { resolver: options.resolver }
      : {}),
    format,
    ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
  }
  const failed = (code: VerificationError['code'], message: string): JwtVcVerificationResult => ({
    verified: false,
    errors: [{ code, message }],
  })
  // In parallel, at most `concurrency` at once, all under the presentation's one deadline:
  // each credential may name another slow issuer host.
  const credentials = await mapWithConcurrency(
    items,
    concurrency,
    deadline,
    async (item, i): Promise<JwtVcVerificationResult> => {
      const jwt = unenvelope(item)
      if (options.issuerJwk === undefined && options.resolver === undefined) {
        // Caller misuse, not a bad token, but reported rather than thrown: whether there are
        // credentials to check depends on the token.
        return failed('INVALID_ARGUMENT', 'pass issuerJwk or resolver to verify enclosed credentials')
      }
      if (jwt === undefined) return failed('PRESENTATION_INVALID', 'not a credential JWT')
      return verifyJwtVcWithin(jwt, credentialOptions, scope)
    },
    () => failed('VERIFICATION_TIMEOUT', 'not verified: the presentation ran out of time'),
  )
  for (const [i, result] of credentials.entries()) {
    for (const e of result.errors) {
      errors.push({ code: e.code, message: `verifiableCredential[${i}]: ${e.message}` })
    }
  }
  if (options.profile === 'ebsi' && format === 'jwt_vc_json')
    errors.push(...checkEbsiPresentationJwt(header, payload))
  return { verified: errors.length === 0, ...base, credentials, errors }
}

import { parse, type Resolvable } from 'did-resolver'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, isRecord } from '../guards/index.js'
import type { JwsHeader } from '../jose/decode.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import { type DisclosedClaim, decodeSdJwt } from '../sd-jwt/decode.js'
import type { DisclosureFrame } from '../sd-jwt/frame.js'
import type { SdHashAlgorithm } from '../sd-jwt/hash.js'
import { issueSdJwt } from '../sd-jwt/issue.js'
import type { VerifiedKeyBinding } from '../sd-jwt/key-binding.js'
import { splitSdJwt } from '../sd-jwt/serialization.js'
import { type SdJwtVerificationResult, verifySdJwtSignedBy } from '../sd-jwt/verify.js'
import {
  type CredentialProfile,
  idOf,
  validateCredential,
  validatePresentation,
  xsdDateTimeToSeconds,
} from './data-model.js'
import { checkKeySource } from './issuer-signature.js'
import { DEFAULT_MAX_CREDENTIALS } from './jwt-vp.js'
import {
  checkClockSkew,
  DEFAULT_CLOCK_SKEW_SECONDS,
  nowSeconds,
  type VerificationError,
} from './verification.js'

/**
 * VCDM 2.0 secured with SD-JWT (W3C vc-jose-cose §3.2): the credential (presentation) is the
 * SD-JWT payload, `typ` `vc+sd-jwt` (`vp+sd-jwt`), `cty` `vc` (`vp`). Not to be confused with
 * the IETF SD-JWT VC (`dc+sd-jwt`, `vct`), which `issueSdJwtVc` / `verifySdJwt` handle.
 */
export const VC_SD_JWT_TYP = 'vc+sd-jwt'
export const VP_SD_JWT_TYP = 'vp+sd-jwt'
const ENVELOPED_PREFIX = 'data:application/vc+sd-jwt,'

// Earlier vc-jose-cose drafts (and implementations built on them) named the media types so.
const VC_TYPES = new Set([VC_SD_JWT_TYP, 'vc+ld+json+sd-jwt', 'vc-ld+sd-jwt'])
const VP_TYPES = new Set([VP_SD_JWT_TYP, 'vp+ld+json+sd-jwt', 'vp-ld+sd-jwt'])

/**
 * Members a verifier needs to see (vc-jose-cose §3.2.1 says they SHOULD NOT be selectively
 * disclosable). Core never makes them disclosable when issuing. When verifying, one that
 * arrives as a Disclosure, or carries disclosable parts, is refused: the same credential
 * could be shown with it withheld, and a withheld status, schema or validity bound is a check
 * silently skipped. (`@context` and `type` are required, so withholding them fails anyway.)
 */
const ISSUE_CLEAR_TEXT = [
  '@context',
  'type',
  'issuer',
  'validFrom',
  'validUntil',
  'credentialStatus',
  'credentialSchema',
  'relatedResource',
  'cnf',
]
const VERIFY_CLEAR_TEXT = [
  'issuer',
  'validFrom',
  'validUntil',
  'credentialStatus',
  'credentialSchema',
  'relatedResource',
  'cnf',
]

/** The media type with RFC 7515 §4.1.9's optional `application/` prefix removed. */
function mediaType(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined
  return typ.toLowerCase().startsWith('application/')
    ? typ.slice('application/'.length).toLowerCase()
    : typ.toLowerCase()
}

/** The top-level member a Disclosure's JSON Pointer lands in. */
function topMember(path: string): string {
  const first = path.split('/')[1] ?? ''
  return first.replaceAll('~1', '/').replaceAll('~0', '~')
}

/** True when `value` still carries digests: `_sd` members or `{ "...": digest }` array elements. */
function hasDigests(value: unknown, depth = 0): boolean {
  if (depth > 64) return true
  if (Array.isArray(value)) return value.some((item) => hasDigests(item, depth + 1))
  if (!isRecord(value)) return false
  if (Object.hasOwn(value, '_sd') || Object.hasOwn(value, '...')) return true
  return Object.values(value).some((item) => hasDigests(item, depth + 1))
}

/** Disclosures or digests inside the members that must stay visible. */
function clearTextErrors(
  payload: Record<string, unknown>,
  disclosures: readonly DisclosedClaim[],
  members: readonly string[],
): VerificationError[] {
  const errors: VerificationError[] = []
  const disclosed = new Set(disclosures.map((d) => topMember(d.path)))
  for (const member of members) {
    if (disclosed.has(member) || hasDigests(payload[member])) {
      errors.push({
        code: 'SD_DISCLOSURE_INVALID',
        message: `${member} must not be selectively disclosable (a holder could withhold it)`,
      })
    }
  }
  return errors
}

export interface IssueVcSdJwtOptions {
  signer: Signer
  /** Key id for the JWS header, typically the issuer's DID URL. Default: `signer.kid`. */
  kid?: string
  /** What the holder may withhold: JSON Pointers or a disclosure frame, as for `issueSdJwt`. */
  disclosable?: DisclosureFrame | readonly string[]
  /** The holder's public key (`cnf.jwk`): presentations then need a KB-JWT signed with it. */
  holderJwk?: Jwk
  hashAlg?: SdHashAlgorithm
  profile?: CredentialProfile
}

function throwIfInvalid(errors: readonly VerificationError[]): void {
  if (errors.length > 0) {
    throw new CivitasError(errors[0]!.code, errors.map((e) => e.message).join('; '), { details: { errors } })
  }
}

/**
 * Secures a VCDM 2.0 credential with SD-JWT (vc-jose-cose §3.2.1): the credential is the
 * payload, the members `disclosable` names become Disclosures, `typ` `vc+sd-jwt`, `cty` `vc`.
 * The credential is checked against the data model first (`CREDENTIAL_INVALID`); making a
 * member a verifier needs disclosable (`@context`, `type`, `issuer`, `validFrom`,
 * `validUntil`, `credentialStatus`, `credentialSchema`, `relatedResource`) is
 * `SD_DISCLOSURE_INVALID`. Present it with `presentSdJwt`, verify with `verifyVcSdJwt`.
 */
export async function issueVcSdJwt(
  credential: Record<string, unknown>,
  options: IssueVcSdJwtOptions,
): Promise<string> {
  if (!isRecord(credential)) throw new CivitasError('INVALID_ARGUMENT', 'credential must be an object')
  if (!isRecord(options) || !options.signer)
    throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  for (const reserved of ['vc', 'vp', 'cnf', '_sd', '_sd_alg']) {
    if (Object.hasOwn(credential, reserved)) {
      throw new CivitasError(
        'FORMAT_MISMATCH',
        `a vc+sd-jwt credential has no "${reserved}" member (holder keys go in options.holderJwk)`,
      )
    }
  }
  if (options.holderJwk !== undefined && !isRecord(options.holderJwk)) {
    throw new CivitasError('INVALID_ARGUMENT', 'options.holderJwk must be a JWK object')
  }
  throwIfInvalid(
    validateCredential(credential, {
      version: '2.0',
      ...(options.profile ? { profile: options.profile } : {}),
    }),
  )
  const claims =
    options.holderJwk === undefined ? credential : { ...credential, cnf: { jwk: options.holderJwk } }
  const kid = options.kid ?? options.signer.kid
  const token = await issueSdJwt(claims, options.disclosable, {
    signer: options.signer,
    typ: VC_SD_JWT_TYP,
    header: { cty: 'vc' },
    ...(kid !== undefined ? { kid } : {}),
    ...(options.hashAlg !== undefined ? { hashAlg: options.hashAlg } : {}),
  })
  const { payload, disclosures } = decodeSdJwt(token)
  throwIfInvalid(clearTextErrors(payload, disclosures, ISSUE_CLEAR_TEXT))
  return token
}

export interface VerifyVcSdJwtOptions {
  /** Issuer key. Either this or `resolver` (the credential's `issuer` DID, key by `kid`, assertionMethod). */
  publicJwk?: Jwk
  resolver?: Resolvable
  now?: Date | number
  clockSkewSeconds?: number
  /** The KB-JWT's expected nonce and audience; giving either requires key binding. */
  nonce?: string
  audience?: string
  requireKeyBinding?: boolean
  profile?: CredentialProfile
  algorithms?: readonly SignatureAlgorithm[]
}

export interface VcSdJwtVerificationResult {
  readonly verified: boolean
  readonly format: 'vc+sd-jwt'
  readonly header?: JwsHeader
  /** The issuer-signed payload as signed (digests, `_sd_alg`). */
  readonly payload?: Record<string, unknown>
  /** The credential as disclosed (digests replaced, `cnf` removed). Trust only when `verified`. */
  readonly credential?: Record<string, unknown>
  readonly disclosures?: readonly DisclosedClaim[]
  readonly keyBinding?: VerifiedKeyBinding
  readonly errors: readonly VerificationError[]
}

/** VCDM 2.0 validity window: the latest start and the earliest end the credential states. */
function validityErrors(credential: Record<string, unknown>, now: number, skew: number): VerificationError[] {
  const starts = ['validFrom', 'issuanceDate'].map((m) => xsdDateTimeToSeconds(credential[m]))
  const ends = ['validUntil', 'expirationDate'].map((m) => xsdDateTimeToSeconds(credential[m]))
  // No start is -Infinity and no end +Infinity: neither bound then applies.
  const from = Math.max(...starts.filter((s): s is number => s !== undefined))
  const until = Math.min(...ends.filter((s): s is number => s !== undefined))
  const errors: VerificationError[] = []
  if (now + skew < from)
    errors.push({ code: 'CREDENTIAL_NOT_YET_VALID', message: 'the credential is not valid yet' })
  if (now - skew >= until) errors.push({ code: 'CREDENTIAL_EXPIRED', message: 'the credential has expired' })
  return errors
}

/** The VCDM reading of a verified SD-JWT: format, token claims and data model. */
function credentialErrors(
  sd: SdJwtVerificationResult,
  credential: Record<string, unknown>,
  options: VerifyVcSdJwtOptions,
  now: number,
  skew: number,
): VerificationError[] {
  const errors: VerificationError[] = []
  const typ = mediaType(sd.header?.typ)
  if (typ === undefined || !VC_TYPES.has(typ)) {
    errors.push({
      code: 'FORMAT_MISMATCH',
      message: `typ must be "${VC_SD_JWT_TYP}", got ${describeValue(sd.header?.typ)}`,
    })
  }
  const payload = sd.payload ?? {}
  if (payload.vct !== undefined) {
    errors.push({ code: 'FORMAT_MISMATCH', message: 'an IETF SD-JWT VC (vct): verify it with verifySdJwt' })
  }
  if (payload.vc !== undefined || payload.vp !== undefined) {
    errors.push({
      code: 'FORMAT_MISMATCH',
      message: 'a vc+sd-jwt payload is the credential itself: no vc or vp claim',
    })
  }
  if (payload.iss !== undefined && payload.iss !== idOf(credential.issuer)) {
    errors.push({ code: 'CLAIM_INVALID', message: 'the JWT "iss" claim differs from the credential issuer' })
  }
  errors.push(...clearTextErrors(payload, sd.disclosures ?? [], VERIFY_CLEAR_TEXT))
  errors.push(...validityErrors(credential, now, skew))
  errors.push(
    ...validateCredential(credential, {
      version: '2.0',
      ...(options.profile ? { profile: options.profile } : {}),
    }),
  )
  return errors
}

/**
 * Verifies a VCDM 2.0 credential secured with SD-JWT (vc-jose-cose §3.2.1 and §8.3): the
 * issuer's signature (explicit key, or the key the credential's `issuer` DID lists under
 * `assertionMethod`), the Disclosures, the KB-JWT when asked for, the validity window and the
 * data model of the disclosed credential. Never throws for a bad token.
 */
export async function verifyVcSdJwt(
  token: string,
  options: VerifyVcSdJwtOptions,
): Promise<VcSdJwtVerificationResult> {
  if (options === null || typeof options !== 'object') {
    throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  }
  checkKeySource(options, 'publicJwk')
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const sd = await verifySdJwtSignedBy(
    token,
    {
      profile: 'sd-jwt',
      now,
      clockSkewSeconds: skew,
      ...(options.publicJwk !== undefined ? { issuerJwk: options.publicJwk } : {}),
      ...(options.resolver !== undefined ? { resolver: options.resolver } : {}),
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      ...(options.requireKeyBinding !== undefined ? { requireKeyBinding: options.requireKeyBinding } : {}),
      ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    },
    // The issuer must be clear text: it names the key the signature is checked with.
    (payload) => ({ did: idOf(payload.issuer), purpose: 'assertionMethod' }),
  )
  const base = {
    format: 'vc+sd-jwt' as const,
    ...(sd.header !== undefined ? { header: sd.header } : {}),
    ...(sd.payload !== undefined ? { payload: sd.payload } : {}),
    ...(sd.disclosures !== undefined ? { disclosures: sd.disclosures } : {}),
    ...(sd.keyBinding !== undefined ? { keyBinding: sd.keyBinding } : {}),
  }
  if (sd.claims === undefined) return { verified: false, ...base, errors: sd.errors }
  const { cnf: _cnf, ...credential } = sd.claims
  const errors = [...sd.errors, ...credentialErrors(sd, credential, options, now, skew)]
  return { verified: errors.length === 0, ...base, credential, errors }
}

// ── presentations ────────────────────────────────────────────────────────────────

/** VCDM 2.0 §4.13: a vc+sd-jwt credential inside a presentation. */
export function envelopeVcSdJwt(token: string): Record<string, unknown> {
  return {
    '@context': 'https://www.w3.org/ns/credentials/v2',
    id: `${ENVELOPED_PREFIX}${token}`,
    type: 'EnvelopedVerifiableCredential',
  }
}

function unenvelope(item: unknown): string | undefined {
  if (isRecord(item) && item.type === 'EnvelopedVerifiableCredential' && typeof item.id === 'string') {
    return item.id.startsWith(ENVELOPED_PREFIX) ? item.id.slice(ENVELOPED_PREFIX.length) : undefined
  }
  return undefined
}

export interface IssueVpSdJwtOptions {
  signer: Signer
  /** Key id for the JWS header, typically the holder's DID URL. Default: `signer.kid`. */
  kid?: string
  nonce: string
  audience: string
  /** Seconds since the epoch. Default: now. */
  iat?: number
  /** Lifetime in seconds (`exp` = iat + this). Default 300. */
  expiresInSeconds?: number
}

/**
 * Secures a VCDM 2.0 presentation with SD-JWT (vc-jose-cose §3.2.2): `typ` `vp+sd-jwt`,
 * `cty` `vp`, `aud` / `nonce` / `iat` / `exp` as JWT claims, each credential (a presented
 * `vc+sd-jwt`, e.g. from `presentSdJwt`) enveloped as an `EnvelopedVerifiableCredential`.
 */
export async function issueVpSdJwt(
  presentation: Record<string, unknown>,
  options: IssueVpSdJwtOptions,
): Promise<string> {
  if (!isRecord(presentation)) throw new CivitasError('INVALID_ARGUMENT', 'presentation must be an object')
  if (!isRecord(options) || !options.signer)
    throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  for (const name of ['nonce', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name].length === 0) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} is required`)
    }
  }
  const iat = options.iat ?? Math.floor(Date.now() / 1000)
  const lifetime = options.expiresInSeconds ?? 300
  assertInteger(iat, 'options.iat', { min: 0 })
  assertInteger(lifetime, 'options.expiresInSeconds', { min: 1 })
  for (const reserved of ['vc', 'vp', '_sd', '_sd_alg']) {
    if (Object.hasOwn(presentation, reserved)) {
      throw new CivitasError('FORMAT_MISMATCH', `a vp+sd-jwt presentation has no "${reserved}" member`)
    }
  }
  const vcs = presentation.verifiableCredential
  const body: Record<string, unknown> = {
    ...presentation,
    ...(vcs !== undefined
      ? {
          verifiableCredential: (Array.isArray(vcs) ? vcs : [vcs]).map((vc) =>
            typeof vc === 'string' ? envelopeVcSdJwt(vc) : vc,
          ),
        }
      : {}),
  }
  throwIfInvalid(validatePresentation(body, { version: '2.0' }))
  const kid = options.kid ?? options.signer.kid
  return issueSdJwt(
    { ...body, aud: options.audience, nonce: options.nonce, iat, exp: iat + lifetime },
    undefined,
    {
      signer: options.signer,
      typ: VP_SD_JWT_TYP,
      header: { cty: 'vp' },
      ...(kid !== undefined ? { kid } : {}),
    },
  )
}

export interface VerifyVpSdJwtOptions {
  /** Resolves the holder's DID (authentication key) and the issuers' DIDs. */
  resolver?: Resolvable
  /** Holder key, instead of resolving the holder DID. */
  publicJwk?: Jwk
  /** Issuer key for the enclosed credentials, instead of resolving issuer DIDs. */
  issuerJwk?: Jwk
  nonce: string
  audience: string
  now?: Date | number
  clockSkewSeconds?: number
  algorithms?: readonly SignatureAlgorithm[]
  /** Most enclosed credentials verified (default 64); more is `INPUT_TOO_LARGE`. */
  maxCredentials?: number
}

export interface VpSdJwtVerificationResult {
  readonly verified: boolean
  readonly format: 'vp+sd-jwt'
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  readonly presentation?: Record<string, unknown>
  readonly holder?: string
  readonly credentials: readonly VcSdJwtVerificationResult[]
  readonly errors: readonly VerificationError[]
}

/** The signer of a presentation: its holder, or the DID its `kid` names when it has none. */
function holderOf(payload: Record<string, unknown>, kid: unknown): unknown {
  const claimed = payload.iss !== undefined ? payload.iss : idOf(payload.holder)
  return claimed === undefined && typeof kid === 'string' ? parse(kid)?.did : claimed
}

/**
 * Verifies a VCDM 2.0 presentation secured with SD-JWT (vc-jose-cose §3.2.2): the holder's
 * signature (authentication key), `nonce` and `aud`, its times and data model, then every
 * enveloped `vc+sd-jwt` credential (a KB-JWT on one must name the same nonce and audience).
 * Never throws for a bad token.
 */
export async function verifyVpSdJwt(
  token: string,
  options: VerifyVpSdJwtOptions,
): Promise<VpSdJwtVerificationResult> {
  if (options === null || typeof options !== 'object') {
    throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  }
  checkKeySource(options, 'publicJwk')
  for (const name of ['nonce', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name].length === 0) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} is required to verify a presentation`)
    }
  }
  const maxCredentials = options.maxCredentials ?? DEFAULT_MAX_CREDENTIALS
  assertInteger(maxCredentials, 'options.maxCredentials', { min: 0 })
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const sd = await verifySdJwtSignedBy(
    token,
    {
      profile: 'sd-jwt',
      now,
      clockSkewSeconds: skew,
      ...(options.publicJwk !== undefined ? { issuerJwk: options.publicJwk } : {}),
      ...(options.resolver !== undefined ? { resolver: options.resolver } : {}),
      ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    },
    // A presentation without holder names its signer by kid only (as jwt_vc_json does).
    (payload, header) => ({ did: holderOf(payload, header.kid), purpose: 'authentication' }),
  )
  const holder = sd.payload === undefined ? undefined : holderOf(sd.payload, sd.header?.kid)
  const base = {
    format: 'vp+sd-jwt' as const,
    ...(sd.header !== undefined ? { header: sd.header } : {}),
    ...(sd.payload !== undefined ? { payload: sd.payload } : {}),
    ...(typeof holder === 'string' ? { holder } : {}),
  }
  if (sd.claims === undefined) return { verified: false, ...base, credentials: [], errors: sd.errors }
  const presentation = sd.claims
  const errors: VerificationError[] = [...sd.errors]
  const typ = mediaType(sd.header?.typ)
  if (typ === undefined || !VP_TYPES.has(typ)) {
    errors.push({
      code: 'FORMAT_MISMATCH',
      message: `typ must be "${VP_SD_JWT_TYP}", got ${describeValue(sd.header?.typ)}`,
    })
  }
  if (presentation.nonce !== options.nonce)
    errors.push({ code: 'NONCE_MISMATCH', message: 'nonce is not the expected challenge' })
  const aud = presentation.aud
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) {
    errors.push({ code: 'AUDIENCE_MISMATCH', message: 'aud does not name this verifier' })
  }
  if (typeof presentation.exp !== 'number')
    errors.push({ code: 'CLAIM_INVALID', message: 'a presentation needs exp' })
  if (
    presentation.iss !== undefined &&
    presentation.holder !== undefined &&
    presentation.iss !== idOf(presentation.holder)
  ) {
    errors.push({ code: 'CLAIM_INVALID', message: 'the holder differs from the JWT "iss" claim' })
  }
  errors.push(...validatePresentation(presentation, { version: '2.0' }))

  const vcs = presentation.verifiableCredential
  const all = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  if (all.length > maxCredentials) {
    errors.push({
      code: 'INPUT_TOO_LARGE',
      message: `the presentation encloses ${all.length} credentials, the limit is ${maxCredentials}`,
    })
    return { verified: false, ...base, presentation, credentials: [], errors }
  }
  const credentials: VcSdJwtVerificationResult[] = []
  for (const [i, item] of all.entries()) {
    const enclosed = unenvelope(item)
    if (enclosed === undefined || (options.issuerJwk === undefined && options.resolver === undefined)) {
      errors.push({
        code: enclosed === undefined ? 'PRESENTATION_INVALID' : 'KEY_NOT_FOUND',
        message:
          enclosed === undefined
            ? `verifiableCredential[${i}] is not an enveloped vc+sd-jwt credential`
            : `verifiableCredential[${i}]: pass issuerJwk or resolver to verify enclosed credentials`,
      })
      continue
    }
    let keyBound = false
    try {
      keyBound = splitSdJwt(enclosed).kbJwt !== undefined
    } catch {
      // verifyVcSdJwt reports the malformed token.
    }
    const result = await verifyVcSdJwt(enclosed, {
      ...(options.issuerJwk !== undefined
        ? { publicJwk: options.issuerJwk }
        : { resolver: options.resolver! }),
      now,
      clockSkewSeconds: skew,
      ...(keyBound ? { nonce: options.nonce, audience: options.audience } : {}),
      ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    })
    credentials.push(result)
    for (const e of result.errors)
      errors.push({ code: e.code, message: `verifiableCredential[${i}]: ${e.message}` })
  }
  return { verified: errors.length === 0, ...base, presentation, credentials, errors }
}

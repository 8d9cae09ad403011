/**
 * The one place where the verifier calls @civitas/core's token verification. Everything
 * else in this package works on what this module returns (checks with stable ids, the read
 * credential, its status entries and schema references), so when core's verification
 * pipeline (per-check error tags, `readCredential`, `getKey`, key time) lands, switching to
 * it is a change to this file only.
 *
 * Today's core reports errors without naming the check they came from; they are sorted
 * into checks here by code (see CHECK_OF_CODE) and by the stage core stopped at.
 */
import {
  CivitasError,
  type CivitasErrorCode,
  decodeJws,
  describeValue,
  isXsdDateTime,
  type Jwk,
  type JwsHeader,
  type JwtVcVerificationResult,
  parseJwtClaims,
  type SdJwtVerificationResult,
  type StatusList,
  verifyJwtVc,
  verifyJwtVp,
  verifySdJwt,
  verifyStatusListToken,
} from '@civitas/core'
import type { Resolvable } from 'did-resolver'
import { isRecord } from './guards.js'
import { type CheckId, type CheckResult, type CredentialFormat, fail, pass } from './result.js'
import {
  type ReadStatusEntries,
  readTokenStatusEntries,
  readW3cStatusEntries,
  type StatusEntry,
} from './status/entries.js'

/** How the signer's key is chosen: the one valid when the credential was issued, or now. */
export type KeyTime = 'issuance' | 'now'

/**
 * A key for the token's signer other than its DID's (an `x5c` leaf): undefined to resolve
 * the signer's DID. Throwing (a CivitasError) fails the signature check with its code.
 */
export type KeyFor = (header: JwsHeader, payload: Record<string, unknown>) => Jwk | undefined

export interface TokenCheckOptions {
  resolver: Resolvable
  keyFor?: KeyFor
  /** Evaluation time, seconds since the epoch. */
  now: number
  clockSkewSeconds: number
  keyTime: KeyTime
}

/** A schema the credential says it conforms to. */
export interface SchemaRef {
  readonly id: string
  /** `credentialSchema.type`; `vct` for SD-JWT VC. */
  readonly type: string
}

/** What the verifier needs from a credential whose signature verified. */
export interface ReadCredential {
  readonly format: CredentialFormat
  readonly header: JwsHeader
  readonly payload: Record<string, unknown>
  /** W3C: the credential as the data model reads it. SD-JWT VC: the processed (disclosed) claims. */
  readonly credential: Record<string, unknown>
  readonly issuer?: string
  readonly subject?: string
  /** `type` of a W3C credential, `[vct]` of an SD-JWT VC. */
  readonly types: readonly string[]
  /** When it was issued (iat, else nbf / validFrom / issuanceDate), seconds. */
  readonly issuedAt?: number
  readonly cnf?: Record<string, unknown>
  readonly status: ReadStatusEntries
  readonly schemas: readonly SchemaRef[]
  readonly schemaProblems: readonly string[]
}

export interface CredentialTokenOutcome {
  readonly format?: CredentialFormat
  readonly issuer?: string
  readonly subject?: string
  /** format, signature, time, data-model (JWT) or disclosures (SD-JWT), key binding when present. */
  readonly checks: CheckResult[]
  /** Set when the signature verified: the later checks (status, trust, schema) work on it. */
  readonly read?: ReadCredential
}

export interface PresentationTokenOptions {
  nonce?: string
  audience?: string
  /** Legacy presentations (no nonce / aud): the nonce and audience checks are skipped unless given. */
  requireNonceAndAudience: boolean
  maxCredentials: number
}

export interface PresentationTokenOutcome {
  readonly format?: CredentialFormat
  readonly holder?: string
  readonly presentation?: Record<string, unknown>
  /** presentation/* and sd-jwt/key-binding checks. */
  readonly checks: CheckResult[]
  /** Set when the presentation's signature (or KB-JWT) verified. */
  readonly signatureVerified: boolean
  /** JWT presentations: the enclosed credential JWTs, to verify one by one. */
  readonly credentialTokens: readonly string[]
  /** SD-JWT VC: the credential verified in the same pass as its key binding. */
  readonly sdJwtCredential?: CredentialTokenOutcome
  /**
   * The presentation's nonce, and the last second it could still be accepted (its `exp`, a
   * KB-JWT's age limit; undefined when the token sets none), for replay protection.
   */
  readonly nonce?: { value: string; acceptedUntil?: number }
}

// ── error codes → checks ─────────────────────────────────────────────────────

const FORMAT_CODES = new Set<CivitasErrorCode>([
  'INVALID_JWS',
  'INVALID_ENCODING',
  'FORMAT_MISMATCH',
  'INPUT_TOO_LARGE',
  'SD_JWT_INVALID',
  'SD_TOO_MANY_DISCLOSURES',
  'UNSECURED_JWS',
])
const TIME_CODES = new Set<CivitasErrorCode>([
  'CREDENTIAL_EXPIRED',
  'CREDENTIAL_NOT_YET_VALID',
  'TIME_ORDER_INVALID',
])
const DISCLOSURE_CODES = new Set<CivitasErrorCode>([
  'SD_DISCLOSURE_INVALID',
  'SD_DISCLOSURE_UNREFERENCED',
  'SD_DIGEST_DUPLICATE',
  'SD_CLAIM_NAME_RESERVED',
])
const KEY_BINDING_CODES = new Set<CivitasErrorCode>([
  'KB_JWT_MISSING',
  'KB_JWT_INVALID',
  'KB_SD_HASH_MISMATCH',
  'KB_IAT_INVALID',
])

type Level = 'credential' | 'presentation'

/** The check an error of core belongs to, once the signature stage has passed. */
function checkOfCode(code: CivitasErrorCode, level: Level): CheckId {
  if (FORMAT_CODES.has(code)) return `${level}/format`
  if (TIME_CODES.has(code)) return `${level}/time`
  if (DISCLOSURE_CODES.has(code)) return 'sd-jwt/disclosures'
  if (KEY_BINDING_CODES.has(code)) return 'sd-jwt/key-binding'
  if (code === 'NONCE_MISMATCH') return 'presentation/nonce'
  if (code === 'AUDIENCE_MISMATCH') return 'presentation/audience'
  return `${level}/data-model`
}

interface CoreError {
  readonly code: CivitasErrorCode
  readonly message: string
}

/** Groups core errors by check; a check with several errors reports them in one sentence. */
function groupErrors(errors: readonly CoreError[], level: Level): Map<CheckId, CoreError[]> {
  const groups = new Map<CheckId, CoreError[]>()
  for (const error of errors) {
    const id = checkOfCode(error.code, level)
    groups.set(id, [...(groups.get(id) ?? []), error])
  }
  return groups
}

function failedCheck(id: CheckId, errors: readonly CoreError[], prefix: string): CheckResult {
  const message = `${prefix}${errors.map((e) => e.message).join('; ')}`
  return fail(
    id,
    errors[0]!.code,
    message,
    errors.length > 1 ? { codes: errors.map((e) => e.code) } : undefined,
  )
}

/** The stage a failed early result stopped at: before the signature (format) or at it. */
function earlyFailure(error: CoreError, level: Level, what: string): CheckResult {
  if (FORMAT_CODES.has(error.code)) {
    return fail(`${level}/format`, error.code, `The ${what} cannot be read: ${error.message}`)
  }
  return fail(`${level}/signature`, error.code, `The ${what}'s signature does not verify: ${error.message}`)
}

// ── reading ──────────────────────────────────────────────────────────────────

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (isRecord(value) && typeof value.id === 'string') return value.id
  return undefined
}

function xsdSeconds(value: unknown): number | undefined {
  if (!isXsdDateTime(value)) return undefined
  // A dateTime without a zone is read as UTC, as core's data model does.
  const hasZone = /(?:Z|[+-]\d{2}:\d{2})$/.test(value)
  const ms = Date.parse(hasZone ? value : `${value}Z`)
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined
}

function numericDate(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : undefined
}

function typesOf(credential: Record<string, unknown>): string[] {
  const type = credential.type
  if (typeof type === 'string') return [type]
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : []
}

function subjectOf(credential: Record<string, unknown>): string | undefined {
  const subject = credential.credentialSubject
  if (isRecord(subject)) return idOf(subject)
  if (Array.isArray(subject) && subject.length === 1) return idOf(subject[0])
  return undefined
}

const MAX_SCHEMAS = 4

function w3cSchemas(credential: Record<string, unknown>): { refs: SchemaRef[]; problems: string[] } {
  const refs: SchemaRef[] = []
  const problems: string[] = []
  const value = credential.credentialSchema
  if (value === undefined) return { refs, problems }
  const list = Array.isArray(value) ? value : [value]
  if (list.length > MAX_SCHEMAS) {
    problems.push(`credentialSchema lists ${list.length} schemas, the limit is ${MAX_SCHEMAS}`)
    return { refs, problems }
  }
  for (const item of list) {
    if (isRecord(item) && typeof item.id === 'string' && typeof item.type === 'string') {
      refs.push({ id: item.id, type: item.type })
    } else {
      problems.push(`credentialSchema entry ${describeValue(item)} has no id and type`)
    }
  }
  return { refs, problems }
}

function readJwtCredential(result: JwtVcVerificationResult): ReadCredential | undefined {
  const { format, header, payload, credential } = result
  if (format === undefined || header === undefined || payload === undefined || credential === undefined) {
    return undefined
  }
  const issuer =
    format === 'jwt_vc_json' && typeof payload.iss === 'string' ? payload.iss : idOf(credential.issuer)
  const subject =
    format === 'jwt_vc_json' && typeof payload.sub === 'string' ? payload.sub : subjectOf(credential)
  const issuedAt =
    numericDate(payload.iat) ??
    numericDate(payload.nbf) ??
    xsdSeconds(credential.validFrom) ??
    xsdSeconds(credential.issuanceDate)
  const schemas = w3cSchemas(credential)
  const cnf = isRecord(payload.cnf) ? payload.cnf : undefined
  return {
    format,
    header,
    payload,
    credential,
    ...(issuer !== undefined ? { issuer } : {}),
    ...(subject !== undefined ? { subject } : {}),
    types: typesOf(credential),
    ...(issuedAt !== undefined ? { issuedAt } : {}),
    ...(cnf !== undefined ? { cnf } : {}),
    status: readW3cStatusEntries(credential),
    schemas: schemas.refs,
    schemaProblems: schemas.problems,
  }
}

function readSdJwtCredential(result: SdJwtVerificationResult): ReadCredential | undefined {
  const { header, payload, claims } = result
  if (header === undefined || payload === undefined || claims === undefined) return undefined
  const issuer = typeof payload.iss === 'string' ? payload.iss : undefined
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined
  const issuedAt = numericDate(payload.iat) ?? numericDate(payload.nbf)
  const vct = typeof payload.vct === 'string' ? payload.vct : undefined
  const cnf = isRecord(payload.cnf) ? payload.cnf : undefined
  return {
    format: 'dc+sd-jwt',
    header,
    payload,
    credential: claims,
    ...(issuer !== undefined ? { issuer } : {}),
    ...(subject !== undefined ? { subject } : {}),
    types: vct !== undefined ? [vct] : [],
    ...(issuedAt !== undefined ? { issuedAt } : {}),
    ...(cnf !== undefined ? { cnf } : {}),
    status: readTokenStatusEntries(payload),
    schemas: vct !== undefined ? [{ id: vct, type: 'vct' }] : [],
    schemaProblems: [],
  }
}

/** SD-JWT in compact (`~`) or JSON serialization; anything else is read as a JWT. */
export function isSdJwt(token: string): boolean {
  return token.includes('~') || token.trimStart().startsWith('{')
}

function keyTimeData(options: TokenCheckOptions): Record<string, unknown> {
  // Core does not yet take the time a DID key must be valid at: the current document is
  // used whatever the policy asks. Reported, so that a result never claims more than it did.
  return { keyTime: { requested: options.keyTime, applied: 'now' } }
}

// ── credentials ──────────────────────────────────────────────────────────────

type KeyChoice = { publicJwk: Jwk } | { resolver: Resolvable } | { error: CoreError }

/** The signer key source for `jwt` (a compact JWS): `keyFor`'s key when it names one, else the DID resolver. */
function chooseKey(jwt: string, options: TokenCheckOptions): KeyChoice {
  if (options.keyFor === undefined) return { resolver: options.resolver }
  let header: JwsHeader
  let payload: Record<string, unknown>
  try {
    const decoded = decodeJws(jwt)
    header = decoded.header
    payload = parseJwtClaims(decoded.payload)
  } catch {
    // Unreadable: core reports it as the format failure it is.
    return { resolver: options.resolver }
  }
  try {
    const publicJwk = options.keyFor(header, payload)
    return publicJwk === undefined ? { resolver: options.resolver } : { publicJwk }
  } catch (error) {
    return {
      error: {
        code: error instanceof CivitasError ? error.code : 'KEY_INVALID',
        message: error instanceof Error ? error.message : 'the signer key cannot be used',
      },
    }
  }
}

/** The issuer-signed JWT of an SD-JWT (compact): what precedes the first `~`. */
function issuerJwtOf(token: string): string {
  const cut = token.indexOf('~')
  return cut === -1 ? token : token.slice(0, cut)
}

async function verifyJwtCredential(
  token: string,
  options: TokenCheckOptions,
): Promise<CredentialTokenOutcome> {
  const key = chooseKey(token, options)
  if ('error' in key) return { checks: [earlyFailure(key.error, 'credential', 'credential')] }
  const result = await verifyJwtVc(token, {
    ...key,
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
  })
  const read = readJwtCredential(result)
  const format = result.format
  const issuer = read?.issuer ?? (typeof result.payload?.iss === 'string' ? result.payload.iss : undefined)
  const base = {
    ...(format !== undefined ? { format } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
    ...(read?.subject !== undefined ? { subject: read.subject } : {}),
  }
  if (read === undefined) {
    // Core stops at the first error before or at the signature: the credential is unread.
    const error = result.errors[0] ?? { code: 'SIGNATURE_INVALID' as const, message: 'not verified' }
    return { ...base, checks: [earlyFailure(error, 'credential', 'credential')] }
  }
  const groups = groupErrors(result.errors, 'credential')
  const checks: CheckResult[] = [
    pass('credential/format', `A ${read.format} credential.`),
    pass(
      'credential/signature',
      `Signed by ${describeValue(read.issuer ?? 'its issuer', 200)}.`,
      keyTimeData(options),
    ),
  ]
  for (const id of ['credential/time', 'credential/data-model'] as const) {
    const errors = groups.get(id)
    checks.push(
      errors
        ? failedCheck(id, errors, id === 'credential/time' ? 'Not valid at this time: ' : 'Malformed: ')
        : pass(
            id,
            id === 'credential/time' ? 'Within its validity period.' : 'Well-formed for its data model.',
          ),
    )
  }
  for (const [id, errors] of groups) {
    if (id !== 'credential/time' && id !== 'credential/data-model') checks.push(failedCheck(id, errors, ''))
  }
  return { ...base, checks, read }
}

function sdJwtChecks(result: SdJwtVerificationResult, read: ReadCredential, options: TokenCheckOptions) {
  const groups = groupErrors(
    result.errors.filter((e) => checkOfCode(e.code, 'credential').startsWith('credential/')),
    'credential',
  )
  const checks: CheckResult[] = [
    pass('credential/format', 'An SD-JWT VC (dc+sd-jwt).'),
    pass(
      'credential/signature',
      `Signed by ${describeValue(read.issuer ?? 'its issuer', 200)}.`,
      keyTimeData(options),
    ),
  ]
  const time = groups.get('credential/time')
  checks.push(
    time
      ? failedCheck('credential/time', time, 'Not valid at this time: ')
      : pass('credential/time', 'Within its validity period.'),
  )
  const model = groups.get('credential/data-model')
  checks.push(
    model
      ? failedCheck('credential/data-model', model, 'Malformed: ')
      : pass('credential/data-model', 'Well-formed SD-JWT VC.'),
  )
  const format = groups.get('credential/format')
  if (format) checks.push(failedCheck('credential/format', format, ''))
  const disclosures = result.errors.filter((e) => DISCLOSURE_CODES.has(e.code))
  checks.push(
    disclosures.length > 0
      ? failedCheck('sd-jwt/disclosures', disclosures, 'Disclosures do not match the signed credential: ')
      : pass(
          'sd-jwt/disclosures',
          `${result.disclosures?.length ?? 0} disclosure(s), each signed by the issuer.`,
        ),
  )
  return checks
}

async function verifySdJwtCredential(
  token: string,
  options: TokenCheckOptions,
): Promise<CredentialTokenOutcome> {
  const key = chooseKey(issuerJwtOf(token), options)
  if ('error' in key)
    return { format: 'dc+sd-jwt', checks: [earlyFailure(key.error, 'credential', 'credential')] }
  const result = await verifySdJwt(token, {
    ...('publicJwk' in key ? { issuerJwk: key.publicJwk } : key),
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
  })
  return sdJwtOutcome(result, options, undefined)
}

function sdJwtOutcome(
  result: SdJwtVerificationResult,
  options: TokenCheckOptions,
  presentation: { checks: CheckResult[] } | undefined,
): CredentialTokenOutcome {
  const read = readSdJwtCredential(result)
  const issuer = typeof result.payload?.iss === 'string' ? result.payload.iss : undefined
  const base = { format: 'dc+sd-jwt' as const, ...(issuer !== undefined ? { issuer } : {}) }
  if (read === undefined) {
    const error = result.errors[0] ?? { code: 'SIGNATURE_INVALID' as const, message: 'not verified' }
    return { ...base, checks: [earlyFailure(error, 'credential', 'credential')] }
  }
  const checks = sdJwtChecks(result, read, options)
  const keyBinding = result.errors.filter((e) => KEY_BINDING_CODES.has(e.code))
  if (presentation === undefined && (result.keyBinding !== undefined || keyBinding.length > 0)) {
    checks.push(
      keyBinding.length > 0
        ? failedCheck('sd-jwt/key-binding', keyBinding, 'The key-binding JWT does not verify: ')
        : pass('sd-jwt/key-binding', 'The key-binding JWT is signed by the key the credential is bound to.'),
    )
  }
  return { ...base, ...(read.subject !== undefined ? { subject: read.subject } : {}), checks, read }
}

/** Verifies a credential token's signature, times and data model; never throws for a bad token. */
export async function verifyCredentialToken(
  token: string,
  options: TokenCheckOptions,
): Promise<CredentialTokenOutcome> {
  return isSdJwt(token) ? verifySdJwtCredential(token, options) : verifyJwtCredential(token, options)
}

// ── presentations ────────────────────────────────────────────────────────────

const ENVELOPED_PREFIX = 'data:application/vc+jwt,'

/** A credential JWT inside `verifiableCredential`: a string, or VCDM 2.0's enveloped form. */
function enclosedJwt(item: unknown): string | undefined {
  if (typeof item === 'string') return item
  if (isRecord(item) && item.type === 'EnvelopedVerifiableCredential' && typeof item.id === 'string') {
    return item.id.startsWith(ENVELOPED_PREFIX) ? item.id.slice(ENVELOPED_PREFIX.length) : undefined
  }
  return undefined
}

// verifyJwtVp requires both; a legacy presentation carries neither. The placeholders never
// match a real token's claims, and the mismatches they cause are dropped below.
const NO_NONCE = '\u0000civitas:no-nonce'
const NO_AUDIENCE = '\u0000civitas:no-audience'

async function verifyJwtPresentation(
  token: string,
  options: TokenCheckOptions & PresentationTokenOptions,
): Promise<PresentationTokenOutcome> {
  // maxCredentials: 0: core verifies the presentation alone; the verifier then verifies every
  // enclosed credential once, with all its checks (core would verify each a second time).
  const result = await verifyJwtVp(token, {
    resolver: options.resolver,
    nonce: options.nonce ?? NO_NONCE,
    audience: options.audience ?? NO_AUDIENCE,
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
    maxCredentials: 0,
  })
  const { format, payload, presentation } = result
  const holder = result.holder
  const base = {
    ...(format !== undefined ? { format } : {}),
    ...(holder !== undefined ? { holder } : {}),
    ...(presentation !== undefined ? { presentation } : {}),
  }
  const signatureFailed = payload === undefined || presentation === undefined || isEarly(result.errors)
  if (signatureFailed) {
    const error = result.errors[0] ?? { code: 'SIGNATURE_INVALID' as const, message: 'not verified' }
    return {
      ...base,
      checks: [earlyFailure(error, 'presentation', 'presentation')],
      signatureVerified: false,
      credentialTokens: [],
    }
  }
  const errors = result.errors.filter((e) => {
    if (e.code === 'INPUT_TOO_LARGE' && / the limit is 0$/.test(e.message)) return false
    if (e.code === 'NONCE_MISMATCH' && options.nonce === undefined) return false
    if (e.code === 'AUDIENCE_MISMATCH' && options.audience === undefined) return false
    return true
  })
  const groups = groupErrors(errors, 'presentation')
  const checks: CheckResult[] = [
    pass('presentation/format', `A ${format} presentation.`),
    pass('presentation/signature', `Signed by the holder ${describeValue(holder ?? 'key', 200)}.`),
  ]
  const time = groups.get('presentation/time')
  checks.push(
    time
      ? failedCheck('presentation/time', time, 'The presentation is not valid at this time: ')
      : pass('presentation/time', 'Presented within its validity period.'),
  )
  const model = groups.get('presentation/data-model')
  checks.push(
    model
      ? failedCheck('presentation/data-model', model, 'Malformed presentation: ')
      : pass('presentation/data-model', 'Well-formed presentation.'),
  )
  checks.push(...nonceAndAudienceChecks(payload?.nonce, payload?.aud, groups, options))
  const vcs = presentation?.verifiableCredential
  const items = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  const credentialTokens: string[] = []
  if (items.length > options.maxCredentials) {
    checks.push(
      fail(
        'presentation/data-model',
        'INPUT_TOO_LARGE',
        `The presentation encloses ${items.length} credentials; at most ${options.maxCredentials} are verified.`,
      ),
    )
  } else {
    for (const [i, item] of items.entries()) {
      const jwt = enclosedJwt(item)
      if (jwt === undefined) {
        checks.push(
          fail(
            'presentation/data-model',
            'PRESENTATION_INVALID',
            `Enclosed credential ${i} is not a credential JWT.`,
          ),
        )
      } else credentialTokens.push(jwt)
    }
  }
  const nonce = typeof payload?.nonce === 'string' ? payload.nonce : undefined
  const exp = numericDate(payload?.exp)
  return {
    ...base,
    checks,
    signatureVerified: true,
    credentialTokens,
    ...(nonce !== undefined
      ? {
          nonce: {
            value: nonce,
            ...(exp !== undefined ? { acceptedUntil: exp + options.clockSkewSeconds } : {}),
          },
        }
      : {}),
  }
}

const SIGNATURE_CODES = new Set<CivitasErrorCode>([
  'SIGNATURE_INVALID',
  'KEY_NOT_FOUND',
  'KEY_INVALID',
  'ALG_KEY_MISMATCH',
  'UNSUPPORTED_ALG',
  'UNSUPPORTED_CURVE',
  'DID_INVALID',
  'DID_METHOD_UNSUPPORTED',
  'DID_NOT_FOUND',
  'DID_DEACTIVATED',
  'DID_DOCUMENT_INVALID',
  'RESOLVER_UNAVAILABLE',
  'INVALID_ARGUMENT',
])

/**
 * verifyJwtVp returns early, with one error, when the token cannot be read or its signature
 * does not verify; every later error comes with the claims read past it.
 */
function isEarly(errors: readonly CoreError[]): boolean {
  const [error] = errors
  if (errors.length !== 1 || error === undefined) return false
  if (SIGNATURE_CODES.has(error.code)) return true
  if (error.code === 'CLAIM_INVALID') return /signer DID/.test(error.message)
  return FORMAT_CODES.has(error.code) && !/ the limit is 0$/.test(error.message)
}

function nonceAndAudienceChecks(
  nonce: unknown,
  aud: unknown,
  groups: Map<CheckId, CoreError[]>,
  options: PresentationTokenOptions,
): CheckResult[] {
  const checks: CheckResult[] = []
  if (options.nonce !== undefined) {
    checks.push(
      groups.has('presentation/nonce')
        ? fail(
            'presentation/nonce',
            'NONCE_MISMATCH',
            'The presentation was made for another challenge (nonce).',
          )
        : pass('presentation/nonce', 'Made for this challenge (nonce).'),
    )
  } else if (options.requireNonceAndAudience) {
    checks.push(
      fail('presentation/nonce', 'NONCE_MISMATCH', 'No challenge (nonce) was given to check against.'),
    )
  } else if (nonce === undefined) {
    checks.push(pass('presentation/nonce', 'Legacy presentation without a challenge: allowed by policy.'))
  }
  if (options.audience !== undefined) {
    checks.push(
      groups.has('presentation/audience')
        ? fail(
            'presentation/audience',
            'AUDIENCE_MISMATCH',
            'The presentation was made for another verifier (aud).',
          )
        : pass('presentation/audience', 'Made for this verifier (aud).'),
    )
  } else if (options.requireNonceAndAudience) {
    checks.push(fail('presentation/audience', 'AUDIENCE_MISMATCH', 'No audience was given to check against.'))
  } else if (aud === undefined) {
    checks.push(pass('presentation/audience', 'Legacy presentation without an audience: allowed by policy.'))
  }
  return checks
}

async function verifySdJwtPresentation(
  token: string,
  options: TokenCheckOptions & PresentationTokenOptions,
): Promise<PresentationTokenOutcome> {
  const key = chooseKey(issuerJwtOf(token), options)
  if ('error' in key) {
    const checks = [earlyFailure(key.error, 'credential', 'credential')]
    return {
      format: 'dc+sd-jwt',
      checks: [],
      signatureVerified: false,
      credentialTokens: [],
      sdJwtCredential: { format: 'dc+sd-jwt', checks },
    }
  }
  const result = await verifySdJwt(token, {
    ...('publicJwk' in key ? { issuerJwk: key.publicJwk } : key),
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
    requireKeyBinding: true,
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
  })
  const credential = sdJwtOutcome(result, options, { checks: [] })
  if (credential.read === undefined) {
    return {
      format: 'dc+sd-jwt',
      checks: [],
      signatureVerified: false,
      credentialTokens: [],
      sdJwtCredential: credential,
    }
  }
  const keyBindingErrors = result.errors.filter((e) => KEY_BINDING_CODES.has(e.code))
  const groups = groupErrors(
    result.errors.filter((e) => e.code === 'NONCE_MISMATCH' || e.code === 'AUDIENCE_MISMATCH'),
    'presentation',
  )
  const bound = result.keyBinding !== undefined && keyBindingErrors.length === 0
  const checks: CheckResult[] = [
    keyBindingErrors.length > 0
      ? failedCheck('sd-jwt/key-binding', keyBindingErrors, 'The key-binding JWT does not verify: ')
      : bound
        ? pass('sd-jwt/key-binding', 'The key-binding JWT is signed by the key the credential is bound to.')
        : fail('sd-jwt/key-binding', 'KB_JWT_INVALID', 'The key-binding JWT could not be checked.'),
  ]
  // Nonce and audience live in the KB-JWT: they were only checked if it verified.
  const kbPayload = result.keyBinding?.payload as Record<string, unknown> | undefined
  if (bound || groups.size > 0) {
    checks.push(...nonceAndAudienceChecks(kbPayload?.nonce, kbPayload?.aud, groups, options))
  }
  const nonce = typeof kbPayload?.nonce === 'string' ? kbPayload.nonce : undefined
  const iat = numericDate(kbPayload?.iat)
  return {
    format: 'dc+sd-jwt',
    checks,
    signatureVerified: bound,
    credentialTokens: [],
    sdJwtCredential: credential,
    ...(nonce !== undefined && iat !== undefined
      ? { nonce: { value: nonce, acceptedUntil: iat + KB_MAX_AGE_SECONDS + options.clockSkewSeconds } }
      : {}),
  }
}

/** Core's default KB-JWT age limit: a KB-JWT older than this is refused, so its nonce need not be kept longer. */
const KB_MAX_AGE_SECONDS = 300

/** Verifies a presentation token (JWT VP or SD-JWT VC with KB-JWT); never throws for a bad token. */
export async function verifyPresentationToken(
  token: string,
  options: TokenCheckOptions & PresentationTokenOptions,
): Promise<PresentationTokenOutcome> {
  return isSdJwt(token) ? verifySdJwtPresentation(token, options) : verifyJwtPresentation(token, options)
}

// ── status-list credentials ──────────────────────────────────────────────────

export interface VerifiedBitstringList {
  readonly issuer: string | undefined
  readonly purpose: unknown
  readonly encodedList: unknown
  readonly type: 'BitstringStatusListCredential' | 'StatusList2021Credential'
  /** `ttl` of the list credential (milliseconds, per Bitstring Status List §2.2). */
  readonly ttlMs?: number
  /** validUntil / expirationDate / exp, seconds. */
  readonly validUntil?: number
}

/**
 * Verifies a W3C status-list credential JWT (signature through the issuer's DID, times,
 * data model) and returns its list members. Throws a CivitasError when it does not verify.
 */
export async function verifyBitstringListCredential(
  jwt: string,
  options: Omit<TokenCheckOptions, 'keyTime'>,
): Promise<VerifiedBitstringList> {
  const result = await verifyJwtVc(jwt, {
    resolver: options.resolver,
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
  })
  const credential = result.credential
  if (!result.verified || credential === undefined) {
    const [error] = result.errors
    throw new CivitasError(
      error?.code ?? 'STATUS_LIST_INVALID',
      `the status list credential does not verify: ${error?.message ?? 'no reason given'}`,
    )
  }
  const types = typesOf(credential)
  const type = types.includes('BitstringStatusListCredential')
    ? 'BitstringStatusListCredential'
    : types.includes('StatusList2021Credential')
      ? 'StatusList2021Credential'
      : undefined
  const subject = credential.credentialSubject
  if (type === undefined || !isRecord(subject)) {
    throw new CivitasError(
      'STATUS_LIST_INVALID',
      'the status list credential is not a BitstringStatusListCredential',
    )
  }
  const ttl = subject.ttl
  const payload = result.payload ?? {}
  const validUntil =
    numericDate(payload.exp) ?? xsdSeconds(credential.validUntil) ?? xsdSeconds(credential.expirationDate)
  return {
    issuer: typeof payload.iss === 'string' ? payload.iss : idOf(credential.issuer),
    purpose: subject.statusPurpose,
    encodedList: subject.encodedList,
    type,
    ...(typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? { ttlMs: ttl } : {}),
    ...(validUntil !== undefined ? { validUntil } : {}),
  }
}

export interface VerifiedTokenStatusList {
  readonly issuer: string | undefined
  readonly list: StatusList
  /** `ttl` claim, seconds. */
  readonly ttlSeconds?: number
  readonly exp?: number
}

/** Verifies an IETF Status List Token (statuslist+jwt) for `uri`. Throws a CivitasError when it does not verify. */
export async function verifyTokenStatusList(
  jwt: string,
  uri: string,
  options: Omit<TokenCheckOptions, 'keyTime'>,
): Promise<VerifiedTokenStatusList> {
  const { payload, list } = await verifyStatusListToken(jwt, {
    resolver: options.resolver,
    uri,
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
  })
  const ttl = numericDate(payload.ttl)
  const exp = numericDate(payload.exp)
  return {
    issuer: typeof payload.iss === 'string' ? payload.iss : undefined,
    list,
    ...(ttl !== undefined && ttl >= 0 ? { ttlSeconds: ttl } : {}),
    ...(exp !== undefined ? { exp } : {}),
  }
}

export type { StatusEntry }

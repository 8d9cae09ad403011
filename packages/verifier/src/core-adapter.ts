/**
 * The one place where the verifier calls @civitas/core's token verification. Everything
 * else in this package works on what this module returns: checks with stable ids, the
 * credential as read, its status entries and schema references.
 *
 * Core's pipeline tags every error with the check that found it (`format`, `key`,
 * `signature`, `time`, `dataModel`, `status-entry`, `binding`, `disclosures`, `resources`);
 * they become the verifier's check ids here. Core stops after a failed read, key or
 * signature step, so a result without a credential means the token never got past them.
 */
import {
  CivitasError,
  type KeyTime as CoreKeyTime,
  type StatusEntry as CoreStatusEntry,
  createLruCache,
  decodeJws,
  describeValue,
  isSdJwtJson,
  isXsdDateTime,
  type Jwk,
  type JwsHeader,
  type JwtVcVerificationResult,
  type LruCache,
  parseJwtClaims,
  type SdJwtVerificationResult,
  type StatusList,
  sdJwtFromJson,
  type VcSdJwtVerificationResult,
  type VerificationError,
  type VerifiedSignature,
  verifyJwtVc,
  verifyJwtVp,
  verifySdJwt,
  verifyStatusListToken,
  verifyVcSdJwt,
} from '@civitas/core'
import type { Resolvable } from 'did-resolver'
import { hasOwn, isRecord, parseJson } from './guards.js'
import { type CheckId, type CheckResult, type CredentialFormat, fail, pass } from './result.js'
import { MAX_STATUS_ENTRIES, type ReadStatusEntries, type StatusEntry } from './status/entries.js'

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
  /** format, signature, time, data-model, disclosures (SD-JWT), key binding when present. */
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
  /** The enclosed credentials (one for SD-JWT VC), verified; empty when the presentation was not. */
  readonly credentials: readonly CredentialTokenOutcome[]
  /** True for SD-JWT VC: holder binding is the KB-JWT, not the presentation signer. */
  readonly keyBound: boolean
  /**
   * The presentation's nonce, and the last second it could still be accepted (its `exp`, a
   * KB-JWT's age limit; undefined when the token sets none), for replay protection.
   */
  readonly nonce?: { value: string; acceptedUntil?: number }
}

// ── core checks → verifier check ids ─────────────────────────────────────────

type Level = 'credential' | 'presentation'

/** The verifier check a core error belongs to. */
function checkOf(error: VerificationError, level: Level): CheckId {
  switch (error.check) {
    case 'format':
      return `${level}/format`
    case 'key':
    case 'signature':
      return `${level}/signature`
    case 'time':
      return `${level}/time`
    case 'dataModel':
      return `${level}/data-model`
    case 'status-entry':
      return 'credential/status'
    case 'disclosures':
      return 'sd-jwt/disclosures'
    case 'resources':
      // A deadline passed while finding the key; any other limit is about the token's size.
      return error.code === 'VERIFICATION_TIMEOUT' ? `${level}/signature` : `${level}/format`
    case 'binding':
      if (error.code === 'NONCE_MISMATCH') return 'presentation/nonce'
      if (error.code === 'AUDIENCE_MISMATCH') return 'presentation/audience'
      if (error.code.startsWith('KB_')) return 'sd-jwt/key-binding'
      return `${level}/data-model`
    default:
      return `${level}/data-model`
  }
}

function groupErrors(errors: readonly VerificationError[], level: Level): Map<CheckId, VerificationError[]> {
  const groups = new Map<CheckId, VerificationError[]>()
  for (const error of errors) {
    const id = checkOf(error, level)
    groups.set(id, [...(groups.get(id) ?? []), error])
  }
  return groups
}

function failedCheck(id: CheckId, errors: readonly VerificationError[], prefix: string): CheckResult {
  const message = `${prefix}${errors.map((e) => e.message).join('; ')}`
  return fail(
    id,
    errors[0]!.code,
    message,
    errors.length > 1 ? { codes: errors.map((e) => e.code) } : undefined,
  )
}

/** The check a token failed at before its claims could be trusted (read, key or signature). */
function earlyFailure(
  error: { code: VerificationError['code']; message: string; check?: VerificationError['check'] },
  level: Level,
  what: string,
): CheckResult {
  const id = error.check !== undefined ? checkOf(error as VerificationError, level) : `${level}/signature`
  if (id === `${level}/format`) return fail(id, error.code, `The ${what} cannot be read: ${error.message}`)
  // SD-JWT: a Disclosure that is not the issuer's stops core before the claims exist.
  if (id === 'sd-jwt/disclosures')
    return fail(id, error.code, `Disclosures do not match the signed ${what}: ${error.message}`)
  return fail(`${level}/signature`, error.code, `The ${what}'s signature does not verify: ${error.message}`)
}

const NOT_VERIFIED = { code: 'SIGNATURE_INVALID', message: 'not verified', check: 'signature' } as const

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

const UINT64_MAX = 2n ** 64n - 1n
const ENTRY_TYPES = {
  'bitstring-status-list': 'BitstringStatusListEntry',
  'status-list-2021': 'StatusList2021Entry',
  'token-status-list': 'TokenStatusList',
} as const

/** Core's normalised status entries (and the status-entry errors it found) as the status check reads them. */
export function statusEntriesOf(
  entries: readonly CoreStatusEntry[] | undefined,
  errors: readonly VerificationError[],
): ReadStatusEntries {
  const out: ReadStatusEntries = {
    entries: [],
    problems: errors.filter((e) => e.check === 'status-entry').map((e) => e.message),
  }
  const list = entries ?? []
  if (list.length > MAX_STATUS_ENTRIES) {
    out.problems.push(`the credential has ${list.length} status entries, the limit is ${MAX_STATUS_ENTRIES}`)
    return out
  }
  for (const entry of list) {
    if (entry.kind === 'unsupported') {
      out.problems.push(
        `a status entry of type ${describeValue(entry.type.join(', ') || 'unknown', 120)} is not supported`,
      )
      continue
    }
    let chain: StatusEntry['chain']
    if (entry.chain !== undefined) {
      const listId = BigInt(entry.chain.listId)
      // The StatusRegistry numbers lists with a uint64.
      if (listId > UINT64_MAX) {
        out.problems.push(`statusChain.listId ${describeValue(entry.chain.listId, 30)} is beyond uint64`)
        continue
      }
      chain = {
        chainId: entry.chain.chainId,
        registry: entry.chain.registry,
        owner: entry.chain.owner,
        listId,
      }
    }
    out.entries.push({
      type: ENTRY_TYPES[entry.kind],
      // A Token Status List's values carry their meaning; on chain its bit means revoked.
      purpose: entry.purpose ?? 'revocation',
      index: entry.index,
      size: entry.kind === 'token-status-list' ? 1 : (entry.statusSize ?? 1),
      uri: entry.listUrl,
      ...(chain !== undefined ? { chain } : {}),
    })
  }
  return out
}

/**
 * What the verifier reads from a W3C credential (`jwt_vc_json`, `vc+jwt`, `vc+sd-jwt`) once
 * its format has said who issued it, about whom and when: the rest is read alike.
 */
function readW3cCredential(
  format: CredentialFormat,
  token: { header: JwsHeader; payload: Record<string, unknown>; credential: Record<string, unknown> },
  verified: { statusEntries?: readonly CoreStatusEntry[] | undefined; errors: readonly VerificationError[] },
  named: { issuer: string | undefined; subject: string | undefined; issuedAt: number | undefined },
): ReadCredential {
  const { header, payload, credential } = token
  const { issuer, subject, issuedAt } = named
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
    status: statusEntriesOf(verified.statusEntries, verified.errors),
    schemas: schemas.refs,
    schemaProblems: schemas.problems,
  }
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
  return readW3cCredential(format, { header, payload, credential }, result, { issuer, subject, issuedAt })
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
    status: statusEntriesOf(result.statusEntries, result.errors),
    schemas: vct !== undefined ? [{ id: vct, type: 'vct' }] : [],
    schemaProblems: [],
  }
}

function readVcSdJwtCredential(result: VcSdJwtVerificationResult): ReadCredential | undefined {
  const { header, payload, credential } = result
  if (header === undefined || payload === undefined || credential === undefined) return undefined
  // The issuer is clear text in a vc+sd-jwt (core refuses a disclosable one): it named the key.
  const issuer = idOf(credential.issuer)
  const subject = subjectOf(credential)
  const issuedAt = numericDate(payload.iat) ?? numericDate(payload.nbf) ?? xsdSeconds(credential.validFrom)
  return readW3cCredential('vc+sd-jwt', { header, payload, credential }, result, {
    issuer,
    subject,
    issuedAt,
  })
}

/** SD-JWT in compact (`~`) or JSON serialization; anything else is read as a JWT. */
export function isSdJwt(token: string): boolean {
  return token.includes('~') || token.trimStart().startsWith('{')
}

// vc-jose-cose's media type, and the names earlier drafts gave it (as core accepts them).
const VCDM_SD_JWT_TYPES = new Set(['vc+sd-jwt', 'vc+ld+json+sd-jwt', 'vc-ld+sd-jwt'])
const VP_SD_JWT_TYPES = new Set(['vp+sd-jwt', 'vp+ld+json+sd-jwt', 'vp-ld+sd-jwt'])
// Core refuses a larger SD-JWT anyway; the kind of a larger JSON one is not looked at.
const MAX_JSON_SD_JWT_LENGTH = 1_048_576

/** The issuer-signed JWT of a compact or JSON-serialized SD-JWT, as a compact JWS. */
function issuerJwtOfSdJwt(token: string): string {
  if (!token.startsWith('{') || token.length > MAX_JSON_SD_JWT_LENGTH) return issuerJwtOf(token)
  try {
    const json = parseJson(token, 'SD_JWT_INVALID', { what: 'the SD-JWT JSON' })
    return isSdJwtJson(json) ? issuerJwtOf(sdJwtFromJson(json).compact) : token
  } catch {
    // Unreadable: core reports it as the format failure it is.
    return token
  }
}

/** What an SD-JWT is: its `typ` (media type, lower case) and whether it names a `vct`. */
export type SdJwtKind = 'vc+sd-jwt' | 'vp+sd-jwt' | 'dc+sd-jwt'

/**
 * `vc+sd-jwt` names a VCDM 2.0 credential secured with SD-JWT (vc-jose-cose §3.2, no `vct`)
 * and, in drafts of SD-JWT VC before -06, what is now `dc+sd-jwt` (with `vct`): the payload
 * tells them apart. Anything unreadable is `dc+sd-jwt`, whose verification reports why.
 */
export function sdJwtKind(token: string): SdJwtKind {
  try {
    const { header, payload } = decodeJws(issuerJwtOfSdJwt(token))
    const raw = typeof header.typ === 'string' ? header.typ.toLowerCase() : ''
    const typ = raw.startsWith('application/') ? raw.slice('application/'.length) : raw
    if (VP_SD_JWT_TYPES.has(typ)) return 'vp+sd-jwt'
    if (VCDM_SD_JWT_TYPES.has(typ) && !hasOwn(parseJwtClaims(payload), 'vct')) return 'vc+sd-jwt'
  } catch {
    // Unreadable: the dc+sd-jwt path reports it.
  }
  return 'dc+sd-jwt'
}

// ── the signature check ──────────────────────────────────────────────────────

type KeyChoice =
  | { publicJwk: Jwk }
  | { resolver: Resolvable; keyTime: CoreKeyTime }
  | { error: VerificationError }

/** The signer key source for `jwt` (a compact JWS): `keyFor`'s key when it names one, else the DID resolver. */
function chooseKey(jwt: string, options: TokenCheckOptions): KeyChoice {
  const viaDid = { resolver: options.resolver, keyTime: options.keyTime }
  if (options.keyFor === undefined) return viaDid
  let header: JwsHeader
  let payload: Record<string, unknown>
  try {
    const decoded = decodeJws(jwt)
    header = decoded.header
    payload = parseJwtClaims(decoded.payload)
  } catch {
    // Unreadable: core reports it as the format failure it is.
    return viaDid
  }
  try {
    const publicJwk = options.keyFor(header, payload)
    return publicJwk === undefined ? viaDid : { publicJwk }
  } catch (error) {
    return {
      error: {
        code: error instanceof CivitasError ? error.code : 'KEY_INVALID',
        message: error instanceof Error ? error.message : 'the signer key cannot be used',
        check: 'key',
      },
    }
  }
}

/** The issuer-signed JWT of an SD-JWT (compact): what precedes the first `~`. */
function issuerJwtOf(token: string): string {
  const cut = token.indexOf('~')
  return cut === -1 ? token : token.slice(0, cut)
}

function signatureData(
  signatures: readonly VerifiedSignature[],
  options: TokenCheckOptions,
  viaDid: boolean,
) {
  const issuer = signatures.find((s) => s.role === 'issuer')
  return {
    ...(issuer?.verificationMethod?.id !== undefined
      ? { verificationMethod: issuer.verificationMethod.id }
      : {}),
    ...(issuer !== undefined ? { alg: issuer.alg } : {}),
    keyTime: viaDid ? options.keyTime : 'certificate',
  }
}

// Per resolver, the issuer DIDs seen active in the last few seconds: most verifications meet
// the same few issuers, and a deactivation is then seen within this time (a failure or a
// deactivation itself is never remembered).
const stillActive = new WeakMap<Resolvable, LruCache<true>>()
const STILL_ACTIVE_TTL_MS = 5_000

/**
 * With the key valid at issuance, a DID deactivated since would still verify its old
 * credentials: its current document is asked too (a cached resolution).
 */
async function deactivatedSince(
  issuer: string | undefined,
  options: TokenCheckOptions,
): Promise<CheckResult | undefined> {
  if (options.keyTime !== 'issuance' || issuer === undefined || !issuer.startsWith('did:')) return undefined
  let active = stillActive.get(options.resolver)
  if (active === undefined) {
    active = createLruCache<true>({ maxEntries: 1_024 })
    stillActive.set(options.resolver, active)
  }
  const cacheable = issuer.length <= 512
  if (cacheable && active.get(issuer)) return undefined
  const resolved = await options.resolver.resolve(issuer)
  const error = resolved.didResolutionMetadata?.error
  if (error !== undefined) {
    const code =
      typeof resolved.didResolutionMetadata.code === 'string'
        ? resolved.didResolutionMetadata.code
        : 'RESOLVER_UNAVAILABLE'
    return fail(
      'credential/signature',
      code as VerificationError['code'],
      `The issuer's DID cannot be resolved now, so whether it was deactivated is unknown: ${describeValue(resolved.didResolutionMetadata.message ?? error, 200)}.`,
    )
  }
  if (resolved.didDocumentMetadata?.deactivated === true) {
    return fail(
      'credential/signature',
      'DID_DEACTIVATED',
      `The issuer's DID ${describeValue(issuer, 200)} has been deactivated.`,
    )
  }
  if (cacheable) active.set(issuer, true, STILL_ACTIVE_TTL_MS)
  return undefined
}

// ── credentials ──────────────────────────────────────────────────────────────

async function jwtOutcome(
  result: JwtVcVerificationResult,
  options: TokenCheckOptions,
  viaDid: boolean,
): Promise<CredentialTokenOutcome> {
  const read = readJwtCredential(result)
  const format = result.format
  const issuer = read?.issuer ?? (typeof result.payload?.iss === 'string' ? result.payload.iss : undefined)
  const base = {
    ...(format !== undefined ? { format } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
    ...(read?.subject !== undefined ? { subject: read.subject } : {}),
  }
  if (read === undefined)
    return { ...base, checks: [earlyFailure(result.errors[0] ?? NOT_VERIFIED, 'credential', 'credential')] }
  const deactivated = viaDid ? await deactivatedSince(read.issuer, options) : undefined
  if (deactivated)
    return { ...base, checks: [pass('credential/format', `A ${read.format} credential.`), deactivated] }
  const groups = groupErrors(
    result.errors.filter((e) => e.check !== 'status-entry'),
    'credential',
  )
  const checks: CheckResult[] = [
    pass('credential/format', `A ${read.format} credential.`),
    pass(
      'credential/signature',
      `Signed by ${describeValue(read.issuer ?? 'its issuer', 200)}.`,
      signatureData(result.signatures, options, viaDid),
    ),
    ...modelChecks(groups, 'Well-formed for its data model.'),
  ]
  return { ...base, checks, read }
}

/** time and data-model (always reported), then any other check core reported. */
function modelChecks(groups: Map<CheckId, VerificationError[]>, wellFormed: string): CheckResult[] {
  const checks: CheckResult[] = []
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
      : pass('credential/data-model', wellFormed),
  )
  for (const [id, errors] of groups) {
    if (id !== 'credential/time' && id !== 'credential/data-model' && id.startsWith('credential/')) {
      checks.push(failedCheck(id, errors, ''))
    }
  }
  return checks
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
  return jwtOutcome(result, options, 'resolver' in key)
}

/** What the SD-JWT credential paths share: core's dc+sd-jwt and vc+sd-jwt results. */
type SdJwtResult = Pick<SdJwtVerificationResult, 'errors' | 'signatures' | 'disclosures' | 'keyBinding'>

const SD_JWT_LABELS = {
  'dc+sd-jwt': { format: 'An SD-JWT VC (dc+sd-jwt).', wellFormed: 'Well-formed SD-JWT VC.' },
  'vc+sd-jwt': {
    format: 'A VCDM 2.0 credential secured with SD-JWT (vc+sd-jwt).',
    wellFormed: 'Well-formed for VCDM 2.0.',
  },
} as const

async function sdJwtOutcome(
  format: 'dc+sd-jwt' | 'vc+sd-jwt',
  result: SdJwtResult,
  read: ReadCredential | undefined,
  claimedIssuer: string | undefined,
  options: TokenCheckOptions,
  viaDid: boolean,
  inPresentation: boolean,
): Promise<CredentialTokenOutcome> {
  const labels = SD_JWT_LABELS[format]
  const issuer = read?.issuer ?? claimedIssuer
  const base = { format, ...(issuer !== undefined ? { issuer } : {}) }
  if (read === undefined)
    return { ...base, checks: [earlyFailure(result.errors[0] ?? NOT_VERIFIED, 'credential', 'credential')] }
  const deactivated = viaDid ? await deactivatedSince(read.issuer, options) : undefined
  if (deactivated) return { ...base, checks: [pass('credential/format', labels.format), deactivated] }
  // Key binding, nonce and audience are the presentation's checks.
  const groups = groupErrors(
    result.errors.filter((e) => e.check !== 'status-entry' && e.check !== 'binding'),
    'credential',
  )
  const disclosures = groups.get('sd-jwt/disclosures')
  groups.delete('sd-jwt/disclosures')
  // vc+sd-jwt's format rules (iss = issuer, no vct) are checked after the signature: one
  // format check, failed or passed, not both.
  const format_ = groups.get('credential/format')
  groups.delete('credential/format')
  const checks: CheckResult[] = [
    format_
      ? failedCheck('credential/format', format_, 'Not a well-formed credential of its format: ')
      : pass('credential/format', labels.format),
    pass(
      'credential/signature',
      `Signed by ${describeValue(read.issuer ?? 'its issuer', 200)}.`,
      signatureData(result.signatures, options, viaDid),
    ),
    ...modelChecks(groups, labels.wellFormed),
    disclosures
      ? failedCheck('sd-jwt/disclosures', disclosures, 'Disclosures do not match the signed credential: ')
      : pass(
          'sd-jwt/disclosures',
          `${result.disclosures?.length ?? 0} disclosure(s), each signed by the issuer.`,
        ),
  ]
  const keyBinding = result.errors.filter((e) => e.check === 'binding' && e.code.startsWith('KB_'))
  if (!inPresentation && (result.keyBinding !== undefined || keyBinding.length > 0)) {
    checks.push(
      keyBinding.length > 0
        ? failedCheck('sd-jwt/key-binding', keyBinding, 'The key-binding JWT does not verify: ')
        : pass('sd-jwt/key-binding', 'The key-binding JWT is signed by the key the credential is bound to.'),
    )
  }
  return { ...base, ...(read.subject !== undefined ? { subject: read.subject } : {}), checks, read }
}

function sdJwtKeyOptions(key: Exclude<KeyChoice, { error: VerificationError }>) {
  return 'publicJwk' in key ? { publicJwk: key.publicJwk } : key
}

/** The SD-JWT credential verifications core offers, each with what the verifier reads from it. */
interface SdJwtVerification {
  result: SdJwtResult & { payload?: Record<string, unknown> }
  read: ReadCredential | undefined
  /** The issuer the token names, for a result that did not get past its signature. */
  claimedIssuer: string | undefined
}

type SdJwtCoreOptions = ReturnType<typeof sdJwtKeyOptions> & {
  now: number
  clockSkewSeconds: number
  requireKeyBinding?: boolean
  nonce?: string
  audience?: string
}

async function verifySdJwtOf(
  format: 'dc+sd-jwt' | 'vc+sd-jwt',
  token: string,
  options: SdJwtCoreOptions,
): Promise<SdJwtVerification> {
  if (format === 'vc+sd-jwt') {
    // Core's verifyVcSdJwt: signature by the key of the credential's `issuer`, the strictest
    // of iat / nbf / exp / validFrom / validUntil, VCDM 2.0, clear-text members, Disclosures,
    // and the KB-JWT when one is present.
    const result = await verifyVcSdJwt(token, options)
    return {
      result,
      read: readVcSdJwtCredential(result),
      claimedIssuer: idOf(result.payload?.issuer),
    }
  }
  const result = await verifySdJwt(token, options)
  return {
    result,
    read: readSdJwtCredential(result),
    claimedIssuer: typeof result.payload?.iss === 'string' ? result.payload.iss : undefined,
  }
}

async function verifySdJwtCredential(
  format: 'dc+sd-jwt' | 'vc+sd-jwt',
  token: string,
  options: TokenCheckOptions,
): Promise<CredentialTokenOutcome> {
  const key = chooseKey(issuerJwtOfSdJwt(token), options)
  if ('error' in key) return { format, checks: [earlyFailure(key.error, 'credential', 'credential')] }
  const { result, read, claimedIssuer } = await verifySdJwtOf(format, token, {
    ...sdJwtKeyOptions(key),
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
  })
  return sdJwtOutcome(format, result, read, claimedIssuer, options, 'resolver' in key, false)
}

/** The presentation outcome of a presentation format the verifier does not verify. */
function unsupportedPresentation(format: string): PresentationTokenOutcome {
  return {
    checks: [
      fail(
        'presentation/format',
        'FORMAT_UNSUPPORTED',
        `A ${format} presentation is not supported; present the credential as an SD-JWT with a key-binding JWT, or in a vp+jwt.`,
      ),
    ],
    signatureVerified: false,
    credentials: [],
    keyBound: false,
  }
}

/** Verifies a credential token's signature, times and data model; never throws for a bad token. */
export async function verifyCredentialToken(
  token: string,
  options: TokenCheckOptions,
): Promise<CredentialTokenOutcome> {
  if (!isSdJwt(token)) return verifyJwtCredential(token, options)
  const kind = sdJwtKind(token)
  if (kind === 'vp+sd-jwt') {
    return {
      checks: [
        fail(
          'credential/format',
          'FORMAT_MISMATCH',
          'A vp+sd-jwt is a presentation: verify it with verifyPresentation.',
        ),
      ],
    }
  }
  return verifySdJwtCredential(kind, token, options)
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
  // The holder signs now: its key is the current one. Core's verifyJwtVp applies one keyTime
  // to holder and issuers, so with the issuers' key at issuance (or X.509 keys, picked one by
  // one) core verifies the presentation alone (maxCredentials 0) and each credential is
  // verified here.
  const oneByOne = options.keyFor !== undefined || options.keyTime !== 'now'
  const result = await verifyJwtVp(token, {
    resolver: options.resolver,
    keyTime: 'now',
    nonce: options.nonce ?? NO_NONCE,
    audience: options.audience ?? NO_AUDIENCE,
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
    maxCredentials: oneByOne ? 0 : options.maxCredentials,
  })
  const { format, payload, presentation } = result
  const holder = result.holder
  const base = {
    ...(format !== undefined ? { format } : {}),
    ...(holder !== undefined ? { holder } : {}),
    ...(presentation !== undefined ? { presentation } : {}),
    keyBound: false,
  }
  const own = result.errors.filter((e) => e.credential === undefined)
  const early = own.find((e) => e.check === 'format' || e.check === 'key' || e.check === 'signature')
  if (payload === undefined || presentation === undefined || early !== undefined) {
    return {
      ...base,
      checks: [earlyFailure(early ?? own[0] ?? NOT_VERIFIED, 'presentation', 'presentation')],
      signatureVerified: false,
      credentials: [],
    }
  }
  const errors = own.filter((e) => {
    if (oneByOne && e.code === 'INPUT_TOO_LARGE' && / the limit is 0$/.test(e.message)) return false
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
  const model = [
    ...(groups.get('presentation/data-model') ?? []),
    ...(groups.get('presentation/format') ?? []),
  ]
  checks.push(
    model.length > 0
      ? failedCheck('presentation/data-model', model, 'Malformed presentation: ')
      : pass('presentation/data-model', 'Well-formed presentation.'),
  )
  checks.push(...nonceAndAudienceChecks(payload.nonce, payload.aud, groups, options))
  let credentials: CredentialTokenOutcome[]
  if (oneByOne) {
    const vcs = presentation.verifiableCredential
    const items = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
    if (items.length > options.maxCredentials) {
      checks.push(
        fail(
          'presentation/data-model',
          'INPUT_TOO_LARGE',
          `The presentation encloses ${items.length} credentials; at most ${options.maxCredentials} are verified.`,
        ),
      )
      credentials = []
    } else {
      credentials = await Promise.all(
        items.map((item) => {
          const jwt = enclosedJwt(item)
          return jwt === undefined
            ? {
                checks: [
                  fail(
                    'credential/format',
                    'PRESENTATION_INVALID',
                    'This enclosed credential is not a credential JWT.',
                  ),
                ],
              }
            : verifyCredentialToken(jwt, options)
        }),
      )
    }
  } else {
    credentials = await Promise.all(result.credentials.map((c) => jwtOutcome(c, options, true)))
  }
  const nonce = typeof payload.nonce === 'string' ? payload.nonce : undefined
  const exp = numericDate(payload.exp)
  return {
    ...base,
    checks,
    signatureVerified: true,
    credentials,
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

function nonceAndAudienceChecks(
  nonce: unknown,
  aud: unknown,
  groups: Map<CheckId, VerificationError[]>,
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

/** Core's default KB-JWT age limit: a KB-JWT older than this is refused, so its nonce need not be kept longer. */
const KB_MAX_AGE_SECONDS = 300

async function verifySdJwtPresentation(
  format: 'dc+sd-jwt' | 'vc+sd-jwt',
  token: string,
  options: TokenCheckOptions & PresentationTokenOptions,
): Promise<PresentationTokenOutcome> {
  const none = { format, checks: [], signatureVerified: false, keyBound: true }
  const key = chooseKey(issuerJwtOfSdJwt(token), options)
  if ('error' in key) {
    return {
      ...none,
      credentials: [{ format, checks: [earlyFailure(key.error, 'credential', 'credential')] }],
    }
  }
  const { result, read, claimedIssuer } = await verifySdJwtOf(format, token, {
    ...sdJwtKeyOptions(key),
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
    requireKeyBinding: true,
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
  })
  const credential = await sdJwtOutcome(format, result, read, claimedIssuer, options, 'resolver' in key, true)
  if (credential.read === undefined) return { ...none, credentials: [credential] }
  const binding = result.errors.filter((e) => e.check === 'binding')
  const keyBindingErrors = binding.filter((e) => e.code.startsWith('KB_'))
  const groups = groupErrors(
    binding.filter((e) => !e.code.startsWith('KB_')),
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
  const kbPayload = result.keyBinding?.payload
  if (bound || groups.size > 0)
    checks.push(...nonceAndAudienceChecks(kbPayload?.nonce, kbPayload?.aud, groups, options))
  const nonce = typeof kbPayload?.nonce === 'string' ? kbPayload.nonce : undefined
  const iat = numericDate(kbPayload?.iat)
  return {
    format,
    checks,
    signatureVerified: bound,
    keyBound: true,
    credentials: [credential],
    ...(nonce !== undefined && iat !== undefined
      ? { nonce: { value: nonce, acceptedUntil: iat + KB_MAX_AGE_SECONDS + options.clockSkewSeconds } }
      : {}),
  }
}

/**
 * Verifies a presentation token (JWT VP, or an SD-JWT credential, dc+sd-jwt or vc+sd-jwt,
 * with its KB-JWT); never throws for a bad token. A vp+sd-jwt is FORMAT_UNSUPPORTED.
 */
export async function verifyPresentationToken(
  token: string,
  options: TokenCheckOptions & PresentationTokenOptions,
): Promise<PresentationTokenOutcome> {
  if (!isSdJwt(token)) return verifyJwtPresentation(token, options)
  const kind = sdJwtKind(token)
  return kind === 'vp+sd-jwt'
    ? unsupportedPresentation('vp+sd-jwt')
    : verifySdJwtPresentation(kind, token, options)
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

/** A list token's failure as one CivitasError: the first error's code, every message. */
function listFailure(errors: readonly VerificationError[], what: string): CivitasError {
  const [first] = errors
  return new CivitasError(
    first?.code ?? 'STATUS_LIST_INVALID',
    `the ${what} does not verify: ${errors.map((e) => e.message).join('; ') || 'no reason given'}`,
  )
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
  if (!result.verified || credential === undefined) throw listFailure(result.errors, 'status list credential')
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
  const result = await verifyStatusListToken(jwt, {
    resolver: options.resolver,
    uri,
    now: options.now,
    clockSkewSeconds: options.clockSkewSeconds,
  })
  const { payload, list } = result
  if (!result.verified || payload === undefined || list === undefined)
    throw listFailure(result.errors, 'Status List Token')
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

import { CivitasError, type CivitasErrorCode } from '../errors/index.js'
import { isRecord, optionsRecord } from '../guards/index.js'
import type { VerificationError } from '../verification/result.js'
import { w3cStatusEntries } from '../verification/status-entry.js'
import { ebsiDidProblem } from './ebsi-did.js'

/** The first `@context` of each W3C Verifiable Credentials Data Model version. */
export const VCDM_1_1_CONTEXT = 'https://www.w3.org/2018/credentials/v1'
export const VCDM_2_0_CONTEXT = 'https://www.w3.org/ns/credentials/v2'

export type DataModelVersion = '1.1' | '2.0'

/**
 * Extra rules on top of the W3C data model. `ebsi`: EBSI's Verifiable Attestation (type,
 * `credentialSchema`; for VCDM 1.1 also `id`, `issued`, `validFrom` = `issuanceDate`, EBSI
 * DIDs for issuer and subjects, schema and status types, RFC 3339 dates).
 */
export type CredentialProfile = 'w3c' | 'ebsi'

export interface DataModelOptions {
  version: DataModelVersion
  profile?: CredentialProfile
}

// RFC 3986 scheme, then anything without whitespace: enough to catch "not a URL at all".
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/
// XML Schema 1.1 dateTime; `dateTimeStamp` (VCDM 2.0) additionally requires the offset. A year
// of more than four digits has no leading zero, an offset is at most ±14:00 (XSD 1.1 §3.3.7).
const XSD_DATE_TIME =
  /^(-?(?:[1-9]\d{3,}|0\d{3}))-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d+)?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?$/

// ECMAScript's time range: ±8.64e15 ms around the epoch (-271821-04-20 to +275760-09-13).
const MAX_DATE_MS = 8.64e15

// Proleptic Gregorian with year 0 (XSD 1.1 and ECMAScript agree): 0000 and -0400 are leap years.
function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number)
}

function parseXsdDateTime(value: string, requireOffset: boolean): number | undefined {
  const match = XSD_DATE_TIME.exec(value)
  if (!match) return undefined
  const [, year, month, day, hour, minute, second, offset] = match as unknown as string[]
  if (offset === undefined && requireOffset) return undefined
  const y = Number(year)
  const m = Number(month)
  const d = Number(day)
  if (d > daysInMonth(y, m)) return undefined
  let ms: number
  if (y >= 100 || y < 0) {
    ms = Date.UTC(y, m - 1, d, Number(hour), Number(minute), Number(second))
  } else {
    // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as it is.
    const date = new Date(0)
    date.setUTCFullYear(y, m - 1, d)
    date.setUTCHours(Number(hour), Number(minute), Number(second))
    ms = date.getTime()
  }
  if (offset !== undefined && offset !== 'Z') {
    const minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))
    ms -= (offset[0] === '-' ? -1 : 1) * minutes * 60_000
  }
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : undefined
}

// The same few dates are read several times per verification (data model, validity order,
// time bounds): remember recent answers. Bounded, and only for strings a date can be.
const parsed = new Map<string, number | null>()
const MAX_PARSED = 512

/**
 * Milliseconds since the epoch of an XML Schema dateTime (UTC when it has no offset), or
 * undefined when the text is none, names a day its month lacks, or lies outside what a
 * `Date` can hold. That last one matters: `-271821-04-19T00:00:00Z` is a lexically valid
 * dateTime, but as a Date it is NaN, and a NaN bound passes every validity comparison.
 */
function xsdDateTimeToMs(value: unknown, requireOffset: boolean): number | undefined {
  if (typeof value !== 'string') return undefined
  if (value.length > 48) return parseXsdDateTime(value, requireOffset)
  // A fixed-length tag keeps the two readings apart (the key is injective).
  const key = `${requireOffset ? 1 : 0}${value}`
  const known = parsed.get(key)
  if (known !== undefined) return known ?? undefined
  const ms = parseXsdDateTime(value, requireOffset)
  if (parsed.size >= MAX_PARSED) parsed.clear()
  parsed.set(key, ms ?? null)
  return ms
}

/**
 * True for an XML Schema dateTime (`requireOffset`: a dateTimeStamp) naming a real day at
 * an instant a `Date` can hold.
 */
export function isXsdDateTime(value: unknown, requireOffset = false): value is string {
  return xsdDateTimeToMs(value, requireOffset) !== undefined
}

/**
 * Seconds since the epoch of an XML Schema dateTime (UTC when it has no offset), or
 * undefined when isXsdDateTime refuses it. Date.parse gives NaN for years outside
 * 0000-9999; this reads any year a Date can hold.
 */
export function xsdDateTimeToSeconds(value: unknown): number | undefined {
  const ms = xsdDateTimeToMs(value, false)
  return ms === undefined ? undefined : Math.floor(ms / 1000)
}

export function isUri(value: unknown): value is string {
  return typeof value === 'string' && URI.test(value)
}

/** The id of an issuer or holder given as a URI or as an object with `id`. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (isRecord(value) && typeof value.id === 'string') return value.id
  return undefined
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value]
}

function typesOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.length > 0 && value.every((t) => typeof t === 'string')) return value
  return undefined
}

class Collector {
  readonly errors: VerificationError[] = []
  constructor(private readonly code: CivitasErrorCode) {}
  add(message: string): void {
    this.errors.push({ code: this.code, message, check: 'dataModel' })
  }
}

function checkContext(c: Collector, context: unknown, version: DataModelVersion): void {
  const first = version === '1.1' ? VCDM_1_1_CONTEXT : VCDM_2_0_CONTEXT
  if (!Array.isArray(context) || context.length === 0) {
    c.add('@context must be a non-empty array')
    return
  }
  if (context[0] !== first) c.add(`@context must begin with "${first}"`)
  for (const item of context) {
    if (!(isUri(item) || isRecord(item))) c.add('@context entries must be URLs or objects')
  }
}

function checkTypedList(
  c: Collector,
  name: string,
  value: unknown,
  { idRequired, typeRequired }: { idRequired: boolean; typeRequired: boolean },
): Record<string, unknown>[] {
  if (value === undefined) return []
  const items = asList(value)
  if (items.length === 0) c.add(`${name} must not be empty`)
  const objects: Record<string, unknown>[] = []
  items.forEach((item, i) => {
    const where = Array.isArray(value) ? `${name}[${i}]` : name
    if (!isRecord(item)) {
      c.add(`${where} must be an object`)
      return
    }
    objects.push(item)
    if (item.id !== undefined ? !isUri(item.id) : idRequired) c.add(`${where}.id must be a URL`)
    if (item.type !== undefined ? typesOf(item.type) === undefined : typeRequired) {
      c.add(`${where}.type must be a string or a non-empty array of strings`)
    }
  })
  return objects
}

/** Members that open a credential's validity window, and those that close it. */
export const VALID_FROM_MEMBERS = ['validFrom', 'issuanceDate'] as const
export const VALID_UNTIL_MEMBERS = ['validUntil', 'expirationDate'] as const

/** The latest start and the earliest end a credential's dates state (the strictest bounds). */
export function strictestValidity(credential: Record<string, unknown>): {
  from?: { name: string; seconds: number }
  until?: { name: string; seconds: number }
} {
  let from: { name: string; seconds: number } | undefined
  let until: { name: string; seconds: number } | undefined
  for (const name of VALID_FROM_MEMBERS) {
    const seconds = xsdDateTimeToSeconds(credential[name])
    if (seconds !== undefined && (from === undefined || seconds > from.seconds)) from = { name, seconds }
  }
  for (const name of VALID_UNTIL_MEMBERS) {
    const seconds = xsdDateTimeToSeconds(credential[name])
    if (seconds !== undefined && (until === undefined || seconds < until.seconds)) until = { name, seconds }
  }
  return { ...(from ? { from } : {}), ...(until ? { until } : {}) }
}

function validityOrderError(credential: Record<string, unknown>): VerificationError | undefined {
  const { from, until } = strictestValidity(credential)
  if (from === undefined || until === undefined || until.seconds >= from.seconds) return undefined
  return { code: 'TIME_ORDER_INVALID', message: `${until.name} is before ${from.name}`, check: 'time' }
}

/**
 * The caller's options, checked; without a `version`, the one the document's first
 * `@context` names (1.1 unless it is the 2.0 context, whose absence checkContext reports).
 */
function dataModelOptions(options: unknown, document: unknown): DataModelOptions {
  const { version, profile } = optionsRecord(options as DataModelOptions | undefined)
  if (version !== undefined && version !== '1.1' && version !== '2.0') {
    throw new CivitasError('INVALID_ARGUMENT', 'options.version must be "1.1" or "2.0"', {
      details: { argument: 'options.version' },
    })
  }
  if (profile !== undefined && profile !== 'w3c' && profile !== 'ebsi') {
    throw new CivitasError('INVALID_ARGUMENT', 'options.profile must be "w3c" or "ebsi"', {
      details: { argument: 'options.profile' },
    })
  }
  const context = isRecord(document) ? document['@context'] : undefined
  const named = Array.isArray(context) && context[0] === VCDM_2_0_CONTEXT ? '2.0' : '1.1'
  return { version: version ?? named, ...(profile !== undefined ? { profile } : {}) }
}

/**
 * Checks a credential against the W3C data model (1.1 or 2.0) and, optionally, the EBSI
 * profile. Returns every violation found (`CREDENTIAL_INVALID`), not only the first.
 */
export function validateCredential(credential: unknown, options?: DataModelOptions): VerificationError[] {
  const checked = dataModelOptions(options, credential)
  const c = new Collector('CREDENTIAL_INVALID')
  if (!isRecord(credential)) {
    c.add('a credential must be a JSON object')
    return c.errors
  }
  const { version } = checked
  checkContext(c, credential['@context'], version)
  if (credential.id !== undefined && !isUri(credential.id)) c.add('id must be a URL')
  const types = typesOf(credential.type)
  if (!types?.includes('VerifiableCredential')) c.add('type must include "VerifiableCredential"')
  const issuer = idOf(credential.issuer)
  if (!isUri(issuer)) c.add('issuer must be a URL or an object whose id is a URL')

  if (version === '1.1') {
    if (!isXsdDateTime(credential.issuanceDate)) c.add('issuanceDate must be an XML Schema dateTime')
    // EBSI writes validFrom / validUntil (and issued) next to the 1.1 members.
    for (const name of ['expirationDate', 'validFrom', 'validUntil', 'issued'] as const) {
      if (credential[name] !== undefined && !isXsdDateTime(credential[name])) {
        c.add(`${name} must be an XML Schema dateTime`)
      }
    }
  } else {
    for (const name of ['validFrom', 'validUntil'] as const) {
      if (credential[name] !== undefined && !isXsdDateTime(credential[name], true)) {
        c.add(`${name} must be an XML Schema dateTimeStamp (with a time zone)`)
      }
    }
    // 1.1 members in a 2.0 credential still bound its validity (the strictest bound holds),
    // so they must be readable too.
    for (const name of ['issuanceDate', 'expirationDate'] as const) {
      if (credential[name] !== undefined && !isXsdDateTime(credential[name])) {
        c.add(`${name} must be an XML Schema dateTime`)
      }
    }
  }
  const order = validityOrderError(credential)
  if (order) c.errors.push(order)

  const subject = credential.credentialSubject
  if (subject === undefined) c.add('credentialSubject is required')
  else {
    const subjects = asList(subject)
    if (subjects.length === 0) c.add('credentialSubject must not be empty')
    subjects.forEach((s, i) => {
      const where = Array.isArray(subject) ? `credentialSubject[${i}]` : 'credentialSubject'
      if (!isRecord(s)) c.add(`${where} must be an object`)
      else if (Object.keys(s).length === 0) c.add(`${where} must carry at least one claim`)
      else if (s.id !== undefined && !isUri(s.id)) c.add(`${where}.id must be a URL`)
    })
  }
  checkStatusMember(c, credential, version)
  checkTypedList(c, 'credentialSchema', credential.credentialSchema, { idRequired: true, typeRequired: true })
  checkTypedList(c, 'termsOfUse', credential.termsOfUse, { idRequired: false, typeRequired: true })
  checkTypedList(c, 'evidence', credential.evidence, { idRequired: false, typeRequired: true })
  checkTypedList(c, 'refreshService', credential.refreshService, {
    idRequired: version === '1.1',
    typeRequired: true,
  })

  if (checked.profile === 'ebsi') {
    if (!types?.includes('VerifiableAttestation')) c.add('EBSI: type must include "VerifiableAttestation"')
    if (credential.credentialSchema === undefined) c.add('EBSI: credentialSchema is required')
    // EBSI's libraries (the conformance oracle) read VCDM 1.1; its 2.0 profile is not final.
    if (version === '1.1') checkEbsiAttestation11(c, credential)
  }
  return c.errors
}

// RFC 3339 date-time, which EBSI's JSON schemas require (`format: date-time`): a four-digit
// year and a time zone. Date.parse, which EBSI's verifier compares with, reads exactly these.
function isRfc3339DateTime(value: unknown): value is string {
  return isXsdDateTime(value, true) && /^\d{4}-/.test(value)
}

const EBSI_SCHEMA_TYPES = ['FullJsonSchemaValidator2021', 'JsonSchema']
const EBSI_STATUS_TYPES = ['StatusList2021Entry', 'EbsiAccreditationEntry']
const EBSI_STATUS_PURPOSES = ['revocation', 'suspension']

/**
 * EBSI Verifiable Attestation (VCDM 1.1) rules: what EBSI's JSON schemas and its
 * `@cef-ebsi/verifiable-credential` verifier refuse (EBSI_VC_001-005), checked here so a
 * credential core accepts or issues under `profile: 'ebsi'` is one EBSI accepts.
 */
function checkEbsiAttestation11(c: Collector, credential: Record<string, unknown>): void {
  if (!Array.isArray(credential.type) || credential.type[0] !== 'VerifiableCredential') {
    c.add('EBSI: type must be an array whose first entry is "VerifiableCredential"')
  }
  if (credential.id === undefined) c.add('EBSI: id is required')
  for (const name of ['issuanceDate', 'issued', 'validFrom'] as const) {
    if (credential[name] === undefined) c.add(`EBSI: ${name} is required`)
  }
  for (const name of ['issuanceDate', 'issued', 'validFrom', 'validUntil', 'expirationDate'] as const) {
    const value = credential[name]
    if (value !== undefined && !isRfc3339DateTime(value)) {
      c.add(`EBSI: ${name} must be an RFC 3339 date-time with a four-digit year and a time zone`)
    }
  }
  // EBSI_VC_003 compares the strings, not the instants.
  if (credential.validFrom !== undefined && credential.validFrom !== credential.issuanceDate) {
    c.add('EBSI: validFrom must equal issuanceDate')
  }
  // EBSI_VC_004 (expirationDate not before validFrom) is the general order rule above.
  const issuerProblem = ebsiDidProblem(idOf(credential.issuer))
  if (issuerProblem !== undefined) c.add(`EBSI: issuer: ${issuerProblem}`)
  // A status list credential's subject is the list, not a party (EBSI skips it too).
  const isStatusList = Array.isArray(credential.type) && credential.type.includes('StatusList2021Credential')
  if (!isStatusList) {
    forEachMember(credential, 'credentialSubject', (subject, where) => {
      const problem = ebsiDidProblem(subject.id)
      if (problem !== undefined) c.add(`EBSI: ${where}.id: ${problem}`)
    })
  }
  forEachMember(credential, 'credentialSchema', (schema, where) => {
    if (!EBSI_SCHEMA_TYPES.includes(schema.type as string)) {
      c.add(`EBSI: ${where}.type must be ${EBSI_SCHEMA_TYPES.join(' or ')}`)
    }
  })
  checkEbsiStatus(c, credential)
}

function checkEbsiStatus(c: Collector, credential: Record<string, unknown>): void {
  forEachMember(credential, 'credentialStatus', (status, where) => {
    if (!EBSI_STATUS_TYPES.includes(status.type as string)) {
      c.add(`EBSI: ${where}.type must be ${EBSI_STATUS_TYPES.join(' or ')}`)
    } else if (
      status.type === 'StatusList2021Entry' &&
      !EBSI_STATUS_PURPOSES.includes(status.statusPurpose as string)
    ) {
      c.add(`EBSI: ${where}.statusPurpose must be ${EBSI_STATUS_PURPOSES.join(' or ')}`)
    }
  })
}

function checkStatusMember(
  c: Collector,
  credential: Record<string, unknown>,
  version: DataModelVersion,
): void {
  checkTypedList(c, 'credentialStatus', credential.credentialStatus, {
    idRequired: version === '1.1',
    typeRequired: true,
  })
  // The members of BitstringStatusListEntry / StatusList2021Entry, read the way verifiers
  // read them (one normalisation for issuing, reading and verifying).
  c.errors.push(...w3cStatusEntries(credential).errors)
}

/**
 * What {@link validateCredential} checks of a `credentialStatus` member, on that member alone:
 * lets a credential checked once with stand-in status entries be signed with its real ones
 * without checking the rest again.
 */
export function validateCredentialStatus(
  credentialStatus: unknown,
  options: DataModelOptions,
): VerificationError[] {
  const checked = dataModelOptions(options, undefined)
  const c = new Collector('CREDENTIAL_INVALID')
  const holder = { credentialStatus }
  checkStatusMember(c, holder, checked.version)
  if (checked.profile === 'ebsi' && checked.version === '1.1') checkEbsiStatus(c, holder)
  return c.errors
}

/** Calls `check` for each object in a member that holds one object or an array of them. */
function forEachMember(
  credential: Record<string, unknown>,
  name: string,
  check: (item: Record<string, unknown>, where: string) => void,
): void {
  const value = credential[name]
  if (value === undefined) return
  asList(value).forEach((item, i) => {
    if (isRecord(item)) check(item, Array.isArray(value) ? `${name}[${i}]` : name)
  })
}

/** Checks a presentation against the W3C data model (`PRESENTATION_INVALID`). */
export function validatePresentation(presentation: unknown, options?: DataModelOptions): VerificationError[] {
  const { version } = dataModelOptions(options, presentation)
  const c = new Collector('PRESENTATION_INVALID')
  if (!isRecord(presentation)) {
    c.add('a presentation must be a JSON object')
    return c.errors
  }
  checkContext(c, presentation['@context'], version)
  if (presentation.id !== undefined && !isUri(presentation.id)) c.add('id must be a URL')
  if (!typesOf(presentation.type)?.includes('VerifiablePresentation')) {
    c.add('type must include "VerifiablePresentation"')
  }
  if (presentation.holder !== undefined && !isUri(idOf(presentation.holder))) {
    c.add('holder must be a URL or an object whose id is a URL')
  }
  const vcs = presentation.verifiableCredential
  if (vcs !== undefined) {
    asList(vcs).forEach((vc, i) => {
      if (!(typeof vc === 'string' || isRecord(vc)))
        c.add(`verifiableCredential[${i}] must be a JWT or an object`)
    })
  }
  checkTypedList(c, 'termsOfUse', presentation.termsOfUse, { idRequired: false, typeRequired: true })
  return c.errors
}

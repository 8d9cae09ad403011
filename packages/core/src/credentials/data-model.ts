import type { CivitasErrorCode } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { ebsiDidProblem } from './ebsi-did.js'
import type { VerificationError } from './verification.js'

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

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

// RFC 3986 scheme, then anything without whitespace: enough to catch "not a URL at all".
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/
// XML Schema 1.1 dateTime; `dateTimeStamp` (VCDM 2.0) additionally requires the offset.
const XSD_DATE_TIME =
  /^(?<year>-?\d{4,})-(?<month>0[1-9]|1[0-2])-(?<day>0[1-9]|[12]\d|3[01])T(?<hour>[01]\d|2[0-3]):(?<minute>[0-5]\d):(?<second>[0-5]\d)(?:\.\d+)?(?<offset>Z|[+-](?:0\d|1[0-4]):[0-5]\d)?$/

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** True for an XML Schema dateTime (`requireOffset`: a dateTimeStamp) naming a real day. */
export function isXsdDateTime(value: unknown, requireOffset = false): value is string {
  if (typeof value !== 'string') return false
  const groups = XSD_DATE_TIME.exec(value)?.groups
  if (!groups) return false
  if (requireOffset && groups.offset === undefined) return false
  // The pattern lets 2023-02-30 through.
  return Number(groups.day) <= daysInMonth(Number(groups.year), Number(groups.month))
}

/**
 * Seconds since the epoch of an XML Schema dateTime (UTC when it has no offset), or
 * undefined when it is none. Date.parse gives NaN for years outside 0000-9999, and a NaN
 * bound silently passes every validity comparison; this reads any year a Date can hold
 * (isXsdDateTime refuses the others).
 */
export function xsdDateTimeToSeconds(value: unknown): number | undefined {
  if (!isXsdDateTime(value)) return undefined
  const { year, month, day, hour, minute, second, offset } = XSD_DATE_TIME.exec(value)!.groups!
  const date = new Date(0)
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day))
  date.setUTCHours(Number(hour), Number(minute), Number(second))
  const ms = date.getTime()
  const offsetMinutes =
    offset === undefined || offset === 'Z'
      ? 0
      : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)))
  return Math.floor(ms / 1000) - offsetMinutes * 60
}

export function isUri(value: unknown): value is string {
  return typeof value === 'string' && URI.test(value)
}

/** The id of an issuer or holder given as a URI or as an object with `id`. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (isObject(value) && typeof value.id === 'string') return value.id
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
    this.errors.push({ code: this.code, message })
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
    if (!(isUri(item) || isObject(item))) c.add('@context entries must be URLs or objects')
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
    if (!isObject(item)) {
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

function checkStatusEntry(c: Collector, entry: Record<string, unknown>, where: string): void {
  const types = typesOf(entry.type) ?? []
  if (types.includes('BitstringStatusListEntry') || types.includes('StatusList2021Entry')) {
    if (typeof entry.statusPurpose !== 'string' || entry.statusPurpose.length === 0) {
      c.add(`${where}.statusPurpose must be a string`)
    }
    if (typeof entry.statusListIndex !== 'string' || !/^(0|[1-9]\d*)$/.test(entry.statusListIndex)) {
      c.add(`${where}.statusListIndex must be a non-negative integer as a string`)
    }
    if (!isUri(entry.statusListCredential)) c.add(`${where}.statusListCredential must be a URL`)
    if (
      entry.statusSize !== undefined &&
      !(Number.isInteger(entry.statusSize) && (entry.statusSize as number) >= 1)
    ) {
      c.add(`${where}.statusSize must be a positive integer`)
    }
  }
}

/**
 * Checks a credential against the W3C data model (1.1 or 2.0) and, optionally, the EBSI
 * profile. Returns every violation found (`CREDENTIAL_INVALID`), not only the first.
 */
export function validateCredential(credential: unknown, options: DataModelOptions): VerificationError[] {
  const c = new Collector('CREDENTIAL_INVALID')
  if (!isObject(credential)) {
    c.add('a credential must be a JSON object')
    return c.errors
  }
  const { version } = options
  checkContext(c, credential['@context'], version)
  if (credential.id !== undefined && !isUri(credential.id)) c.add('id must be a URL')
  const types = typesOf(credential.type)
  if (!types?.includes('VerifiableCredential')) c.add('type must include "VerifiableCredential"')
  const issuer = idOf(credential.issuer)
  if (!isUri(issuer)) c.add('issuer must be a URL or an object whose id is a URL')

  if (version === '1.1') {
    if (!isXsdDateTime(credential.issuanceDate)) c.add('issuanceDate must be an XML Schema dateTime')
    if (credential.expirationDate !== undefined && !isXsdDateTime(credential.expirationDate)) {
      c.add('expirationDate must be an XML Schema dateTime')
    }
  } else {
    for (const name of ['validFrom', 'validUntil'] as const) {
      if (credential[name] !== undefined && !isXsdDateTime(credential[name], true)) {
        c.add(`${name} must be an XML Schema dateTimeStamp (with a time zone)`)
      }
    }
    const from = xsdDateTimeToSeconds(credential.validFrom)
    const until = xsdDateTimeToSeconds(credential.validUntil)
    if (from !== undefined && until !== undefined && until < from) {
      c.errors.push({ code: 'TIME_ORDER_INVALID', message: 'validUntil is before validFrom' })
    }
  }
  // EBSI writes validFrom/validUntil next to the 1.1 members; check them when present.
  if (version === '1.1') {
    for (const name of ['validFrom', 'validUntil', 'issued'] as const) {
      if (credential[name] !== undefined && !isXsdDateTime(credential[name])) {
        c.add(`${name} must be an XML Schema dateTime`)
      }
    }
  }

  const subject = credential.credentialSubject
  if (subject === undefined) c.add('credentialSubject is required')
  else {
    const subjects = asList(subject)
    if (subjects.length === 0) c.add('credentialSubject must not be empty')
    subjects.forEach((s, i) => {
      const where = Array.isArray(subject) ? `credentialSubject[${i}]` : 'credentialSubject'
      if (!isObject(s)) c.add(`${where} must be an object`)
      else if (Object.keys(s).length === 0) c.add(`${where} must carry at least one claim`)
      else if (s.id !== undefined && !isUri(s.id)) c.add(`${where}.id must be a URL`)
    })
  }
  const statuses = checkTypedList(c, 'credentialStatus', credential.credentialStatus, {
    idRequired: version === '1.1',
    typeRequired: true,
  })
  statuses.forEach((entry, i) => {
    checkStatusEntry(
      c,
      entry,
      Array.isArray(credential.credentialStatus) ? `credentialStatus[${i}]` : 'credentialStatus',
    )
  })
  checkTypedList(c, 'credentialSchema', credential.credentialSchema, { idRequired: true, typeRequired: true })
  checkTypedList(c, 'termsOfUse', credential.termsOfUse, { idRequired: false, typeRequired: true })
  checkTypedList(c, 'evidence', credential.evidence, { idRequired: false, typeRequired: true })
  checkTypedList(c, 'refreshService', credential.refreshService, {
    idRequired: version === '1.1',
    typeRequired: true,
  })

  if (options.profile === 'ebsi') {
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
  const from = xsdDateTimeToSeconds(credential.validFrom)
  const expires = xsdDateTimeToSeconds(credential.expirationDate)
  if (from !== undefined && expires !== undefined && expires < from) {
    c.errors.push({ code: 'TIME_ORDER_INVALID', message: 'EBSI: expirationDate is before validFrom' })
  }
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
export function validatePresentation(presentation: unknown, options: DataModelOptions): VerificationError[] {
  const c = new Collector('PRESENTATION_INVALID')
  if (!isObject(presentation)) {
    c.add('a presentation must be a JSON object')
    return c.errors
  }
  checkContext(c, presentation['@context'], options.version)
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
      if (!(typeof vc === 'string' || isObject(vc)))
        c.add(`verifiableCredential[${i}] must be a JWT or an object`)
    })
  }
  checkTypedList(c, 'termsOfUse', presentation.termsOfUse, { idRequired: false, typeRequired: true })
  return c.errors
}

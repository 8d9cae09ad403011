import {
  credentialSigner,
  type JwtCredentialFormat,
  readCredentialClaims,
  readJwt,
} from '../credentials/read.js'
import { VC_SD_JWT_TYP } from '../credentials/vc-sd-jwt.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { hasOwn, isRecord } from '../guards/index.js'
import type { JwsHeader } from '../jose/decode.js'
import { type DisclosedClaim, disclosedClaims } from '../sd-jwt/decode.js'
import { SD_JWT_VC_TYP } from '../sd-jwt/issue.js'
import type { SdJwtJson } from '../sd-jwt/json-serialization.js'
import { unpackClaims } from '../sd-jwt/unpack.js'
import { readSdJwt } from '../sd-jwt/verify.js'
import { jwtStatusEntries, type StatusEntry, w3cStatusEntries } from './status-entry.js'

/**
 * Every credential format `readCredential` tells apart. `vc+sd-jwt` is a VCDM 2.0 credential
 * secured with SD-JWT (vc-jose-cose §3.2); `dc+sd-jwt` an IETF SD-JWT VC (`vct`), including
 * the ones typed `vc+sd-jwt` by drafts of SD-JWT VC before -06.
 */
export type CredentialFormat = JwtCredentialFormat | 'dc+sd-jwt' | 'vc+sd-jwt'

/** A schema a credential refers to: W3C `credentialSchema`, or an SD-JWT VC's `vct`. */
export interface SchemaReference {
  readonly id: string
  /** `credentialSchema.type` (`JsonSchema`, `FullJsonSchemaValidator2021`, ...), or `vct`. */
  readonly type: string
  /** `vct#integrity`, when an SD-JWT VC pins its type metadata. */
  readonly integrity?: string
}

/** A credential read, not verified: nothing here may be trusted before `verify*` says so. */
export interface ReadCredentialResult {
  readonly format: CredentialFormat
  readonly header: JwsHeader
  /** The signed payload as it is (an SD-JWT's with its digests). */
  readonly payload: Record<string, unknown>
  /**
   * W3C: the credential as the data model reads it (1.1: `vc` with the JWT claims mapped
   * back; vc+sd-jwt: the payload with every carried Disclosure applied, `cnf` left out, as
   * `verifyVcSdJwt` returns it). dc+sd-jwt: the claims with every carried Disclosure applied.
   */
  readonly credential: Record<string, unknown>
  /** The issuer the token names (`iss`, or the credential's `issuer` id). */
  readonly issuer?: string
  /** The subject's id: the one id every `credentialSubject` carries, or an SD-JWT's `sub`. */
  readonly subject?: string
  /** W3C (vc+sd-jwt too): the `credentialSubject` objects. dc+sd-jwt: the disclosed claims. */
  readonly subjects: readonly Record<string, unknown>[]
  /** The holder-binding key confirmation (`cnf`), when the token carries one. */
  readonly cnf?: Record<string, unknown>
  readonly schemas: readonly SchemaReference[]
  /** Normalised status entries; entries that do not normalise are left out (`verify*` reports them). */
  readonly statusEntries: readonly StatusEntry[]
  /** SD-JWT formats: the Disclosures carried, and where each landed. */
  readonly disclosures?: readonly DisclosedClaim[]
}

const SD_JWT_VC_TYPES = new Set([SD_JWT_VC_TYP, VC_SD_JWT_TYP])

function w3cSchemas(credential: Record<string, unknown>): SchemaReference[] {
  const value = credential.credentialSchema
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value]
  return list
    .filter(
      (s): s is Record<string, unknown> =>
        isRecord(s) && typeof s.id === 'string' && typeof s.type === 'string',
    )
    .map((s) => ({ id: s.id as string, type: s.type as string }))
}

function soleSubjectId(subjects: readonly Record<string, unknown>[]): string | undefined {
  const first = subjects[0]?.id
  return typeof first === 'string' && subjects.every((s) => s.id === first) ? first : undefined
}

/** The members every W3C format reads the same way from its credential. */
function w3cParts(credential: Record<string, unknown>) {
  const subject = credential.credentialSubject
  const subjects = (Array.isArray(subject) ? subject : [subject]).filter(isRecord)
  const id = soleSubjectId(subjects)
  return {
    ...(id !== undefined ? { subject: id } : {}),
    subjects,
    schemas: w3cSchemas(credential),
    statusEntries: w3cStatusEntries(credential).entries,
  }
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  return isRecord(value) && typeof value.id === 'string' ? value.id : undefined
}

/**
 * `vc+sd-jwt` names two things: a VCDM 2.0 credential secured with SD-JWT (vc-jose-cose
 * §3.2, no `vct`) and, before draft -06 of SD-JWT VC, what is now `dc+sd-jwt` (with `vct`).
 */
function isVcdmSdJwt(header: JwsHeader, payload: Record<string, unknown>): boolean {
  return header.typ === VC_SD_JWT_TYP && !hasOwn(payload, 'vct')
}

function readSdJwtCredential(token: string | SdJwtJson): ReadCredentialResult {
  const { decoded } = readSdJwt(token)
  const { header, payload } = decoded
  if (typeof header.typ !== 'string' || !SD_JWT_VC_TYPES.has(header.typ)) {
    throw new CivitasError(
      'FORMAT_MISMATCH',
      `an SD-JWT credential has typ "${SD_JWT_VC_TYP}" or "${VC_SD_JWT_TYP}", got ${describeValue(header.typ)}`,
    )
  }
  const { claims, placements } = unpackClaims(payload, decoded.disclosures)
  const disclosures = disclosedClaims(decoded.disclosures, placements)
  const cnf = isRecord(payload.cnf) ? { cnf: payload.cnf } : {}
  if (isVcdmSdJwt(header, payload)) {
    // The holder key is the token's, not the credential's (verifyVcSdJwt leaves it out too).
    const { cnf: _cnf, ...credential } = claims
    const issuer = idOf(credential.issuer)
    return {
      format: 'vc+sd-jwt',
      header,
      payload,
      credential,
      ...(issuer !== undefined ? { issuer } : {}),
      ...w3cParts(credential),
      ...cnf,
      disclosures,
    }
  }
  const vct = payload.vct
  const integrity = payload['vct#integrity']
  return {
    format: 'dc+sd-jwt',
    header,
    payload,
    credential: claims,
    ...(typeof payload.iss === 'string' ? { issuer: payload.iss } : {}),
    ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}),
    subjects: [claims],
    ...cnf,
    schemas:
      typeof vct === 'string'
        ? [{ id: vct, type: 'vct', ...(typeof integrity === 'string' ? { integrity } : {}) }]
        : [],
    statusEntries: jwtStatusEntries(payload).entries,
    disclosures,
  }
}

function readJwtCredential(token: string): ReadCredentialResult {
  const read = readJwt(token, 'vc', undefined)
  const { credential } = readCredentialClaims(read)
  const issuer = credentialSigner(read, credential)
  return {
    format: read.format,
    header: read.header,
    payload: read.payload,
    credential,
    ...(typeof issuer === 'string' ? { issuer } : {}),
    ...w3cParts(credential),
    ...(isRecord(read.payload.cnf) ? { cnf: read.payload.cnf } : {}),
  }
}

/**
 * Reads a credential of any format core knows (`jwt_vc_json`, `vc+jwt`, `vc+sd-jwt`,
 * `dc+sd-jwt`; SD-JWTs compact or JSON-serialized) without verifying it: for wallets showing what they hold and
 * for verifiers deciding what to check. Throws a `CivitasError` for what cannot be read
 * (`INVALID_JWS`, `FORMAT_MISMATCH`, `SD_JWT_INVALID`, `INPUT_TOO_LARGE`, ...).
 */
export function readCredential(token: string | SdJwtJson): ReadCredentialResult {
  if (typeof token === 'string') {
    return token.startsWith('{') || token.includes('~')
      ? readSdJwtCredential(token)
      : readJwtCredential(token)
  }
  if (isRecord(token)) return readSdJwtCredential(token)
  throw new CivitasError(
    'INVALID_ARGUMENT',
    'token must be a credential string or an SD-JWT in JSON Serialization',
  )
}

import { randomUUID } from 'node:crypto'
import {
  CivitasError,
  type CivitasErrorCode,
  isRecord,
  type Jwk,
  jwkThumbprint,
  type StatusEntry,
} from '@civitas/core'
import {
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  publicJwkOfDid,
  type Resolver,
  readWalletCredential,
  verifyWithCore,
  type WalletReading,
} from './core-adapter.js'
import type { HolderKey } from './keys.js'

/**
 * What the wallet asks of a verifier (`@civitas/verifier`'s `createVerifier(...)`), typed by
 * shape so the wallet does not depend on the package: status and trust are checked there.
 */
export interface CredentialVerifier {
  verifyCredential(token: string): Promise<{
    readonly verified: boolean
    readonly checks?: readonly { readonly id: string; readonly ok: boolean }[]
    readonly errors: readonly { readonly code: string; readonly message: string; readonly check?: string }[]
  }>
}

export interface AcceptOptions {
  /** Checks signature, time, status and trust; without it, core checks signature and time. */
  verifier?: CredentialVerifier
  /** The issuer's key, for issuers whose `iss` is not a DID (and no verifier is given). */
  issuerJwk?: Jwk
  /** Evaluation time for core's checks (a Date or seconds). Default: now. */
  now?: Date | number
}

/** A stored credential as the wallet returns it. */
export interface StoredCredential {
  readonly id: string
  readonly format: CredentialFormat
  /** The token exactly as accepted, byte for byte. */
  readonly token: string
  /** W3C `type` values, or `[vct]`. */
  readonly types: readonly string[]
  readonly issuer: string
  /** The wallet key the credential is bound to. */
  readonly keyId: string
  /** The DID (JWT formats) or key DID (SD-JWT `cnf.jwk`) it is bound to. */
  readonly holder: string
  /** Claims as the wallet sees them (every Disclosure applied for SD-JWT VC). */
  readonly claims: Record<string, unknown>
  /** JSON Pointers of the claims the holder can withhold (SD-JWT Disclosures). */
  readonly disclosable: readonly string[]
  /**
   * Where its status is kept, as core normalises it (W3C `credentialStatus`, IETF
   * `status.status_list`, with the on-chain location when the issuer gives one): what a
   * wallet app checks to tell the holder a credential was revoked or suspended.
   */
  readonly statusEntries?: readonly StatusEntry[]
  readonly acceptedAt: string
  /** Seconds since the epoch. */
  readonly expiresAt?: number
}

export interface ListFilter {
  type?: string
  issuer?: string
  format?: CredentialFormat
}

function fail(code: CivitasErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new CivitasError(code, message, details ? { details } : {})
}

/**
 * The wallet key `read` is bound to, or `CREDENTIAL_NOT_BOUND`: SD-JWT VC by `cnf` only;
 * vc+sd-jwt by `cnf.jwk` when it has one (its presentations then carry a KB-JWT), else by
 * its subject DID like the JWT formats (`sub` / `credentialSubject.id`).
 */
export async function bindingKey(read: WalletReading, keys: readonly HolderKey[]): Promise<HolderKey> {
  const byThumbprint = new Map(keys.map((k) => [k.thumbprint, k]))
  const candidates: Jwk[] = []
  if (read.format === 'dc+sd-jwt' || (read.format === 'vc+sd-jwt' && read.cnf?.jwk)) {
    // Only cnf.jwk: a KB-JWT is made and checked against that key (core's presentSdJwt and
    // verifySdJwt, which refuses other confirmation methods before this runs).
    if (read.cnf?.jwk) candidates.push(read.cnf.jwk)
    else fail('CREDENTIAL_NOT_BOUND', 'the SD-JWT has no cnf.jwk: it is not bound to a holder key')
  } else {
    for (const subject of read.subjects) {
      const jwk = publicJwkOfDid(subject)
      if (jwk) candidates.push(jwk)
    }
    if (read.subjects.length === 0) {
      fail('CREDENTIAL_NOT_BOUND', 'the credential names no subject (sub / credentialSubject.id)')
    }
  }
  for (const jwk of candidates) {
    let thumbprint: string
    try {
      thumbprint = await jwkThumbprint(jwk)
    } catch {
      continue
    }
    const key = byThumbprint.get(thumbprint)
    if (key) return key
  }
  return fail('CREDENTIAL_NOT_BOUND', 'the credential is bound to a key this wallet does not hold')
}

/** Most failures an accept error carries (a verifier is caller code: its lists are unbounded). */
const MAX_REPORTED = 64

/** A verification's answer, from core or from a verifier. */
interface Outcome {
  readonly verified: boolean
  readonly errors: readonly { readonly code: string; readonly message: string }[]
  /** A verifier's failed checks. */
  readonly checks?: readonly unknown[]
  readonly statusEntries?: readonly StatusEntry[]
}

/** The verifier's answer, checked: a verifier is caller code, and may answer anything. */
async function verifyWithVerifier(verifier: CredentialVerifier, token: string): Promise<Outcome> {
  if (!isRecord(verifier) || typeof verifier.verifyCredential !== 'function') {
    fail('INVALID_ARGUMENT', 'options.verifier must have verifyCredential(token) (@civitas/verifier)')
  }
  const result: unknown = await verifier.verifyCredential(token)
  if (!isRecord(result) || !Array.isArray(result.errors)) {
    fail('INVALID_ARGUMENT', 'options.verifier.verifyCredential did not return a verification result')
  }
  const errors = result.errors.slice(0, MAX_REPORTED).map((e: unknown) => ({
    code: isRecord(e) && typeof e.code === 'string' ? e.code : 'CHECK_FAILED',
    message: isRecord(e) && typeof e.message === 'string' ? e.message.slice(0, 1000) : 'check failed',
  }))
  const checks = Array.isArray(result.checks)
    ? result.checks.filter((c) => isRecord(c) && c.ok !== true).slice(0, MAX_REPORTED)
    : []
  // Fail closed: "verified" with failures listed is not verified.
  return { verified: result.verified === true && errors.length === 0, errors, checks }
}

/**
 * Reads and verifies a credential for the wallet: format, signature and time (core), or the
 * full checks of a verifier when one is given (status and trust too); then the holder
 * binding. Throws the first failure's code, with every failure in `details.errors` and, from
 * a verifier, its failed checks in `details.checks`.
 */
export async function checkCredential(
  token: string,
  keys: readonly HolderKey[],
  options: AcceptOptions & { resolver: Resolver },
): Promise<{ read: WalletReading; key: HolderKey }> {
  if (!isRecord(options)) fail('INVALID_ARGUMENT', 'options must be an object')
  let read = readWalletCredential(token)
  const result: Outcome = options.verifier
    ? await verifyWithVerifier(options.verifier, token)
    : await verifyWithCore(token, read.format, {
        resolver: options.resolver,
        ...(options.issuerJwk ? { issuerJwk: options.issuerJwk } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      })
  if (result.verified !== true) {
    const first = result.errors[0]
    fail(
      (first?.code as CivitasErrorCode | undefined) ?? 'CREDENTIAL_INVALID',
      `credential not accepted: ${result.errors.map((e) => e.message).join('; ') || 'not verified'}`,
      { errors: result.errors, ...(result.checks !== undefined ? { checks: result.checks } : {}) },
    )
  }
  // Core's reading of a vc+sd-jwt is the SD-JWT one; its verification reads the W3C entries.
  if (result.statusEntries !== undefined && read.format === 'vc+sd-jwt') {
    read = { ...read, statusEntries: result.statusEntries }
  }
  return { read, key: await bindingKey(read, keys) }
}

/** The encrypted credential record. */
export function newCredentialRecord(token: string, read: WalletReading, key: HolderKey): StoredCredential {
  return {
    id: randomUUID(),
    format: read.format,
    token,
    types: read.types,
    issuer: read.issuer,
    keyId: key.id,
    holder: key.did,
    claims: read.claims,
    disclosable: read.disclosable,
    statusEntries: read.statusEntries,
    acceptedAt: new Date().toISOString(),
    ...(read.expiresAt !== undefined ? { expiresAt: read.expiresAt } : {}),
  }
}

/** Checks a credential record read back (store or archive). */
export function checkCredentialRecord(
  value: unknown,
  what: string,
  code: 'RECORD_TAMPERED' | 'ARCHIVE_INVALID',
): StoredCredential {
  const ok =
    isRecord(value) &&
    typeof value.id === 'string' &&
    value.id.length > 0 &&
    value.id.length <= 256 &&
    CREDENTIAL_FORMATS.includes(value.format as CredentialFormat) &&
    typeof value.token === 'string' &&
    Array.isArray(value.types) &&
    value.types.every((t) => typeof t === 'string') &&
    typeof value.issuer === 'string' &&
    typeof value.keyId === 'string' &&
    typeof value.holder === 'string' &&
    isRecord(value.claims) &&
    Array.isArray(value.disclosable) &&
    (value.statusEntries === undefined || Array.isArray(value.statusEntries)) &&
    typeof value.acceptedAt === 'string' &&
    (value.expiresAt === undefined || typeof value.expiresAt === 'number')
  if (!ok) throw new CivitasError(code, `${what} is not a credential record`)
  return value as unknown as StoredCredential
}

/** The searchable facts of a credential, for its HMAC tags: format, each type, issuer. */
export function tagFacts(
  credential: Pick<StoredCredential, 'format' | 'types' | 'issuer'>,
): [string, string][] {
  return [
    ['format', credential.format],
    ['issuer', credential.issuer],
    ...credential.types.map((t): [string, string] => ['type', t]),
  ]
}

export function matchesFilter(credential: StoredCredential, filter: ListFilter): boolean {
  return (
    (filter.format === undefined || credential.format === filter.format) &&
    (filter.issuer === undefined || credential.issuer === filter.issuer) &&
    (filter.type === undefined || credential.types.includes(filter.type))
  )
}

import {
  CivitasError,
  describeValue,
  issueJwtVc,
  issueSdJwtVc,
  type Jwk,
  type PreparedJwtVc,
  type PreparedSdJwtVc,
  prepareJwtVc,
  prepareSdJwtVc,
  type SdJwtVcInput,
  type Signer,
  signJwtVc,
  signSdJwtVc,
  VCDM_1_1_CONTEXT,
  VCDM_2_0_CONTEXT,
} from '@civitas/core'
import type { Allocation } from './allocate.js'
import type { StatusChain } from './chain.js'
import type { IssueFormat } from './formats.js'
import type { RenderedCredential } from './templates/index.js'

/** A located status index: the allocation plus what a verifier needs to find it. */
export interface LocatedStatus extends Allocation {
  url: string
  chain: StatusChain
}

/**
 * The list URL a status entry names. One on-chain list, three encodings: the VCDM 2.0
 * Bitstring list (`vc+jwt`) at the plain URL, its VCDM 1.1 form for `jwt_vc_json`
 * credentials, the IETF Token Status List for SD-JWT VCs.
 */
export function statusListUrl(
  baseUrl: string,
  listId: number,
  purpose: string,
  format: IssueFormat | 'statuslist+jwt',
): string {
  if (format === 'dc+sd-jwt' || format === 'statuslist+jwt') return `${baseUrl}/${listId}/token`
  const url = `${baseUrl}/${listId}/${purpose}`
  return format === 'jwt_vc_json' ? `${url}?format=jwt_vc_json` : url
}

/** W3C BitstringStatusListEntry per purpose, with the on-chain location (BRIEF-STATUS-SHAPE.md). */
export function w3cStatusEntries(statuses: readonly LocatedStatus[]): Record<string, unknown>[] {
  return statuses.map((s) => ({
    id: `${s.url}#${s.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: s.purpose,
    statusListIndex: String(s.index),
    statusListCredential: s.url,
    statusChain: s.chain,
  }))
}

export interface IssueInput {
  format: IssueFormat
  template?: string
  type?: string
  /** The holder: a DID for the JWT formats (`sub` / `credentialSubject.id`). */
  subject?: string
  claims: Record<string, unknown>
  validFrom?: Date | string
  validUntil?: Date | string
  /**
   * The holder's public key: `cnf.jwk` of an SD-JWT VC (`dc+sd-jwt` only). Without a `subject`
   * the issuer files the credential under the key's RFC 9278 thumbprint URI
   * (`urn:ietf:params:oauth:jwk-thumbprint:sha-256:…`), which exportSubject / eraseSubject find
   * from the JWK; with one, the subject stays what the credential is filed under.
   */
  holderKey?: Jwk
  /** Caller's key: issuing twice with the same key returns the first credential. */
  idempotencyKey?: string
}

export interface SignContext {
  did: string
  signer: Signer
  id: string
  issuedAt: Date
  /** The template's output for this issuance (claims checked and built before allocation). */
  rendered: RenderedCredential
  statuses: readonly LocatedStatus[]
}

export function toDate(value: Date | string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
  if (!date || Number.isNaN(date.getTime())) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${name} must be a Date or an ISO 8601 date-time, got ${describeValue(value)}`,
    )
  }
  return date
}

/** XML Schema dateTime without milliseconds, as JWT NumericDates carry seconds. */
function xsd(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

/** An unsigned credential: what will be signed, and what a verifier's schema check will read. */
export type BuiltCredential =
  | { format: 'dc+sd-jwt'; sdJwtVc: SdJwtVcInput; instance: Record<string, unknown> }
  | {
      format: 'jwt_vc_json' | 'vc+jwt'
      credential: Record<string, unknown>
      instance: Record<string, unknown>
    }

/** Builds the credential (W3C object or SD-JWT VC input) around its status entries, unsigned. */
export function buildCredential(input: IssueInput, ctx: Omit<SignContext, 'signer'>): BuiltCredential {
  const { rendered, statuses } = ctx
  const { claims } = rendered
  const validFrom = toDate(input.validFrom, 'validFrom') ?? ctx.issuedAt
  const validUntil = toDate(input.validUntil, 'validUntil')
  if (validUntil && validUntil.getTime() < validFrom.getTime()) {
    throw new CivitasError('TIME_ORDER_INVALID', 'validUntil is before validFrom')
  }
  if (input.format === 'dc+sd-jwt') {
    const status = sdJwtStatus(statuses)
    const sdJwtVc: SdJwtVcInput = {
      vct: rendered.vct,
      iss: ctx.did,
      // No `sub`, even when the caller names a subject: it would be a claim every presentation
      // shows (never disclosable), linking them. The holder is bound by cnf.jwk; `subject` only
      // files the credential for exportSubject / eraseSubject.
      claims,
      disclosable: rendered.disclosable,
      ...(input.holderKey ? { cnf: { jwk: input.holderKey } } : {}),
      ...(status ? { status } : {}),
      iat: seconds(ctx.issuedAt),
      nbf: seconds(validFrom),
      ...(validUntil ? { exp: seconds(validUntil) } : {}),
    }
    // What a verifier reads once every claim is disclosed.
    const { claims: _, disclosable: __, ...token } = sdJwtVc
    return { format: 'dc+sd-jwt', sdJwtVc, instance: { ...token, ...claims } }
  }
  const subject = { ...(input.subject !== undefined ? { id: input.subject } : {}), ...claims }
  const types = ['VerifiableCredential', ...rendered.types]
  const credentialStatus = w3cStatusMember(statuses)
  const status = credentialStatus === undefined ? {} : { credentialStatus }
  const credential: Record<string, unknown> =
    input.format === 'jwt_vc_json'
      ? {
          '@context': [VCDM_1_1_CONTEXT, ...rendered.contexts],
          id: ctx.id,
          type: types,
          issuer: ctx.did,
          issuanceDate: xsd(validFrom),
          issued: xsd(ctx.issuedAt),
          validFrom: xsd(validFrom),
          ...(validUntil ? { expirationDate: xsd(validUntil) } : {}),
          credentialSubject: subject,
          ...status,
          ...(rendered.credentialSchema ? { credentialSchema: rendered.credentialSchema } : {}),
        }
      : {
          '@context': [VCDM_2_0_CONTEXT, ...rendered.contexts],
          id: ctx.id,
          type: types,
          issuer: ctx.did,
          validFrom: xsd(validFrom),
          ...(validUntil ? { validUntil: xsd(validUntil) } : {}),
          credentialSubject: subject,
          ...status,
          ...(rendered.credentialSchema ? { credentialSchema: rendered.credentialSchema } : {}),
        }
  return { format: input.format, credential, instance: credential }
}

/** A W3C credential's `credentialStatus`: one entry, or an array of them (none: undefined). */
function w3cStatusMember(statuses: readonly LocatedStatus[]): unknown {
  const entries = w3cStatusEntries(statuses)
  return entries.length === 0 ? undefined : entries.length === 1 ? entries[0] : entries
}

/** The IETF Token Status List reference of an SD-JWT VC: its revocation entry, if it has one. */
function sdJwtStatus(statuses: readonly LocatedStatus[]): SdJwtVcInput['status'] {
  const revocation = statuses.find((s) => s.purpose === 'revocation')
  if (!revocation) return undefined
  return {
    // The on-chain location travels next to idx/uri (BRIEF-STATUS-SHAPE.md); core passes it through.
    status_list: {
      idx: revocation.index,
      uri: revocation.url,
      statusChain: revocation.chain,
    } as { idx: number; uri: string },
  }
}

/** A credential core has already checked: an SD-JWT VC also packed, so signing repeats nothing. */
export type CheckedCredential =
  | { format: 'dc+sd-jwt'; prepared: PreparedSdJwtVc }
  | { format: 'jwt_vc_json' | 'vc+jwt'; prepared: PreparedJwtVc }

/**
 * Runs what core checks when it signs (data model, validity order, JSON, SD-JWT VC claim and
 * disclosure rules) on a built credential, throwing core's own CivitasError: the issuer runs it
 * on the credential with stand-in status entries, before any index is allocated.
 */
export function checkCredential(built: BuiltCredential, issuedAt: Date): CheckedCredential {
  if (built.format === 'dc+sd-jwt') return { format: built.format, prepared: prepareSdJwtVc(built.sdJwtVc) }
  const prepared = prepareJwtVc(built.credential, {
    format: built.format,
    ...(built.format === 'jwt_vc_json' ? { iat: seconds(issuedAt) } : {}),
  })
  return { format: built.format, prepared }
}

/**
 * Builds and signs the credential; the status indices are already durably allocated. An SD-JWT
 * VC or W3C credential `checked` before allocation is signed as prepared, with its drawn status in place.
 */
export async function signCredential(
  input: IssueInput,
  ctx: SignContext,
  checked?: CheckedCredential,
): Promise<string> {
  const kid = ctx.signer.kid
  if (checked?.format === 'dc+sd-jwt') {
    const status = sdJwtStatus(ctx.statuses)
    return signSdJwtVc(checked.prepared, {
      signer: ctx.signer,
      ...(kid !== undefined ? { kid } : {}),
      ...(status ? { status } : {}),
    })
  }
  if (checked !== undefined) {
    // Checked with stand-in entries of the same shape; only the status entries change.
    const credentialStatus = w3cStatusMember(ctx.statuses)
    return signJwtVc(checked.prepared, {
      signer: ctx.signer,
      ...(kid !== undefined ? { kid } : {}),
      ...(credentialStatus !== undefined ? { credentialStatus } : {}),
    })
  }
  const built = buildCredential(input, ctx)
  if (built.format === 'dc+sd-jwt') {
    return issueSdJwtVc(built.sdJwtVc, { signer: ctx.signer, ...(kid !== undefined ? { kid } : {}) })
  }
  return issueJwtVc(built.credential, {
    format: built.format,
    signer: ctx.signer,
    ...(kid !== undefined ? { kid } : {}),
    ...(built.format === 'jwt_vc_json' ? { iat: seconds(ctx.issuedAt) } : {}),
  })
}

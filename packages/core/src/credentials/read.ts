import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { hasOwn, isRecord } from '../guards/index.js'
import { type DecodedJws, decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import type { VerificationError } from '../verification/result.js'
import { numericDateToXsd, type TimeBound } from '../verification/times.js'
import { idOf, VALID_FROM_MEMBERS, VALID_UNTIL_MEMBERS, xsdDateTimeToSeconds } from './data-model.js'

/** `jwt_vc_json`: VCDM 1.1 in a JWT `vc` claim. `vc+jwt`: VCDM 2.0 secured with vc-jose-cose. */
export type JwtCredentialFormat = 'jwt_vc_json' | 'vc+jwt'

export const VC_JWT_TYP = 'vc+jwt'
export const VP_JWT_TYP = 'vp+jwt'

export type Credential = Record<string, unknown>

/** A credential (`vc`) or presentation (`vp`) JWT, decoded once. */
export interface ReadJwt {
  readonly decoded: DecodedJws
  readonly header: JwsHeader
  readonly payload: Record<string, unknown>
  readonly format: JwtCredentialFormat
}

/** Which format a decoded JWT claims to be; `FORMAT_MISMATCH` when it mixes them. */
function detectFormat(
  header: JwsHeader,
  payload: Record<string, unknown>,
  claim: 'vc' | 'vp',
): JwtCredentialFormat {
  const typ = claim === 'vc' ? VC_JWT_TYP : VP_JWT_TYP
  // Earlier vc-jose-cose drafts registered vc+ld+jwt / vc+ld+json+jwt; tokens with them circulate.
  if (header.typ === typ || header.typ === `${claim}+ld+jwt` || header.typ === `${claim}+ld+json+jwt`) {
    if (hasOwn(payload, 'vc') || hasOwn(payload, 'vp')) {
      throw new CivitasError('FORMAT_MISMATCH', `a ${typ} must not carry a "vc" or "vp" claim`)
    }
    return 'vc+jwt'
  }
  if (isRecord(payload[claim]) && hasOwn(payload, claim)) {
    if (header.typ !== undefined && header.typ !== 'JWT') {
      throw new CivitasError(
        'FORMAT_MISMATCH',
        `a JWT with a "${claim}" claim has typ ${describeValue(header.typ)}`,
      )
    }
    return 'jwt_vc_json'
  }
  throw new CivitasError(
    'FORMAT_MISMATCH',
    `neither a "${claim}" claim (jwt_vc_json) nor typ "${typ}" (VCDM 2.0 vc-jose-cose)`,
  )
}

/**
 * Decodes a credential (`vc`) or presentation (`vp`) JWT and tells its format. Throws
 * (`INVALID_JWS`, `INVALID_ENCODING`, `FORMAT_MISMATCH`, ...); `seen` receives what could be
 * read before a format error, for the result.
 */
export function readJwt(
  token: string,
  claim: 'vc' | 'vp',
  expected: JwtCredentialFormat | undefined,
  seen: { header?: JwsHeader; payload?: Record<string, unknown> } = {},
): ReadJwt {
  const decoded = decodeJws(token)
  const payload = parseJwtClaims(decoded.payload)
  seen.header = decoded.header
  seen.payload = payload
  const format = detectFormat(decoded.header, payload, claim)
  if (expected !== undefined && expected !== format) {
    throw new CivitasError('FORMAT_MISMATCH', `expected ${expected}, got ${format}`)
  }
  return { decoded, header: decoded.header, payload, format }
}

/** A credential as the data model reads it, and where its JWT claims disagree with it. */
export interface CredentialReading {
  readonly credential: Credential
  /** `CLAIM_INVALID`, check `format`: `iss` / `jti` / `sub` naming something else than the credential. */
  readonly mismatches: readonly VerificationError[]
}

function subjectsOf(credential: Credential): unknown[] {
  const subject = credential.credentialSubject
  return Array.isArray(subject) ? subject : [subject]
}

/**
 * VCDM 1.1 §6.3.1 decoding: the credential rebuilt from `vc` and the registered claims.
 * `sub` names the credential subject; with several subjects it names every one of them, so
 * each subject's id must equal it (one without an id receives it, as a single subject does).
 */
function credentialFromVcdm11(payload: Record<string, unknown>): CredentialReading {
  const vc = { ...(payload.vc as Credential) }
  const mismatches: VerificationError[] = []
  const mismatch = (member: string, claim: string) =>
    mismatches.push({
      code: 'CLAIM_INVALID',
      message: `${member} in vc differs from the JWT "${claim}" claim`,
      check: 'format',
    })
  if (payload.iss !== undefined) {
    if (vc.issuer === undefined) vc.issuer = payload.iss
    else if (idOf(vc.issuer) !== payload.iss) mismatch('issuer', 'iss')
  }
  if (payload.jti !== undefined) {
    if (vc.id === undefined) vc.id = payload.jti
    else if (vc.id !== payload.jti) mismatch('id', 'jti')
  }
  if (payload.sub !== undefined) {
    const withSub = (subject: unknown) => {
      if (!isRecord(subject)) return subject
      if (subject.id === undefined) return { ...subject, id: payload.sub }
      if (subject.id !== payload.sub) mismatch('credentialSubject.id', 'sub')
      return subject
    }
    const subjects = vc.credentialSubject
    if (Array.isArray(subjects)) vc.credentialSubject = subjects.map(withSub)
    else if (isRecord(subjects)) vc.credentialSubject = withSub(subjects)
  }
  const nbf =
    typeof payload.nbf === 'number' ? payload.nbf : typeof payload.iat === 'number' ? payload.iat : undefined
  // A claim no Date can hold maps to nothing: the data model then reports the missing member.
  const issued = nbf === undefined ? undefined : numericDateToXsd(nbf)
  if (vc.issuanceDate === undefined && issued !== undefined) vc.issuanceDate = issued
  const expires = typeof payload.exp === 'number' ? numericDateToXsd(payload.exp) : undefined
  if (vc.expirationDate === undefined && expires !== undefined) vc.expirationDate = expires
  return { credential: vc, mismatches }
}

/**
 * VCDM 2.0 with vc-jose-cose: the payload is the credential. JWT claims it carries must
 * agree with it: `iss` is the issuer, and `sub` the id of every subject.
 */
function credentialFromVcJwt(payload: Record<string, unknown>): CredentialReading {
  const mismatches: VerificationError[] = []
  if (payload.iss !== undefined && payload.iss !== idOf(payload.issuer)) {
    // A JWT claim naming another issuer than the credential would let two readings disagree.
    mismatches.push({
      code: 'CLAIM_INVALID',
      message: 'the JWT "iss" claim differs from the credential issuer',
      check: 'format',
    })
  }
  if (payload.sub !== undefined && !subjectsOf(payload).every((s) => isRecord(s) && s.id === payload.sub)) {
    mismatches.push({
      code: 'CLAIM_INVALID',
      message: 'the JWT "sub" claim is not the id of every credential subject',
      check: 'format',
    })
  }
  return { credential: payload, mismatches }
}

export function readCredentialClaims(read: ReadJwt): CredentialReading {
  return read.format === 'jwt_vc_json'
    ? credentialFromVcdm11(read.payload)
    : credentialFromVcJwt(read.payload)
}

/** The signer a credential JWT names: `iss` (1.1, falling back to `vc.issuer`), else `issuer`. */
export function credentialSigner(read: ReadJwt, credential: Credential): unknown {
  return read.format === 'jwt_vc_json'
    ? (read.payload.iss ?? idOf(credential.issuer))
    : idOf(credential.issuer)
}

/**
 * The validity bounds a credential states: `validFrom` / `issuanceDate` open it, `validUntil`
 * / `expirationDate` close it, whichever data model version they come from. Unreadable dates
 * are left to the data model check, which reports them.
 */
export function credentialTimeBounds(credential: Credential): TimeBound[] {
  const bounds: TimeBound[] = []
  for (const name of VALID_FROM_MEMBERS) {
    const seconds = xsdDateTimeToSeconds(credential[name])
    if (seconds !== undefined) bounds.push({ name, kind: 'notBefore', seconds })
  }
  for (const name of VALID_UNTIL_MEMBERS) {
    const seconds = xsdDateTimeToSeconds(credential[name])
    if (seconds !== undefined) bounds.push({ name, kind: 'notAfter', seconds })
  }
  return bounds
}

/** When the token says it was issued: `iat`, else `nbf`, else the credential's start date. */
export function issuedAtOf(payload: Record<string, unknown>, credential?: Credential): number | undefined {
  for (const claim of [payload.iat, payload.nbf]) {
    if (typeof claim === 'number' && Number.isFinite(claim)) return claim
  }
  if (credential === undefined) return undefined
  return xsdDateTimeToSeconds(credential.validFrom) ?? xsdDateTimeToSeconds(credential.issuanceDate)
}

import { describeValue } from '../errors/describe.js'
import type { CivitasErrorCode } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import type { VerificationError } from '../verification/result.js'
import { idOf, VCDM_1_1_CONTEXT, xsdDateTimeToSeconds } from './data-model.js'
import { ebsiDidProblem } from './ebsi-did.js'

/**
 * EBSI's JWT rules for VCDM 1.1 credentials and presentations (EBSI_JWT_VC_001/002,
 * EBSI_JWT_VP_001-005), as `@cef-ebsi/verifiable-credential` 5.5 and
 * `@cef-ebsi/verifiable-presentation` 6.4 enforce them. The data-model rules of the profile
 * live in `validateCredential(..., { profile: 'ebsi' })`; these are the ones that need the
 * JWT header and claims. Each function returns every violation and never throws, so issuing
 * (as a self-check before signing) and verifying share them.
 */

/** The algorithms EBSI signs credentials and presentations with. */
export const EBSI_ALGORITHMS: readonly string[] = ['ES256', 'ES256K', 'EdDSA']

class Errors {
  readonly list: VerificationError[] = []
  add(code: CivitasErrorCode, message: string): void {
    this.list.push({ code, message: `EBSI: ${message}`, check: 'format' })
  }
}

/** `typ`, `alg`, and a `kid` that is a DID URL of `signer` (EBSI_JWT_VC_002 / EBSI_JWT_VP_003). */
function checkHeader(e: Errors, header: JwsHeader, signer: unknown, role: string): void {
  if (header.typ !== 'JWT')
    e.add('FORMAT_MISMATCH', `the JWT header typ must be "JWT", got ${describeValue(header.typ)}`)
  if (typeof header.alg !== 'string' || !EBSI_ALGORITHMS.includes(header.alg)) {
    e.add('UNSUPPORTED_ALG', `alg must be ${EBSI_ALGORITHMS.join(', ')}, got ${describeValue(header.alg)}`)
  }
  const kid = header.kid
  if (typeof kid !== 'string' || !kid.includes('#')) {
    e.add('CLAIM_INVALID', 'the JWT header kid must be a DID URL with a fragment')
  } else if (kid.slice(0, kid.indexOf('#')) !== signer) {
    e.add('CLAIM_INVALID', `the JWT header kid ${describeValue(kid)} is not a key of the ${role}`)
  }
}

/** A NumericDate claim that must be the instant of a credential member (EBSI compares seconds). */
function checkDateClaim(
  e: Errors,
  payload: Record<string, unknown>,
  claim: string,
  vc: Record<string, unknown>,
  member: string,
): void {
  const seconds = xsdDateTimeToSeconds(vc[member])
  if (seconds === undefined || payload[claim] !== seconds) {
    e.add('CLAIM_INVALID', `the JWT "${claim}" claim must be the credential's ${member}`)
  }
}

/**
 * EBSI_JWT_VC_001/002: `typ` JWT, an EBSI algorithm, `kid` a key of the issuer, and every
 * registered claim present and equal to the credential member it stands for: `iss` = issuer,
 * `sub` = credentialSubject.id, `jti` = id, `iat` = issued, `nbf` = validFrom, and `exp` =
 * expirationDate when there is one.
 */
export function checkEbsiCredentialJwt(
  header: JwsHeader,
  payload: Record<string, unknown>,
): VerificationError[] {
  const e = new Errors()
  const vc = payload.vc
  if (!isRecord(vc)) {
    e.add('FORMAT_MISMATCH', 'a credential is a VCDM 1.1 JWT with a "vc" claim')
    return e.list
  }
  const issuer = idOf(vc.issuer)
  checkHeader(e, header, issuer, 'issuer')
  if (payload.iss === undefined || payload.iss !== issuer) {
    e.add('CLAIM_INVALID', 'the JWT "iss" claim must be the credential issuer')
  }
  const subject = vc.credentialSubject
  if (Array.isArray(subject)) {
    const ids: unknown[] = subject
      .map((s: unknown) => (isRecord(s) ? s.id : undefined))
      .filter((id) => id !== undefined)
    if (ids.length > 0 && !ids.includes(payload.sub)) {
      e.add('CLAIM_INVALID', 'the JWT "sub" claim must be one of the credentialSubject ids')
    }
  } else if (!isRecord(subject) || payload.sub !== subject.id) {
    e.add('CLAIM_INVALID', 'the JWT "sub" claim must be credentialSubject.id')
  }
  if (vc.id === undefined || payload.jti !== vc.id) {
    e.add('CLAIM_INVALID', 'the JWT "jti" claim must be the credential id')
  }
  checkDateClaim(e, payload, 'iat', vc, 'issued')
  checkDateClaim(e, payload, 'nbf', vc, 'validFrom')
  if (vc.expirationDate !== undefined) checkDateClaim(e, payload, 'exp', vc, 'expirationDate')
  return e.list
}

/** The `sub` claim of an enclosed credential JWT, or why there is none to compare. */
function credentialSubjectClaim(item: unknown): { sub: unknown } | { problem: string } {
  if (typeof item !== 'string') return { problem: 'is not a credential JWT (EBSI presents JWTs only)' }
  try {
    return { sub: parseJwtClaims(decodeJws(item).payload).sub }
  } catch {
    return { problem: 'is not a decodable JWT' }
  }
}

/**
 * EBSI_JWT_VP_001-005 and EBSI_VP_005: `typ` JWT, an EBSI algorithm, `kid` a key of the
 * holder; `holder` an EBSI DID, equal to `iss` and `sub`; `aud` one string; `iat`, `nbf`,
 * `exp` present; `jti` (when set) the presentation id; `@context` and `type` arrays that
 * start with the VCDM 1.1 base; every credential a JWT whose `sub` is the holder, so a
 * holder presents only credentials about itself.
 */
export function checkEbsiPresentationJwt(
  header: JwsHeader,
  payload: Record<string, unknown>,
): VerificationError[] {
  const e = new Errors()
  const vp = payload.vp
  if (!isRecord(vp)) {
    e.add('FORMAT_MISMATCH', 'a presentation is a VCDM 1.1 JWT with a "vp" claim')
    return e.list
  }
  const holder = vp.holder
  if (typeof holder !== 'string') {
    e.add('PRESENTATION_INVALID', 'holder is required and must be a DID string')
  } else {
    const problem = ebsiDidProblem(holder)
    if (problem !== undefined) e.add('PRESENTATION_INVALID', `holder: ${problem}`)
  }
  checkHeader(e, header, holder, 'holder')
  if (!Array.isArray(vp['@context']) || vp['@context'][0] !== VCDM_1_1_CONTEXT) {
    e.add('PRESENTATION_INVALID', `@context must be an array that begins with "${VCDM_1_1_CONTEXT}"`)
  }
  if (!Array.isArray(vp.type) || vp.type[0] !== 'VerifiablePresentation') {
    e.add('PRESENTATION_INVALID', 'type must be an array whose first entry is "VerifiablePresentation"')
  }
  if (payload.iss === undefined || payload.iss !== holder) {
    e.add('CLAIM_INVALID', 'the JWT "iss" claim must be the holder')
  }
  if (payload.sub === undefined || payload.sub !== holder) {
    e.add('CLAIM_INVALID', 'the JWT "sub" claim must be the holder')
  }
  if (typeof payload.aud !== 'string') e.add('AUDIENCE_MISMATCH', 'the JWT "aud" claim must be one string')
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    if (!Number.isSafeInteger(payload[claim])) {
      e.add('CLAIM_INVALID', `the JWT "${claim}" claim is required (whole seconds)`)
    }
  }
  // EBSI's own library writes "jti": "" for a presentation without id.
  if (payload.jti !== undefined && payload.jti !== '' && payload.jti !== vp.id) {
    e.add('CLAIM_INVALID', 'the JWT "jti" claim must be the presentation id')
  }
  const vcs = vp.verifiableCredential
  if (!Array.isArray(vcs)) {
    e.add('PRESENTATION_INVALID', 'verifiableCredential must be an array of credential JWTs')
    return e.list
  }
  vcs.forEach((item, i) => {
    const read = credentialSubjectClaim(item)
    if ('problem' in read) e.add('PRESENTATION_INVALID', `verifiableCredential[${i}] ${read.problem}`)
    else if (read.sub === undefined || read.sub !== holder) {
      e.add('CLAIM_INVALID', `verifiableCredential[${i}]: its subject (sub) is not the holder`)
    }
  })
  return e.list
}

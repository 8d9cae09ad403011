import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, assertString, isRecord } from '../guards/index.js'
import type { JwsHeader } from '../jose/decode.js'
import type { Jwk } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import { type DisclosedClaim, decodeSdJwt } from '../sd-jwt/decode.js'
import type { DisclosureFrame } from '../sd-jwt/frame.js'
import type { SdHashAlgorithm } from '../sd-jwt/hash.js'
import { issueSdJwt } from '../sd-jwt/issue.js'
import type { VerifiedKeyBinding } from '../sd-jwt/key-binding.js'
import { splitSdJwt } from '../sd-jwt/serialization.js'
import { checkSdJwtOptions, verifySdJwtIn } from '../sd-jwt/verify.js'
import type { VerifiedSignature } from '../verification/key.js'
import { type PipelineContext, type VerifyOptions, withPipelineContext } from '../verification/pipeline.js'
import type { VerificationError } from '../verification/result.js'
import { type StatusEntry, w3cStatusEntries } from '../verification/status-entry.js'
import { PRESENTATION_VALIDITY } from '../verification/times.js'
import { type CredentialProfile, idOf, validateCredential, validatePresentation } from './data-model.js'
import {
  bindingErrors,
  checkPresentationOptions,
  type EnclosedLimits,
  NO_ISSUER_KEYS,
  type PresentationOptions,
  presentationHolder,
  verifyEnclosedCredentials,
} from './presentation-checks.js'
import { credentialTimeBounds, issuedAtOf } from './read.js'

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
        check: 'disclosures',
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

export interface VerifyVcSdJwtOptions extends VerifyOptions {
  /** The KB-JWT's expected nonce and audience; giving either requires key binding. */
  nonce?: string
  audience?: string
  requireKeyBinding?: boolean
  profile?: CredentialProfile
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
  /** Its status entries, normalised (see `StatusEntry`). */
  readonly statusEntries?: readonly StatusEntry[]
  /** What verified the issuer's signature and, when present, the KB-JWT's. */
  readonly signatures: readonly VerifiedSignature[]
  readonly errors: readonly VerificationError[]
}

/** The credential a vc+sd-jwt discloses: its claims without the holder key. */
function credentialOf(claims: Record<string, unknown>): Record<string, unknown> {
  const { cnf: _cnf, ...credential } = claims
  return credential
}

/** The format rules of a vc+sd-jwt: `typ`, no `vct` / `vc` / `vp`, `iss` = issuer, clear-text members. */
function vcFormatErrors(verified: {
  header: JwsHeader
  payload: Record<string, unknown>
  claims: Record<string, unknown>
  disclosures: readonly DisclosedClaim[]
}): VerificationError[] {
  const { header, payload, claims, disclosures } = verified
  const errors: VerificationError[] = []
  const format = (code: VerificationError['code'], message: string) =>
    errors.push({ code, message, check: 'format' })
  const typ = mediaType(header.typ)
  if (typ === undefined || !VC_TYPES.has(typ)) {
    format('FORMAT_MISMATCH', `typ must be "${VC_SD_JWT_TYP}", got ${describeValue(header.typ)}`)
  }
  if (payload.vct !== undefined)
    format('FORMAT_MISMATCH', 'an IETF SD-JWT VC (vct): verify it with verifySdJwt')
  if (payload.vc !== undefined || payload.vp !== undefined) {
    format('FORMAT_MISMATCH', 'a vc+sd-jwt payload is the credential itself: no vc or vp claim')
  }
  if (payload.iss !== undefined && payload.iss !== idOf(claims.issuer)) {
    format('CLAIM_INVALID', 'the JWT "iss" claim differs from the credential issuer')
  }
  errors.push(...clearTextErrors(payload, disclosures, VERIFY_CLEAR_TEXT))
  return errors
}

/** {@link verifyVcSdJwt} in a context already built: a presentation's, for its credentials. */
async function verifyVcSdJwtIn(
  context: PipelineContext,
  token: string,
  options: Pick<VerifyVcSdJwtOptions, 'nonce' | 'audience' | 'requireKeyBinding' | 'profile' | 'algorithms'>,
): Promise<VcSdJwtVerificationResult> {
  const sd = await verifySdJwtIn(
    context,
    token,
    {
      profile: 'sd-jwt',
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      ...(options.requireKeyBinding !== undefined ? { requireKeyBinding: options.requireKeyBinding } : {}),
      ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    },
    // The issuer must be clear text: it names the key the signature is checked with. The
    // issuance time too (keyTime "issuance"): issueVcSdJwt sets no iat, so it is validFrom.
    (payload) => {
      const issuedAt = issuedAtOf(payload, payload)
      return {
        did: idOf(payload.issuer),
        purpose: 'assertionMethod',
        ...(issuedAt !== undefined ? { issuedAt } : {}),
      }
    },
    {
      // validFrom / validUntil bound it together with iat / nbf / exp: the strictest holds.
      times: (claims) => credentialTimeBounds(credentialOf(claims)),
      dataModel: (claims) =>
        validateCredential(credentialOf(claims), {
          version: '2.0',
          ...(options.profile ? { profile: options.profile } : {}),
        }),
      checks: vcFormatErrors,
    },
  )
  const credential = sd.claims === undefined ? undefined : credentialOf(sd.claims)
  return {
    verified: sd.verified,
    format: 'vc+sd-jwt',
    ...(sd.header !== undefined ? { header: sd.header } : {}),
    ...(sd.payload !== undefined ? { payload: sd.payload } : {}),
    ...(credential !== undefined ? { credential, statusEntries: w3cStatusEntries(credential).entries } : {}),
    ...(sd.disclosures !== undefined ? { disclosures: sd.disclosures } : {}),
    ...(sd.keyBinding !== undefined ? { keyBinding: sd.keyBinding } : {}),
    signatures: sd.signatures,
    errors: sd.errors,
  }
}

/**
 * Verifies a VCDM 2.0 credential secured with SD-JWT (vc-jose-cose §3.2.1 and §8.3) through
 * the verification pipeline: the issuer's signature (`publicJwk`, `getKey`, or the key the
 * credential's `issuer` DID lists under `assertionMethod`), the Disclosures, the validity
 * window (the strictest bound holds), the data model of the disclosed credential, the format
 * rules and the KB-JWT when asked for. Never throws for a bad token.
 */
export async function verifyVcSdJwt(
  token: string,
  options: VerifyVcSdJwtOptions,
): Promise<VcSdJwtVerificationResult> {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  checkSdJwtOptions({ ...options, profile: 'sd-jwt' })
  return withPipelineContext(options, (context) => verifyVcSdJwtIn(context, token, options))
}

// ── presentations ────────────────────────────────────────────────────────────────

/** VCDM 2.0 §4.13: a vc+sd-jwt credential inside a presentation. */
export function envelopeVcSdJwt(token: string): Record<string, unknown> {
  assertString(token, 'token', { nonEmpty: true })
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

/** `nonce`, `audience`, the enclosed credentials' keys and limits: see {@link PresentationOptions}. */
export type VerifyVpSdJwtOptions = PresentationOptions

export interface VpSdJwtVerificationResult {
  readonly verified: boolean
  readonly format: 'vp+sd-jwt'
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  readonly presentation?: Record<string, unknown>
  readonly holder?: string
  readonly credentials: readonly VcSdJwtVerificationResult[]
  /** What verified the holder's signature (each credential's are in its own result). */
  readonly signatures: readonly VerifiedSignature[]
  /** The presentation's errors and, tagged with `credential: i`, those of each enclosed credential. */
  readonly errors: readonly VerificationError[]
}

/** The signer of a presentation: its holder, or the DID its `kid` names when it has none. */
function holderOf(payload: Record<string, unknown>, kid: unknown): unknown {
  return presentationHolder(payload.iss, payload.holder, kid)
}

/** `typ`, `nonce`, `aud`, `exp` and holder = `iss` of a vp+sd-jwt. */
function vpErrors(
  header: JwsHeader,
  presentation: Record<string, unknown>,
  options: VerifyVpSdJwtOptions,
): VerificationError[] {
  const errors: VerificationError[] = []
  const typ = mediaType(header.typ)
  if (typ === undefined || !VP_TYPES.has(typ)) {
    errors.push({
      code: 'FORMAT_MISMATCH',
      message: `typ must be "${VP_SD_JWT_TYP}", got ${describeValue(header.typ)}`,
      check: 'format',
    })
  }
  if (typeof presentation.exp !== 'number') {
    errors.push({ code: 'CLAIM_INVALID', message: 'a presentation needs exp', check: 'time' })
  }
  errors.push(...bindingErrors(presentation, presentation.holder, options))
  return errors
}

/**
 * Verifies a VCDM 2.0 presentation secured with SD-JWT (vc-jose-cose §3.2.2) through the
 * verification pipeline: the holder's signature (authentication key), times, data model,
 * `nonce` and `aud`, then every enveloped `vc+sd-jwt` credential (a KB-JWT on one must name
 * the same nonce and audience), in parallel (at most `concurrency` at once) and under the
 * presentation's one deadline (`timeoutMs`). Never throws for a bad token.
 */
export async function verifyVpSdJwt(
  token: string,
  options: VerifyVpSdJwtOptions,
): Promise<VpSdJwtVerificationResult> {
  const { issuerKeys, ...limits } = checkPresentationOptions(options)
  return withPipelineContext(options, async (context) => {
    let credentials: VcSdJwtVerificationResult[] = []
    const sd = await verifySdJwtIn(
      context,
      token,
      { profile: 'sd-jwt', ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}) },
      // A presentation without holder names its signer by kid only (as jwt_vc_json does).
      (payload, header) => ({ did: holderOf(payload, header.kid), purpose: 'authentication' }),
      {
        validity: PRESENTATION_VALIDITY,
        dataModel: (claims) => validatePresentation(claims, { version: '2.0' }),
        checks: async ({ header, claims }) => {
          const enclosed = await verifyEnclosed(claims, { ...context, keys: issuerKeys }, options, limits)
          credentials = enclosed.credentials
          return [...vpErrors(header, claims, options), ...enclosed.errors]
        },
      },
    )
    const holder = sd.payload === undefined ? undefined : holderOf(sd.payload, sd.header?.kid)
    return {
      verified: sd.verified,
      format: 'vp+sd-jwt' as const,
      ...(sd.header !== undefined ? { header: sd.header } : {}),
      ...(sd.payload !== undefined ? { payload: sd.payload } : {}),
      ...(sd.claims !== undefined ? { presentation: sd.claims } : {}),
      ...(typeof holder === 'string' ? { holder } : {}),
      credentials,
      signatures: sd.signatures,
      errors: sd.errors,
    }
  })
}

/** The enveloped credentials, verified in parallel within the presentation's context. */
function verifyEnclosed(
  presentation: Record<string, unknown>,
  context: PipelineContext,
  options: VerifyVpSdJwtOptions,
  limits: Pick<EnclosedLimits, 'maxCredentials' | 'concurrency'>,
): Promise<{ credentials: VcSdJwtVerificationResult[]; errors: VerificationError[] }> {
  const failed = (
    code: VerificationError['code'],
    message: string,
    check: VerificationError['check'],
  ): VcSdJwtVerificationResult => ({
    verified: false,
    format: 'vc+sd-jwt',
    signatures: [],
    errors: [{ code, message, check }],
  })
  return verifyEnclosedCredentials(
    presentation.verifiableCredential,
    context,
    limits,
    failed,
    async (item) => {
      const enclosed = unenvelope(item)
      if (enclosed === undefined) {
        return failed('PRESENTATION_INVALID', 'not an enveloped vc+sd-jwt credential', 'format')
      }
      if (context.keys === undefined) return failed('INVALID_ARGUMENT', NO_ISSUER_KEYS, 'key')
      let keyBound = false
      try {
        keyBound = splitSdJwt(enclosed).kbJwt !== undefined
      } catch {
        // The credential's own verification reports the malformed token.
      }
      return verifyVcSdJwtIn(context, enclosed, {
        ...(keyBound ? { nonce: options.nonce, audience: options.audience } : {}),
        ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
      })
    },
  )
}

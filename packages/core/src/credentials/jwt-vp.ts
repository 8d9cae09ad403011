import { parse } from 'did-resolver'
import { CivitasError } from '../errors/index.js'
import { assertInteger, assertString, isRecord } from '../guards/index.js'
import type { JwsHeader } from '../jose/decode.js'
import { signJws } from '../jose/sign.js'
import type { Signer } from '../keys/signer.js'
import type { VerifiedSignature } from '../verification/key.js'
import { type PipelineContext, runPipeline, withPipelineContext } from '../verification/pipeline.js'
import type { VerificationError } from '../verification/result.js'
import { jwtTimeBounds, PRESENTATION_VALIDITY } from '../verification/times.js'
import { type CredentialProfile, idOf, validatePresentation } from './data-model.js'
import { checkEbsiPresentationJwt } from './ebsi.js'
import { type JwtVcVerificationResult, verifyJwtVcIn } from './jwt-vc.js'
import {
  bindingErrors,
  checkPresentationOptions,
  type EnclosedLimits,
  NO_ISSUER_KEYS,
  type PresentationOptions,
  presentationHolder,
  verifyEnclosedCredentials,
} from './presentation-checks.js'
import { type JwtCredentialFormat, type ReadJwt, readJwt, VP_JWT_TYP } from './read.js'

export { DEFAULT_CREDENTIAL_CONCURRENCY, DEFAULT_MAX_CREDENTIALS } from './presentation-checks.js'
export { VP_JWT_TYP } from './read.js'

const ENVELOPED_PREFIX = 'data:application/vc+jwt,'

export type Presentation = Record<string, unknown>

export interface IssueJwtVpOptions {
  format: JwtCredentialFormat
  signer: Signer
  /** Key id for the JWS header, typically the holder's DID URL. Default: `signer.kid`. */
  kid?: string
  /** The verifier's challenge. */
  nonce: string
  /** The verifier (its client id or DID). */
  audience: string
  /** Seconds since the epoch. Default: now. */
  iat?: number
  /** Lifetime in seconds (`exp` = iat + this). Default 300. */
  expiresInSeconds?: number
  /**
   * `ebsi`: EBSI's presentation rules (`jwt_vc_json` only) are checked before signing:
   * `holder` an EBSI DID, `kid` one of its keys, every credential a JWT about the holder.
   */
  profile?: CredentialProfile
}

/** VCDM 2.0 §4.13: a secured credential carried inside a presentation as a data: URL. */
export function envelopeCredential(jwt: string): Record<string, unknown> {
  assertString(jwt, 'jwt', { nonEmpty: true })
  return {
    '@context': 'https://www.w3.org/ns/credentials/v2',
    id: `${ENVELOPED_PREFIX}${jwt}`,
    type: 'EnvelopedVerifiableCredential',
  }
}

function unenvelope(item: unknown): string | undefined {
  if (typeof item === 'string') return item
  if (isRecord(item) && item.type === 'EnvelopedVerifiableCredential' && typeof item.id === 'string') {
    return item.id.startsWith(ENVELOPED_PREFIX) ? item.id.slice(ENVELOPED_PREFIX.length) : undefined
  }
  return undefined
}

/**
 * Signs a presentation for one verifier and one challenge. `jwt_vc_json`: VCDM 1.1 `vp`
 * claim with `iss` (holder), `aud`, `nonce`. `vc+jwt`: the VCDM 2.0 presentation is the
 * payload (`typ` vp+jwt), credential JWTs are enveloped, `aud`/`nonce` are JWT claims.
 */
export async function issueJwtVp(presentation: Presentation, options: IssueJwtVpOptions): Promise<string> {
  if (!isRecord(presentation)) throw new CivitasError('INVALID_ARGUMENT', 'presentation must be an object')
  if (!options?.signer) throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  const { format, nonce, audience } = options
  if (format !== 'jwt_vc_json' && format !== 'vc+jwt') {
    throw new CivitasError('INVALID_ARGUMENT', 'format must be "jwt_vc_json" or "vc+jwt"')
  }
  if (typeof nonce !== 'string' || nonce.length === 0)
    throw new CivitasError('INVALID_ARGUMENT', 'nonce is required')
  if (typeof audience !== 'string' || audience.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'audience is required')
  }
  const iat = options.iat ?? Math.floor(Date.now() / 1000)
  const lifetime = options.expiresInSeconds ?? 300
  // A NaN here would be serialised as "exp": null, a presentation without expiry.
  assertInteger(iat, 'options.iat', { min: 0 })
  assertInteger(lifetime, 'options.expiresInSeconds', { min: 1 })
  const exp = iat + lifetime
  const vcs = presentation.verifiableCredential
  const list = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  const body: Presentation = {
    ...presentation,
    ...(vcs !== undefined
      ? {
          verifiableCredential:
            format === 'vc+jwt'
              ? list.map((vc) => (typeof vc === 'string' ? envelopeCredential(vc) : vc))
              : list,
        }
      : {}),
  }
  const errors = validatePresentation(body, { version: format === 'jwt_vc_json' ? '1.1' : '2.0' })
  if (errors.length > 0) {
    throw new CivitasError('PRESENTATION_INVALID', errors.map((e) => e.message).join('; '), {
      details: { errors },
    })
  }
  const kid = options.kid ?? options.signer.kid
  // VCDM 1.1 verifiers (did-jwt-vc) require iss: without a holder, the DID of the signing key.
  const holder = idOf(presentation.holder) ?? (kid === undefined ? undefined : parse(kid)?.did)
  if (format === 'vc+jwt') {
    if ('vp' in presentation || 'vc' in presentation) {
      throw new CivitasError(
        'FORMAT_MISMATCH',
        'a vp+jwt payload is the presentation itself: no vc or vp claim',
      )
    }
    return signJws({ ...body, aud: audience, nonce, iat, exp }, options.signer, {
      typ: VP_JWT_TYP,
      ...(kid !== undefined ? { kid } : {}),
    })
  }
  // iss and sub both name the holder: VCDM 1.1 maps holder to iss, EBSI requires sub too.
  const claims = {
    ...(holder !== undefined ? { iss: holder, sub: holder } : {}),
    aud: audience,
    nonce,
    iat,
    nbf: iat,
    exp,
    ...(typeof presentation.id === 'string' ? { jti: presentation.id } : {}),
    vp: body,
  }
  const header = { typ: 'JWT', ...(kid !== undefined ? { kid } : {}) }
  if (options.profile === 'ebsi') {
    const errors = checkEbsiPresentationJwt({ ...header, alg: options.signer.alg }, claims)
    if (errors.length > 0) {
      throw new CivitasError(errors[0]!.code, errors.map((e) => e.message).join('; '), {
        details: { errors },
      })
    }
  }
  return signJws(claims, options.signer, header)
}

export interface VerifyJwtVpOptions extends PresentationOptions {
  /** Accept only this format. */
  format?: JwtCredentialFormat
  /** `ebsi`: EBSI's presentation rules, and the credential profile for every enclosed credential. */
  profile?: CredentialProfile
}

export interface JwtVpVerificationResult {
  readonly verified: boolean
  readonly format?: JwtCredentialFormat
  readonly header?: JwsHeader
  readonly payload?: Record<string, unknown>
  readonly presentation?: Presentation
  readonly holder?: string
  /** One result per enclosed credential, in presentation order. */
  readonly credentials: readonly JwtVcVerificationResult[]
  /** What verified the holder's signature (each credential's are in its own result). */
  readonly signatures: readonly VerifiedSignature[]
  /** The presentation's errors and, tagged with `credential: i`, those of each enclosed credential. */
  readonly errors: readonly VerificationError[]
}

interface ReadPresentation extends ReadJwt {
  readonly presentation: Presentation
  readonly holder: unknown
}

function readPresentation(
  token: string,
  format: JwtCredentialFormat | undefined,
  seen: object,
): ReadPresentation {
  const read = readJwt(token, 'vp', format, seen)
  const presentation = (read.format === 'jwt_vc_json' ? read.payload.vp : read.payload) as Presentation
  const holder = presentationHolder(read.payload.iss, presentation.holder, read.header.kid)
  const { decoded, header, payload } = read
  return { decoded, header, payload, format: read.format, presentation, holder }
}

/**
 * Verifies a presentation JWT of either format through the verification pipeline: holder
 * signature (authentication key), times, data model, `nonce` / `aud`, then every enclosed
 * credential, in parallel (at most `concurrency` at once) and under the presentation's one
 * deadline (`timeoutMs`). Never throws for a bad token; throws only for API misuse.
 */
export async function verifyJwtVp(
  token: string,
  options: VerifyJwtVpOptions,
): Promise<JwtVpVerificationResult> {
  const { issuerKeys, ...limits } = checkPresentationOptions(options)
  return withPipelineContext(options, async (context) => {
    const seen: { header?: JwsHeader; payload?: Record<string, unknown> } = {}
    let credentials: JwtVcVerificationResult[] = []
    const outcome = await runPipeline(context, {
      readFallback: 'INVALID_JWS',
      read: () => readPresentation(token, options.format, seen),
      signer: (read) => ({
        parts: [{ jws: token, decoded: read.decoded }],
        payload: read.payload,
        signer: read.holder,
        purpose: 'authentication',
        role: 'holder',
        issuedAt: typeof read.payload.iat === 'number' ? read.payload.iat : undefined,
      }),
      times: (read, _, errors) => jwtTimeBounds(read.payload, errors),
      validity: PRESENTATION_VALIDITY,
      dataModel: (read) =>
        validatePresentation(read.presentation, { version: read.format === 'jwt_vc_json' ? '1.1' : '2.0' }),
      checks: async (read) => {
        const errors = bindingErrors(read.payload, read.presentation.holder, options)
        if (options.profile === 'ebsi' && read.format === 'jwt_vc_json') {
          errors.push(...checkEbsiPresentationJwt(read.header, read.payload))
        }
        const enclosed = await verifyEnclosed(read, { ...context, keys: issuerKeys }, options, limits)
        credentials = enclosed.credentials
        return [...errors, ...enclosed.errors]
      },
    })
    const { read } = outcome
    if (read === undefined)
      return { verified: false, ...seen, credentials: [], signatures: [], errors: outcome.errors }
    return {
      verified: outcome.verified,
      format: read.format,
      header: read.header,
      payload: read.payload,
      presentation: read.presentation,
      ...(typeof read.holder === 'string' ? { holder: read.holder } : {}),
      credentials,
      signatures: outcome.signatures,
      errors: outcome.errors,
    }
  })
}

/** The enclosed credentials, verified in parallel within the presentation's context. */
function verifyEnclosed(
  read: ReadPresentation,
  context: PipelineContext,
  options: VerifyJwtVpOptions,
  limits: Pick<EnclosedLimits, 'maxCredentials' | 'concurrency'>,
): Promise<{ credentials: JwtVcVerificationResult[]; errors: VerificationError[] }> {
  const failed = (
    code: VerificationError['code'],
    message: string,
    check: VerificationError['check'],
  ): JwtVcVerificationResult => ({ verified: false, signatures: [], errors: [{ code, message, check }] })
  const profile = options.profile
  return verifyEnclosedCredentials(
    read.presentation?.verifiableCredential,
    context,
    limits,
    failed,
    async (item) => {
      if (context.keys === undefined) return failed('INVALID_ARGUMENT', NO_ISSUER_KEYS, 'key')
      const jwt = unenvelope(item)
      if (jwt === undefined) return failed('PRESENTATION_INVALID', 'not a credential JWT', 'format')
      return verifyJwtVcIn(context, jwt, {
        format: read.format,
        ...(profile !== undefined ? { profile } : {}),
      })
    },
  )
}

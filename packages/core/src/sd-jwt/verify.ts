import { parseJson } from '../encoding/json.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, isRecord } from '../guards/index.js'
import type { DecodedJws, JwsHeader } from '../jose/decode.js'
import type { Jwk } from '../keys/algorithms.js'
import type { VerifiedSignature } from '../verification/key.js'
import {
  type PipelineContext,
  runPipeline,
  type VerifyOptions,
  withPipelineContext,
} from '../verification/pipeline.js'
import { toVerificationError, type VerificationError } from '../verification/result.js'
import { jwtStatusEntries, type StatusEntry } from '../verification/status-entry.js'
import {
  CREDENTIAL_VALIDITY,
  jwtTimeBounds,
  type TimeBound,
  type ValidityCodes,
} from '../verification/times.js'
import { type DecodedSdJwt, type DisclosedClaim, decodeSdJwtParts, disclosedClaims } from './decode.js'
import { SD_JWT_VC_TYP } from './issue.js'
import { isSdJwtJson, type SdJwtJson, sdJwtFromJson } from './json-serialization.js'
import { DEFAULT_KB_MAX_AGE_SECONDS, type VerifiedKeyBinding, verifyKeyBindingJwt } from './key-binding.js'
import { DEFAULT_MAX_SD_JWT_LENGTH } from './serialization.js'
import { unpackClaims } from './unpack.js'

export interface VerifySdJwtOptions extends VerifyOptions {
  /** Expected KB-JWT nonce and audience; giving either requires key binding. */
  nonce?: string
  audience?: string
  requireKeyBinding?: boolean
  /** Oldest acceptable KB-JWT `iat`, in seconds before `now`. Default 300. */
  keyBindingMaxAgeSeconds?: number
  /**
   * `sd-jwt-vc` (default): SD-JWT VC rules — `typ` dc+sd-jwt (or legacy vc+sd-jwt),
   * `vct`, `iss`, clear-text token claims. `sd-jwt`: any RFC 9901 SD-JWT.
   */
  profile?: 'sd-jwt-vc' | 'sd-jwt'
  maxDisclosures?: number
  maxLength?: number
}

export type { DisclosedClaim }

export interface SdJwtVerificationResult {
  readonly verified: boolean
  readonly format: 'dc+sd-jwt' | 'sd-jwt'
  readonly header?: JwsHeader
  /** The issuer-signed payload as signed (digests, `_sd_alg`). */
  readonly payload?: Record<string, unknown>
  /** The processed claims: what the holder disclosed. Trust only when `verified`. */
  readonly claims?: Record<string, unknown>
  readonly disclosures?: readonly DisclosedClaim[]
  readonly keyBinding?: VerifiedKeyBinding
  /** The `status` claim, normalised (see `StatusEntry`). */
  readonly statusEntries?: readonly StatusEntry[]
  /** What verified the issuer's signature and, when present, the KB-JWT's (`cnf.jwk`). */
  readonly signatures: readonly VerifiedSignature[]
  readonly errors: readonly VerificationError[]
}

const SD_JWT_VC_TYPES = new Set([SD_JWT_VC_TYP, 'vc+sd-jwt'])
const CLEAR_TEXT_ONLY = new Set(['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status'])

/**
 * A JSON-serialized SD-JWT that arrived as text (e.g. an HTTP body): length-checked before
 * parsing, and depth-bounded like every JSON from outside.
 */
function parseJsonSerialization(token: string, maxLength = DEFAULT_MAX_SD_JWT_LENGTH): unknown {
  if (token.length > maxLength) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `SD-JWT is ${token.length} characters, the limit is ${maxLength}`,
    )
  }
  return parseJson(token, 'SD_JWT_INVALID', { what: 'an SD-JWT in JWS JSON Serialization' })
}

/** Checks the SD-JWT options of a verify call (`INVALID_ARGUMENT` for misuse). */
export function checkSdJwtOptions(options: VerifySdJwtOptions): void {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  for (const name of ['nonce', 'audience'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'string') {
      throw new CivitasError('INVALID_ARGUMENT', `${name} must be a string`)
    }
  }
  if (options.requireKeyBinding !== undefined && typeof options.requireKeyBinding !== 'boolean') {
    throw new CivitasError('INVALID_ARGUMENT', 'requireKeyBinding must be a boolean')
  }
  // A nonce or audience is only checked inside a KB-JWT: without one it would go unchecked.
  if (
    options.requireKeyBinding === false &&
    (options.nonce !== undefined || options.audience !== undefined)
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'nonce and audience need key binding: drop requireKeyBinding: false',
    )
  }
  // A NaN or negative limit would compare false and switch its check off.
  for (const name of ['maxDisclosures', 'maxLength', 'keyBindingMaxAgeSeconds'] as const) {
    const value: unknown = options[name]
    if (value !== undefined) assertInteger(value, name, { min: 0 })
  }
  if (options.profile !== undefined && options.profile !== 'sd-jwt-vc' && options.profile !== 'sd-jwt') {
    throw new CivitasError('INVALID_ARGUMENT', 'profile must be "sd-jwt-vc" or "sd-jwt"')
  }
}

function sdJwtVcErrors(
  header: JwsHeader,
  payload: Record<string, unknown>,
  placements: Iterable<string>,
): VerificationError[] {
  const errors: VerificationError[] = []
  const invalid = (code: VerificationError['code'], message: string) =>
    errors.push({ code, message, check: 'format' })
  if (typeof header.typ !== 'string' || !SD_JWT_VC_TYPES.has(header.typ)) {
    invalid('FORMAT_MISMATCH', `typ must be "${SD_JWT_VC_TYP}", got ${describeValue(header.typ)}`)
  }
  if (typeof payload.vct !== 'string' || payload.vct.length === 0)
    invalid('CLAIM_INVALID', 'vct must be a non-empty string')
  if (typeof payload.iss !== 'string' || payload.iss.length === 0)
    invalid('CLAIM_INVALID', 'iss must be a non-empty string')
  if (payload.cnf !== undefined && !(isRecord(payload.cnf) && isRecord(payload.cnf.jwk))) {
    invalid('CLAIM_INVALID', 'cnf must carry a jwk')
  }
  for (const path of placements) {
    const segments = path.split('/')
    const top = segments[1]
    if (segments.length === 2 && top !== undefined && CLEAR_TEXT_ONLY.has(top)) {
      errors.push({
        code: 'SD_DISCLOSURE_INVALID',
        message: `${describeValue(top)} must not be selectively disclosed`,
        check: 'disclosures',
      })
    }
  }
  return errors
}

/** An SD-JWT as received, decoded once: the issuer-signed JWT, the Disclosures, the KB-JWT. */
export interface ReadSdJwt {
  readonly decoded: DecodedSdJwt
  /** The other issuer signatures of a General JSON SD-JWT, and their decoding (the payload decoded once for all). */
  readonly otherJwts: readonly string[]
  readonly otherSignatures: readonly DecodedJws[]
}

/** Reads a compact or JSON-serialized SD-JWT (text or object) without verifying it. */
export function readSdJwt(
  token: string | SdJwtJson,
  options: Pick<VerifySdJwtOptions, 'maxDisclosures' | 'maxLength'> = {},
): ReadSdJwt {
  let compact: unknown = token
  let otherJwts: readonly string[] = []
  let otherSignatures: readonly DecodedJws[] = []
  if (typeof token === 'string' && token.startsWith('{'))
    compact = parseJsonSerialization(token, options.maxLength)
  if (isSdJwtJson(compact)) {
    const fromJson = sdJwtFromJson(compact, {
      ...(options.maxDisclosures !== undefined ? { maxDisclosures: options.maxDisclosures } : {}),
      ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
    })
    compact = fromJson.compact
    otherJwts = fromJson.otherJwts
    otherSignatures = fromJson.otherSignatures
  }
  const decoded = decodeSdJwtParts(compact as string, {
    ...(options.maxDisclosures !== undefined ? { maxDisclosures: options.maxDisclosures } : {}),
    ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
  })
  return { decoded, otherJwts, otherSignatures }
}

interface ProcessedSdJwt {
  /** The protected header of the issuer signature that verified (others are unsigned for it). */
  readonly header: JwsHeader
  readonly claims: Record<string, unknown>
  readonly disclosures: DisclosedClaim[]
  readonly placements: ReadonlyMap<unknown, string>
}

/**
 * Verifies an SD-JWT VC (or, with `profile: 'sd-jwt'`, any RFC 9901 SD-JWT) as a verifier
 * does (RFC 9901 §7), through the verification pipeline: issuer signature, Disclosures, time
 * claims, SD-JWT VC rules, status reference, KB-JWT. Never throws for a bad token: problems
 * come back in `errors` with `verified: false`. Throws only for misuse (`INVALID_ARGUMENT`).
 */
export async function verifySdJwt(
  token: string | SdJwtJson,
  options: VerifySdJwtOptions,
): Promise<SdJwtVerificationResult> {
  return verifySdJwtSignedBy(token, options, (payload) => ({ did: payload.iss, purpose: 'assertionMethod' }))
}

/**
 * Who must have signed an SD-JWT, read from its signed payload: `iss` for an SD-JWT VC, the
 * `issuer` of a W3C credential (vc+sd-jwt), the holder (authentication) of a presentation.
 */
export type SdJwtSignerOf = (
  payload: Record<string, unknown>,
  header: JwsHeader,
) => {
  did: unknown
  purpose: 'assertionMethod' | 'authentication'
  /** When the format says the token was issued (keyTime "issuance"); default: `iat`. */
  issuedAt?: number
}

/**
 * What a format built on SD-JWT adds to the pipeline (vc+sd-jwt / vp+sd-jwt): more validity
 * bounds, a data model and format checks, all read from the disclosed claims.
 */
export interface SdJwtExtension {
  /** The codes an expired token fails with. Default: the credential ones. */
  readonly validity?: ValidityCodes
  times?(claims: Record<string, unknown>): readonly TimeBound[]
  dataModel?(claims: Record<string, unknown>): readonly VerificationError[]
  checks?(verified: {
    header: JwsHeader
    payload: Record<string, unknown>
    claims: Record<string, unknown>
    disclosures: readonly DisclosedClaim[]
  }): readonly VerificationError[] | Promise<readonly VerificationError[]>
}

/** {@link verifySdJwt} with the signer named by `signerOf` (internal: the vc+sd-jwt / vp+sd-jwt paths). */
export async function verifySdJwtSignedBy(
  token: string | SdJwtJson,
  options: VerifySdJwtOptions,
  signerOf: SdJwtSignerOf,
  extension: SdJwtExtension = {},
): Promise<SdJwtVerificationResult> {
  checkSdJwtOptions(options)
  return withPipelineContext(options, (context) =>
    verifySdJwtIn(context, token, options, signerOf, extension),
  )
}

/** The SD-JWT pipeline in a context already built (options checked): a presentation's, for its credentials. */
export async function verifySdJwtIn(
  context: PipelineContext,
  token: string | SdJwtJson,
  options: Omit<VerifySdJwtOptions, keyof VerifyOptions> & Pick<VerifyOptions, 'algorithms'>,
  signerOf: SdJwtSignerOf,
  extension: SdJwtExtension = {},
): Promise<SdJwtVerificationResult> {
  const profile = options.profile ?? 'sd-jwt-vc'
  const format: SdJwtVerificationResult['format'] = profile === 'sd-jwt-vc' ? 'dc+sd-jwt' : 'sd-jwt'
  const requireKeyBinding =
    options.requireKeyBinding ?? (options.nonce !== undefined || options.audience !== undefined)
  let keyBinding: VerifiedKeyBinding | undefined
  const outcome = await runPipeline<ReadSdJwt, ProcessedSdJwt>(context, {
    readFallback: 'SD_JWT_INVALID',
    read: () => readSdJwt(token, options),
    // With several issuer signatures (General JSON), one by the issuer's key suffices.
    signer: ({ decoded, otherJwts, otherSignatures }) => {
      const { did, purpose, issuedAt } = signerOf(decoded.payload, decoded.header)
      const iat = issuedAt ?? decoded.payload.iat
      return {
        parts: [
          { jws: decoded.parts.jwt, decoded: decoded.jws },
          ...otherJwts.map((jws, i) => ({ jws, decoded: otherSignatures[i] as DecodedJws })),
        ],
        payload: decoded.payload,
        signer: did,
        purpose,
        role: purpose === 'authentication' ? 'holder' : 'issuer',
        ...(typeof iat === 'number' ? { issuedAt: iat } : {}),
      }
    },
    process: ({ decoded }, verified) => {
      const unpacked = unpackClaims(decoded.payload, decoded.disclosures)
      return {
        header: verified.header,
        claims: unpacked.claims,
        placements: unpacked.placements,
        disclosures: disclosedClaims(decoded.disclosures, unpacked.placements),
      }
    },
    // The processed claims: RFC 9901 lets a plain SD-JWT make exp or nbf selectively
    // disclosable, and a disclosed one binds as much as a clear-text one.
    times: (_, processed, errors) =>
      processed
        ? [...jwtTimeBounds(processed.claims, errors), ...(extension.times?.(processed.claims) ?? [])]
        : [],
    validity: extension.validity ?? CREDENTIAL_VALIDITY,
    ...(extension.dataModel
      ? {
          dataModel: (_: ReadSdJwt, processed: ProcessedSdJwt | undefined) =>
            processed ? extension.dataModel!(processed.claims) : [],
        }
      : {}),
    checks: async ({ decoded }, processed, signatures) => {
      const errors: VerificationError[] = []
      if (profile === 'sd-jwt-vc' && processed) {
        errors.push(...sdJwtVcErrors(processed.header, decoded.payload, processed.placements.values()))
        errors.push(...jwtStatusEntries(decoded.payload).errors)
      }
      if (extension.checks && processed) {
        const { header, claims, disclosures } = processed
        errors.push(...(await extension.checks({ header, payload: decoded.payload, claims, disclosures })))
      }
      const { parts, payload } = decoded
      if (parts.kbJwt === undefined) {
        if (requireKeyBinding) {
          errors.push({
            code: 'KB_JWT_MISSING',
            message: 'a key-binding JWT is required',
            check: 'binding',
          })
        }
        return errors
      }
      const cnf = payload.cnf
      if (!isRecord(cnf) || !isRecord(cnf.jwk)) {
        errors.push({
          code: 'KB_JWT_INVALID',
          message: 'a KB-JWT is present but the SD-JWT has no cnf.jwk',
          check: 'binding',
        })
        return errors
      }
      const holderJwk = cnf.jwk as Jwk
      try {
        keyBinding = await verifyKeyBindingJwt(parts.kbJwt, parts.sdJwt, decoded.hashAlg, {
          holderJwk,
          ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
          ...(options.audience !== undefined ? { audience: options.audience } : {}),
          now: context.now,
          maxAgeSeconds: options.keyBindingMaxAgeSeconds ?? DEFAULT_KB_MAX_AGE_SECONDS,
          clockSkewSeconds: context.skew,
          ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
        })
        signatures.push({ role: 'keyBinding', alg: keyBinding.header.alg, publicJwk: holderJwk })
      } catch (error) {
        errors.push(toVerificationError(error, 'KB_JWT_INVALID', 'binding'))
      }
      return errors
    },
  })
  const { read, processed } = outcome
  if (read === undefined) return { verified: false, format, signatures: [], errors: outcome.errors }
  const { payload } = read.decoded
  return {
    verified: outcome.verified,
    format,
    header: outcome.header ?? read.decoded.header,
    payload,
    ...(processed !== undefined ? { claims: processed.claims, disclosures: processed.disclosures } : {}),
    ...(keyBinding !== undefined ? { keyBinding } : {}),
    ...(processed !== undefined ? { statusEntries: jwtStatusEntries(payload).entries } : {}),
    signatures: outcome.signatures,
    errors: outcome.errors,
  }
}

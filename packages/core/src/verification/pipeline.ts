import { CivitasError, type CivitasErrorCode } from '../errors/index.js'
import { limitOption } from '../guards/index.js'
import type { DecodedJws, JwsHeader } from '../jose/decode.js'
import { createDeadline, DEFAULT_VERIFICATION_TIMEOUT_MS, type Deadline } from './deadline.js'
import {
  type KeyOptions,
  type KeySource,
  keySourceFrom,
  type SignerSpec,
  type VerifiedSignature,
  verifySigner,
} from './key.js'
import { toVerificationError, type VerificationError } from './result.js'
import {
  checkClockSkew,
  checkValidity,
  DEFAULT_CLOCK_SKEW_SECONDS,
  nowSeconds,
  type TimeBound,
  type ValidityCodes,
} from './times.js'

/** The options every verify function shares: the signer key, the clock, the deadline. */
export interface VerifyOptions extends KeyOptions {
  /** Evaluation time: a Date or NumericDate seconds. Default: now. */
  now?: Date | number
  /** Tolerance between clocks, seconds. Default 60. */
  clockSkewSeconds?: number
  /** The whole verification's deadline, ms (default 20,000); past it, `VERIFICATION_TIMEOUT`. */
  timeoutMs?: number
}

/** One verification's clock, tolerance, deadline and key source, checked once. */
export interface PipelineContext {
  readonly now: number
  readonly skew: number
  readonly deadline: Deadline
  /** Undefined only where the key is optional (a presentation's credentials without one). */
  readonly keys: KeySource | undefined
}

/**
 * Runs `verify` inside a context built from `options` (misuse throws `INVALID_ARGUMENT`
 * here, before any token is read), with one deadline for everything the verification waits on.
 */
export function withPipelineContext<T>(
  options: VerifyOptions,
  verify: (context: PipelineContext) => Promise<T>,
  { keyRequired = true }: { keyRequired?: boolean } = {},
): Promise<T> {
  const keys = keySourceFrom(options, keyRequired)
  const now = nowSeconds(options.now)
  const skew = checkClockSkew(options.clockSkewSeconds, DEFAULT_CLOCK_SKEW_SECONDS)
  const timeoutMs = limitOption(options.timeoutMs, 'options.timeoutMs', DEFAULT_VERIFICATION_TIMEOUT_MS)
  return verify({ now, skew, deadline: createDeadline(timeoutMs), keys })
}

/**
 * The steps of one token format, in pipeline order. The pipeline calls them in this order,
 * tags what each reports with its check, and stops after a failed read, key, signature or
 * process step (nothing later can be trusted then); the time, data model and format checks
 * all run and all report.
 */
export interface PipelineSteps<R, P> {
  /** Format detection and strict decoding, once. Throwing is a `format` failure. */
  read(): R
  /** Code for a non-Civitas error thrown by `read`. */
  readonly readFallback: CivitasErrorCode
  /** The signature(s) to verify and the signer the token names. */
  signer(read: R): SignerSpec
  /**
   * Work on the verified token that later checks need (SD-JWT Disclosures). Throwing is a
   * `disclosures` failure and ends the verification.
   */
  process?(read: R, verified: DecodedJws): P
  /** The token's validity bounds; a bound that cannot be read is pushed to `errors`. */
  times(read: R, processed: P | undefined, errors: VerificationError[]): readonly TimeBound[]
  /** The codes an expired / not yet valid token fails with. */
  readonly validity: ValidityCodes
  /** The data model: VCDM for W3C credentials and presentations. */
  dataModel?(read: R, processed: P | undefined): readonly VerificationError[]
  /**
   * The format's own checks: claim consistency, status entries, binding, enclosed
   * credentials. `signatures` takes any further signature verified here (a KB-JWT).
   */
  checks?(
    read: R,
    processed: P | undefined,
    signatures: VerifiedSignature[],
  ): readonly VerificationError[] | Promise<readonly VerificationError[]>
}

export interface PipelineOutcome<R, P> {
  readonly verified: boolean
  /** Set once the read step succeeded. */
  readonly read?: R
  /** The protected header of the signature that verified. */
  readonly header?: JwsHeader
  readonly processed?: P
  /** What verified each signature, in the order checked. */
  readonly signatures: readonly VerifiedSignature[]
  readonly errors: readonly VerificationError[]
}

/**
 * The verification pipeline every verify function runs: read → key → signature → times →
 * data model → format checks. Never throws for a bad token.
 */
export async function runPipeline<R, P = undefined>(
  context: PipelineContext,
  steps: PipelineSteps<R, P>,
): Promise<PipelineOutcome<R, P>> {
  let read: R
  try {
    read = steps.read()
  } catch (error) {
    return {
      verified: false,
      signatures: [],
      errors: [toVerificationError(error, steps.readFallback, 'format')],
    }
  }
  if (context.keys === undefined) {
    throw new CivitasError('INVALID_ARGUMENT', 'pass publicJwk, getKey or resolver to verify the signature')
  }
  const signer = await verifySigner(context.keys, steps.signer(read), context.now, context.deadline)
  if (!signer.ok) return { verified: false, read, signatures: [], errors: [signer.error] }
  const signatures: VerifiedSignature[] = [signer.signature]
  const header = signer.decoded.header

  let processed: P | undefined
  if (steps.process) {
    try {
      processed = steps.process(read, signer.decoded)
    } catch (error) {
      return {
        verified: false,
        read,
        header,
        signatures,
        errors: [toVerificationError(error, 'SD_JWT_INVALID', 'disclosures')],
      }
    }
  }

  const errors: VerificationError[] = []
  const bounds = steps.times(read, processed, errors)
  errors.push(...checkValidity(bounds, context.now, context.skew, steps.validity))
  if (steps.dataModel) {
    // The time check already compared every bound; the data model's own order check would repeat it.
    const ordered = errors.some((e) => e.code === 'TIME_ORDER_INVALID')
    for (const error of steps.dataModel(read, processed)) {
      if (!(ordered && error.code === 'TIME_ORDER_INVALID')) errors.push(error)
    }
  }
  if (steps.checks) errors.push(...(await steps.checks(read, processed, signatures)))
  return {
    verified: errors.length === 0,
    read,
    header,
    ...(processed !== undefined ? { processed } : {}),
    signatures,
    errors,
  }
}

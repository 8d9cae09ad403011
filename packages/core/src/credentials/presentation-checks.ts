/**
 * What verifying a presentation means whatever secures it (a JWT: `jwt_vc_json` / `vp+jwt`,
 * or SD-JWT: `vp+sd-jwt`): the options every presentation verifier takes, who the holder is,
 * the binding to this verifier's challenge, and the enclosed credentials, verified in parallel
 * under one deadline. One place, so the formats cannot drift apart on what a binding is.
 */
import { parse } from 'did-resolver'
import { CivitasError } from '../errors/index.js'
import { assertInteger, isRecord, limitOption } from '../guards/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { mapWithConcurrency } from '../verification/deadline.js'
import { type GetKey, type KeySource, keySourceFrom } from '../verification/key.js'
import type { PipelineContext, VerifyOptions } from '../verification/pipeline.js'
import type { VerificationError } from '../verification/result.js'
import { idOf } from './data-model.js'

/** Default `maxCredentials` of a presentation: far above any wallet's presentation. */
export const DEFAULT_MAX_CREDENTIALS = 64

/** Default `concurrency` of a presentation's enclosed credentials. */
export const DEFAULT_CREDENTIAL_CONCURRENCY = 8

/** The options of `verifyJwtVp` and `verifyVpSdJwt` that are about the presentation as such. */
export interface PresentationOptions extends VerifyOptions {
  /** The challenge this verifier sent. */
  nonce: string
  /** This verifier's identifier. */
  audience: string
  /**
   * How the enclosed credentials' issuer keys are found. Default: the `getKey` above, else
   * the `resolver`; `publicJwk` above is the holder's and never used for them.
   */
  credentials?: { publicJwk?: Jwk; getKey?: GetKey }
  /**
   * Most enclosed credentials verified (default 64): each costs a DID resolution and a
   * signature check, so a presentation carrying thousands would turn one request into
   * thousands of lookups. More is `INPUT_TOO_LARGE` and none is verified.
   */
  maxCredentials?: number
  /** Enclosed credentials verified at once (default 8): their DID lookups run in parallel. */
  concurrency?: number
}

export interface EnclosedLimits {
  readonly maxCredentials: number
  readonly concurrency: number
  /** How the enclosed credentials' issuer keys are found; undefined when the caller gave none. */
  readonly issuerKeys: KeySource | undefined
}

/**
 * Checks the presentation options (misuse is `INVALID_ARGUMENT`, thrown before any token is
 * read): a non-empty `nonce` and `audience`, the limits, and the enclosed credentials' keys.
 */
export function checkPresentationOptions(options: PresentationOptions): EnclosedLimits {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  for (const name of ['nonce', 'audience'] as const) {
    if (typeof options[name] !== 'string' || options[name].length === 0) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} is required to verify a presentation`, {
        details: { argument: `options.${name}` },
      })
    }
  }
  const maxCredentials = options.maxCredentials ?? DEFAULT_MAX_CREDENTIALS
  assertInteger(maxCredentials, 'options.maxCredentials', { min: 0 })
  const concurrency = limitOption(
    options.concurrency,
    'options.concurrency',
    DEFAULT_CREDENTIAL_CONCURRENCY,
    64,
  )
  if (options.credentials !== undefined && !isRecord(options.credentials)) {
    throw new CivitasError('INVALID_ARGUMENT', 'options.credentials must be an object')
  }
  const getKey = options.credentials?.getKey ?? options.getKey
  const issuerKeys = keySourceFrom(
    {
      ...(options.credentials?.publicJwk !== undefined ? { publicJwk: options.credentials.publicJwk } : {}),
      ...(getKey !== undefined ? { getKey } : {}),
      ...(options.resolver !== undefined ? { resolver: options.resolver } : {}),
      ...(options.keyTime !== undefined ? { keyTime: options.keyTime } : {}),
      ...(options.algorithms !== undefined ? { algorithms: options.algorithms } : {}),
    },
    false,
  )
  return { maxCredentials, concurrency, issuerKeys }
}

/**
 * The signer a presentation names: `iss` (VCDM 1.1 maps the holder to it; vc-jose-cose allows
 * it), else its `holder`. A presentation need not name its holder: the DID its `kid` names
 * then signed it. A claimed holder that is not a string is no DID: the key step refuses it.
 */
export function presentationHolder(iss: unknown, holder: unknown, kid: unknown): unknown {
  const claimed = iss !== undefined ? iss : idOf(holder)
  return claimed === undefined && typeof kid === 'string' ? parse(kid)?.did : claimed
}

/**
 * The binding of a presentation to this verifier and this challenge: `nonce` is the one
 * sent, `aud` names this verifier (alone or in an array), and an `iss` names the same holder
 * as the presentation's `holder` member. `claims` holds `nonce`, `aud` and `iss`.
 */
export function bindingErrors(
  claims: Record<string, unknown>,
  holder: unknown,
  expected: { readonly nonce: string; readonly audience: string },
): VerificationError[] {
  const errors: VerificationError[] = []
  if (claims.nonce !== expected.nonce) {
    errors.push({ code: 'NONCE_MISMATCH', message: 'nonce is not the expected challenge', check: 'binding' })
  }
  const aud = claims.aud
  if (!(aud === expected.audience || (Array.isArray(aud) && aud.includes(expected.audience)))) {
    errors.push({ code: 'AUDIENCE_MISMATCH', message: 'aud does not name this verifier', check: 'binding' })
  }
  if (claims.iss !== undefined && holder !== undefined && claims.iss !== idOf(holder)) {
    errors.push({
      code: 'CLAIM_INVALID',
      message: 'the holder differs from the JWT "iss" claim',
      check: 'binding',
    })
  }
  return errors
}

type Failed<R> = (code: VerificationError['code'], message: string, check: VerificationError['check']) => R

/**
 * The presentation's `verifiableCredential` items, each verified by `verifyOne`: at most
 * `concurrency` at once, all under the presentation's one deadline (each may name another
 * slow issuer host). More than `maxCredentials` items is `INPUT_TOO_LARGE`, none verified.
 * Each credential's errors come back tagged with its index, for the presentation's result.
 */
export async function verifyEnclosedCredentials<R extends { readonly errors: readonly VerificationError[] }>(
  verifiableCredential: unknown,
  context: PipelineContext,
  limits: Pick<EnclosedLimits, 'maxCredentials' | 'concurrency'>,
  failed: Failed<R>,
  verifyOne: (item: unknown) => Promise<R>,
): Promise<{ credentials: R[]; errors: VerificationError[] }> {
  const vcs = verifiableCredential
  const all = vcs === undefined ? [] : Array.isArray(vcs) ? vcs : [vcs]
  if (all.length > limits.maxCredentials) {
    const message = `the presentation encloses ${all.length} credentials, the limit is ${limits.maxCredentials}`
    return { credentials: [], errors: [{ code: 'INPUT_TOO_LARGE', message, check: 'resources' }] }
  }
  const credentials = await mapWithConcurrency(all, limits.concurrency, context.deadline, verifyOne, () =>
    failed('VERIFICATION_TIMEOUT', 'not verified: the presentation ran out of time', 'resources'),
  )
  const errors: VerificationError[] = []
  for (const [i, result] of credentials.entries()) {
    for (const e of result.errors) {
      errors.push({ ...e, message: `verifiableCredential[${i}]: ${e.message}`, credential: i })
    }
  }
  return { credentials, errors }
}

/** Caller misuse, not a bad token, but reported rather than thrown: whether there are credentials to check depends on the token. */
export const NO_ISSUER_KEYS = 'pass getKey, credentials.publicJwk or resolver to verify enclosed credentials'

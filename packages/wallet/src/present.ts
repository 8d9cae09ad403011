import { randomUUID } from 'node:crypto'
import { CivitasError, describeValue, isRecord, type Signer } from '@civitas/core'
import {
  type CredentialFormat,
  isSelective,
  presentJwtCredential,
  presentSdJwtCredential,
  readWalletCredential,
  type SdJwtPresentationOptions,
} from './core-adapter.js'
import type { StoredCredential } from './credentials.js'
import { type MatchCandidate, matchCandidates, type PresentationChoice, parseDcqlQuery } from './dcql.js'
import type { LogEntry } from './log.js'

export interface PresentOptions {
  /** The verifier's challenge. */
  nonce: string
  /** The verifier (client id, DID or URL): the presentation's audience. */
  audience: string
  /**
   * Present a credential that cannot withhold claims the request did not ask for (a JWT VC,
   * or an SD-JWT whose issuer made them always visible). Default false: such a choice is
   * refused with `DISCLOSURE_NOT_SELECTIVE`; `match()` lists those claims in `overDisclosed`.
   */
  allowFullDisclosure?: boolean
}

export interface Presentation {
  readonly queryId: string
  readonly credentialId: string
  readonly format: CredentialFormat
  /** VP JWT (`jwt_vc_json`, `vp+jwt`), SD-JWT with its KB-JWT, or a `vp+sd-jwt`. */
  readonly presentation: string
  readonly disclosed: readonly string[]
}

export interface PresentationResult {
  /** OpenID4VP 1.0 `vp_token`: presentations per credential query id. */
  readonly vpToken: Readonly<Record<string, readonly string[]>>
  readonly presentations: readonly Presentation[]
  /** The log entry recorded for this presentation. */
  readonly logId: string
}

/** One credential to present, for one credential query, with what it will disclose. */
export interface PlannedPresentation {
  readonly queryId: string
  readonly credential: StoredCredential
  readonly candidate: MatchCandidate
}

const MAX_CHALLENGE_LENGTH = 4096
const MAX_ID_LENGTH = 256

function invalid(message: string): never {
  throw new CivitasError('INVALID_ARGUMENT', message)
}

function assertChallenge(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CHALLENGE_LENGTH) {
    invalid(`${name} must be a non-empty string of at most ${MAX_CHALLENGE_LENGTH} characters`)
  }
}

/**
 * Checks a choice against its request and says what each chosen credential will disclose.
 * The disclosures come from the request, matched again here: a hand-made choice cannot
 * widen them. Unknown credential ids are `CREDENTIAL_NOT_FOUND`; a choice that leaves a
 * required part unanswered, or names a credential that does not satisfy its query, is
 * `INVALID_ARGUMENT`; over-disclosure without consent is `DISCLOSURE_NOT_SELECTIVE`.
 */
export async function planPresentation(
  choice: PresentationChoice,
  options: PresentOptions,
  loadCredential: (id: string) => Promise<StoredCredential | undefined>,
): Promise<PlannedPresentation[]> {
  if (!isRecord(options)) invalid('options must be an object')
  assertChallenge(options.nonce, 'options.nonce')
  assertChallenge(options.audience, 'options.audience')
  if (!isRecord(choice) || !isRecord(choice.credentials)) {
    invalid('choice must be { query, credentials } (see match().choice)')
  }
  const parsed = parseDcqlQuery(choice.query)
  const byId = new Map(parsed.queries.map((q) => [q.id, q]))
  const chosen = new Map<string, StoredCredential[]>()
  for (const [queryId, ids] of Object.entries(choice.credentials)) {
    const q = byId.get(queryId)
    if (!q) invalid(`the request has no credential query ${describeValue(queryId)}`)
    if (!Array.isArray(ids) || ids.length === 0 || (!q.multiple && ids.length > 1)) {
      invalid(
        `choice for ${describeValue(queryId)} must list ${q.multiple ? 'one or more credential ids' : 'exactly one credential id'}`,
      )
    }
    const credentials: StoredCredential[] = []
    for (const id of ids) {
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
        invalid(`credential id must be a record id, got ${describeValue(id)}`)
      }
      const credential = await loadCredential(id)
      if (!credential) throw new CivitasError('CREDENTIAL_NOT_FOUND', `no credential ${describeValue(id)}`)
      credentials.push(credential)
    }
    chosen.set(queryId, credentials)
  }
  const answered = parsed.credentialSets
    ? parsed.credentialSets.every(
        (s) => !s.required || s.options.some((o) => o.every((id) => chosen.has(id))),
      )
    : parsed.queries.every((q) => chosen.has(q.id))
  if (!answered) invalid('the choice does not answer every required part of the request')
  const candidates = matchCandidates(parsed, (q) => chosen.get(q.id) ?? [])
  const plan: PlannedPresentation[] = []
  for (const [queryId, credentials] of chosen) {
    for (const credential of credentials) {
      const candidate = candidates[queryId]?.find((c) => c.credentialId === credential.id)
      if (!candidate)
        invalid(`credential ${describeValue(credential.id)} does not satisfy query ${describeValue(queryId)}`)
      if (candidate.overDisclosed.length > 0 && options.allowFullDisclosure !== true) {
        throw new CivitasError(
          'DISCLOSURE_NOT_SELECTIVE',
          `credential ${describeValue(credential.id)} would disclose ${candidate.overDisclosed.length} claim(s) the request did not ask for`,
          { details: { credentialId: credential.id, overDisclosed: candidate.overDisclosed } },
        )
      }
      plan.push({ queryId, credential, candidate })
    }
  }
  return plan
}

/**
 * How an SD-JWT shows who holds it: a KB-JWT when the credential names the holder key
 * (`cnf.jwk`: every dc+sd-jwt here, vc+sd-jwt when its issuer put one in); else (a
 * vc+sd-jwt about a holder DID) a `vp+sd-jwt` signed by that DID.
 */
function sdJwtBinding(credential: StoredCredential, did: string): SdJwtPresentationOptions['binding'] {
  if (credential.format === 'dc+sd-jwt') return 'key-binding-jwt'
  return readWalletCredential(credential.token).cnf?.jwk ? 'key-binding-jwt' : { holder: did }
}

/** Signs one presentation per planned credential with the key it is bound to. */
export async function signPresentations(
  plan: readonly PlannedPresentation[],
  options: PresentOptions,
  keyFor: (keyId: string) => Promise<{ did: string; signer: Signer }>,
): Promise<Omit<PresentationResult, 'logId'>> {
  const presentations: Presentation[] = []
  for (const { queryId, credential, candidate } of plan) {
    const { did, signer } = await keyFor(credential.keyId)
    const challenge = { signer, nonce: options.nonce, audience: options.audience }
    const presentation = isSelective(credential.format)
      ? await presentSdJwtCredential(credential.token, candidate.requested, {
          ...challenge,
          binding: sdJwtBinding(credential, did),
        })
      : await presentJwtCredential(credential.token, {
          ...challenge,
          format: credential.format as 'jwt_vc_json' | 'vc+jwt',
          holder: did,
        })
    presentations.push({
      queryId,
      credentialId: credential.id,
      format: credential.format,
      presentation,
      disclosed: candidate.disclosed,
    })
  }
  const vpToken: Record<string, string[]> = {}
  for (const p of presentations) vpToken[p.queryId] = [...(vpToken[p.queryId] ?? []), p.presentation]
  return { vpToken, presentations }
}

/** The transaction-log entry of a presentation: to whom, when, which claims. */
export function logEntryFor(plan: readonly PlannedPresentation[], options: PresentOptions): LogEntry {
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    audience: options.audience,
    nonce: options.nonce,
    presented: plan.map(({ queryId, credential, candidate }) => ({
      queryId,
      credentialId: credential.id,
      format: credential.format,
      types: credential.types,
      issuer: credential.issuer,
      disclosed: candidate.disclosed,
    })),
  }
}

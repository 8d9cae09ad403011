import { assertJsonDepth, CivitasError, describeValue, isRecord } from '@civitas/core'
import { type DcqlCredential, DcqlQuery } from 'dcql'
import {
  type ClaimPathElement,
  isAncestorOrSelf,
  leafPointers,
  resolveClaimPath,
  toPointer,
} from './claims.js'
import { type CredentialFormat, isSelective } from './core-adapter.js'
import type { StoredCredential } from './credentials.js'

/**
 * DCQL (OpenID4VP 1.0 §6) over the wallet's credentials, with the `dcql` package doing the
 * matching. Formats: `dc+sd-jwt`, `jwt_vc_json`, and the two VCDM 2.0 formats of
 * vc-jose-cose, `vc+jwt` and `vc+sd-jwt`, which OpenID4VP 1.0 has no identifier for
 * (Appendix B.1 defines only `jwt_vc_json` and `ldp_vc` for W3C credentials): a query with
 * `format: "vc+jwt"` or `"vc+sd-jwt"` is matched like `jwt_vc_json` (`meta.type_values`,
 * claims paths into the credential), over the wallet's credentials of that format only.
 * Other formats (mso_mdoc, ldp_vc) are valid queries that this wallet has no credentials for.
 */

/** One claim the query asks for, as a JSON Pointer into `StoredCredential.claims`. */
export interface MatchCandidate {
  readonly credentialId: string
  readonly format: CredentialFormat
  readonly types: readonly string[]
  readonly issuer: string
  /** The claim set used (index into the query's `claim_sets`), when it has some. */
  readonly claimSetIndex?: number
  /** Claims the request asks for, resolved in this credential (wildcards expanded). */
  readonly requested: readonly string[]
  /** Every claim the verifier would see, as leaf JSON Pointers. */
  readonly disclosed: readonly string[]
  /** Claims this credential can withhold and will (SD-JWT Disclosures not needed). */
  readonly withheld: readonly string[]
  /** Disclosed claims the request did not ask for and the format cannot withhold. */
  readonly overDisclosed: readonly string[]
  /** True when the format discloses claim by claim (dc+sd-jwt, vc+sd-jwt). */
  readonly selective: boolean
}

export interface CredentialSetMatch {
  readonly options: readonly (readonly string[])[]
  readonly required: boolean
  readonly purpose?: unknown
  /** The options every credential query of which has a candidate. */
  readonly matchingOptions: readonly (readonly string[])[]
}

/** What to present: the request and, per credential query id, the chosen credential ids. */
export interface PresentationChoice {
  readonly query: unknown
  readonly credentials: Readonly<Record<string, readonly string[]>>
}

export interface MatchResult {
  /** True when the wallet can answer the request (every required credential set, or query). */
  readonly satisfiable: boolean
  /** Candidates per credential query id; empty when the request cannot be satisfied. */
  readonly candidates: Readonly<Record<string, readonly MatchCandidate[]>>
  readonly credentialSets?: readonly CredentialSetMatch[]
  /**
   * The minimal answer: for each required credential set its first matching option (the
   * verifier's preference), for each query in it its first candidate. Undefined when unsatisfiable.
   */
  readonly choice?: PresentationChoice
}

interface ClaimQuery {
  readonly id?: string
  readonly path: readonly ClaimPathElement[]
  readonly values?: readonly unknown[]
}

export interface CredentialQueryInfo {
  readonly id: string
  /** The wallet format it matches, or undefined for formats the wallet never holds. */
  readonly format: CredentialFormat | undefined
  readonly multiple: boolean
  readonly claims?: readonly ClaimQuery[]
  readonly vctValues?: readonly string[]
  readonly typeValues?: readonly (readonly string[])[]
  /** The query as dcql parsed it (vc+jwt and vc+sd-jwt rewritten to jwt_vc_json). */
  readonly parsed: DcqlQuery.Output['credentials'][number]
}

export interface ParsedQuery {
  readonly input: unknown
  readonly queries: readonly CredentialQueryInfo[]
  readonly credentialSets?: DcqlQuery.Output['credential_sets']
}

const LIMITS = { depth: 16, length: 256 * 1024, credentials: 64, claims: 256, sets: 64 }

function invalid(message: string, cause?: unknown): never {
  throw new CivitasError('QUERY_INVALID', message, cause === undefined ? {} : { cause })
}

/** Parses and validates a DCQL query (bounded: depth, size, counts). `QUERY_INVALID` otherwise. */
export function parseDcqlQuery(input: unknown): ParsedQuery {
  if (!isRecord(input)) invalid(`a DCQL query is an object, got ${describeValue(input)}`)
  try {
    assertJsonDepth(input, LIMITS.depth, 'QUERY_INVALID', 'the DCQL query')
  } catch (error) {
    invalid('the DCQL query nests too deeply', error)
  }
  let text: string
  try {
    text = JSON.stringify(input)
  } catch (error) {
    invalid('the DCQL query is not JSON', error)
  }
  if (text.length > LIMITS.length) invalid(`the DCQL query is over ${LIMITS.length} characters`)
  const copy = JSON.parse(text) as Record<string, unknown>
  const credentials = copy.credentials
  if (!Array.isArray(credentials) || credentials.length > LIMITS.credentials) {
    invalid(`credentials must be an array of at most ${LIMITS.credentials} credential queries`)
  }
  if (Array.isArray(copy.credential_sets) && copy.credential_sets.length > LIMITS.sets) {
    invalid(`at most ${LIMITS.sets} credential_sets`)
  }
  // Query id → the VCDM 2.0 format a jwt_vc_json-shaped query stands for.
  const w3c2 = new Map<string, CredentialFormat>()
  for (const query of credentials) {
    if (!isRecord(query)) continue
    if (Array.isArray(query.claims) && query.claims.length > LIMITS.claims) {
      invalid(`at most ${LIMITS.claims} claims per credential query`)
    }
    if (query.format === 'vc+jwt' || query.format === 'vc+sd-jwt') {
      if (typeof query.id === 'string') w3c2.set(query.id, query.format)
      query.format = 'jwt_vc_json'
    }
  }
  let parsed: DcqlQuery.Output
  try {
    parsed = DcqlQuery.parse(copy as DcqlQuery.Input)
    DcqlQuery.validate(parsed)
  } catch (error) {
    invalid(
      `not a valid DCQL query: ${error instanceof Error ? error.message.slice(0, 500) : 'unknown error'}`,
      error,
    )
  }
  const queries = parsed.credentials.map((q): CredentialQueryInfo => {
    const format: CredentialFormat | undefined =
      q.format === 'dc+sd-jwt'
        ? 'dc+sd-jwt'
        : q.format === 'jwt_vc_json'
          ? (w3c2.get(q.id) ?? 'jwt_vc_json')
          : undefined
    const meta = q.meta as { vct_values?: string[]; type_values?: string[][] } | undefined
    return {
      id: q.id,
      format,
      multiple: q.multiple,
      ...(q.claims ? { claims: q.claims as unknown as ClaimQuery[] } : {}),
      ...(meta?.vct_values ? { vctValues: meta.vct_values } : {}),
      ...(meta?.type_values ? { typeValues: meta.type_values } : {}),
      parsed: q,
    }
  })
  return {
    input,
    queries,
    ...(parsed.credential_sets ? { credentialSets: parsed.credential_sets } : {}),
  }
}

/** The facts (format, types) a candidate must have, as alternatives of tag sets. */
export function candidateFilters(query: CredentialQueryInfo): [string, string][][] {
  if (query.format === undefined) return []
  const format: [string, string] = ['format', query.format]
  if (query.format === 'dc+sd-jwt') {
    return query.vctValues ? query.vctValues.map((vct) => [format, ['type', vct]]) : [[format]]
  }
  return query.typeValues
    ? query.typeValues.map((types) => [format, ...types.map((t): [string, string] => ['type', t])])
    : [[format]]
}

// Projections per credential object and query shape, kept like the disclosure plans.
const projections = new WeakMap<StoredCredential, Map<string, { projection: DcqlCredential; key: string }>>()

// A leaf the query does not constrain by value: present, whatever it is. Not a string a
// `values` list would hold, so it never matches one.
const PRESENT = '\u0000present'

/**
 * The part of a credential a credential query can see: its meta (format, vct / type) and,
 * for each claims path of the query, the values there, reduced to what the query can tell
 * apart (a value listed in some `values`, or just "present"). dcql's outcome for a
 * credential depends on nothing else, so credentials with equal projections share one
 * dcql evaluation. Why: dcql builds its schemas per credential (~0.3 ms each here), and a
 * wallet of 10,000 credentials must answer a request in milliseconds.
 */
function projection(
  credential: StoredCredential,
  query: CredentialQueryInfo,
  listed: ReadonlySet<unknown>,
): DcqlCredential {
  const claims: Record<string, unknown> = {}
  for (const claim of query.claims ?? []) {
    for (const path of resolveClaimPath(credential.claims, claim.path)) {
      let value: unknown = credential.claims
      for (const segment of path) value = (value as Record<string | number, unknown>)[segment]
      const leaf = value !== null && typeof value !== 'object' && listed.has(value) ? value : PRESENT
      let node: Record<string | number, unknown> = claims
      path.forEach((segment, i) => {
        if (i === path.length - 1) {
          node[segment] = leaf
          return
        }
        const next = path[i + 1]
        if (!Object.hasOwn(node, segment)) node[segment] = typeof next === 'number' ? [] : {}
        node = node[segment] as Record<string | number, unknown>
      })
    }
  }
  // Every wallet credential is bound to a wallet key (accept checks it).
  if (credential.format === 'dc+sd-jwt') {
    return {
      credential_format: 'dc+sd-jwt',
      vct: credential.types[0] ?? '',
      claims: claims as never,
      cryptographic_holder_binding: true,
    }
  }
  return {
    credential_format: 'jwt_vc_json',
    type: [...credential.types],
    claims: claims as never,
    cryptographic_holder_binding: true,
  }
}

// Members every presentation of the format carries whatever is asked: the SD-JWT VC
// envelope (RFC 9901 / SD-JWT VC registered claims), the W3C credential metadata. The
// subject id is the holder DID, which the presentation's signature reveals anyway.
const SD_JWT_ENVELOPE = new Set([
  'iss',
  'vct',
  'vct#integrity',
  'cnf',
  'iat',
  'nbf',
  'exp',
  'status',
  '_sd_alg',
])

function isEnvelope(format: CredentialFormat, pointer: string): boolean {
  const first = pointer.split('/')[1] ?? ''
  if (format === 'dc+sd-jwt') return SD_JWT_ENVELOPE.has(first)
  if (first !== 'credentialSubject') return true
  return /^\/credentialSubject(\/\d+)?\/id$/.test(pointer)
}

function claimsKey(claims: readonly ClaimQuery[] | undefined): string {
  return claims === undefined ? '' : JSON.stringify(claims.map((c) => [c.path, c.values ?? null]))
}

type DisclosurePlan = Pick<
  MatchCandidate,
  'requested' | 'disclosed' | 'withheld' | 'overDisclosed' | 'selective'
>

/** What dcql decided for a group of credentials; `key` names it (claim set and claims asked). */
interface Outcome {
  readonly claimSetIndex?: number
  readonly claims: readonly ClaimQuery[] | undefined
  readonly key: string
}

// Candidates per credential object and claims asked: the wallet keeps decrypted credentials
// while it is open, so a repeated request costs a lookup. Weak: nothing outlives the
// credential. Frozen, since the same object is handed out again.
const candidateCache = new WeakMap<StoredCredential, Map<string, MatchCandidate>>()

function candidateFor(credential: StoredCredential, outcome: Outcome): MatchCandidate {
  let byKey = candidateCache.get(credential)
  if (!byKey) {
    byKey = new Map()
    candidateCache.set(credential, byKey)
  }
  const cached = byKey.get(outcome.key)
  if (cached) return cached
  const plan = disclosurePlan(credential, outcome.claims)
  const candidate: MatchCandidate = Object.freeze({
    credentialId: credential.id,
    format: credential.format,
    types: Object.freeze([...credential.types]),
    issuer: credential.issuer,
    ...(outcome.claimSetIndex !== undefined ? { claimSetIndex: outcome.claimSetIndex } : {}),
    requested: Object.freeze(plan.requested),
    disclosed: Object.freeze(plan.disclosed),
    withheld: Object.freeze(plan.withheld),
    overDisclosed: Object.freeze(plan.overDisclosed),
    selective: plan.selective,
  })
  byKey.set(outcome.key, candidate)
  return candidate
}

/** What presenting `credential` for `claims` reveals. */
export function disclosurePlan(
  credential: StoredCredential,
  claims: readonly ClaimQuery[] | undefined,
): DisclosurePlan {
  return computeDisclosurePlan(credential, claims)
}

function computeDisclosurePlan(
  credential: StoredCredential,
  claims: readonly ClaimQuery[] | undefined,
): DisclosurePlan {
  const requested = [
    ...new Set(
      (claims ?? []).flatMap((c) => resolveClaimPath(credential.claims, c.path, c.values).map(toPointer)),
    ),
  ]
  const selective = isSelective(credential.format)
  const leaves = leafPointers(credential.claims)
  const revealed = new Set(
    credential.disclosable.filter((d) =>
      requested.some((r) => isAncestorOrSelf(d, r) || isAncestorOrSelf(r, d)),
    ),
  )
  const withheld = credential.disclosable.filter((d) => !revealed.has(d))
  const disclosed = leaves.filter((leaf) =>
    credential.disclosable.every((d) => !isAncestorOrSelf(d, leaf) || revealed.has(d)),
  )
  // A request without claims asks for what the format always shows; with claims, anything
  // shown beyond them (and beyond the envelope) is more than was asked.
  const overDisclosed =
    claims === undefined
      ? []
      : disclosed.filter(
          (leaf) => !isEnvelope(credential.format, leaf) && !requested.some((r) => isAncestorOrSelf(r, leaf)),
        )
  return { requested, disclosed, withheld, overDisclosed, selective }
}

/**
 * Candidates per credential query over `credentialsFor(query)` (already narrowed by the
 * caller to the query's format and types): dcql decides which credentials satisfy the
 * claims and claim sets, this function says what each would disclose.
 */
export function matchCandidates(
  query: ParsedQuery,
  credentialsFor: (q: CredentialQueryInfo) => readonly StoredCredential[],
): Record<string, MatchCandidate[]> {
  const candidates: Record<string, MatchCandidate[]> = {}
  for (const q of query.queries) {
    const pool = q.format === undefined ? [] : credentialsFor(q).filter((c) => c.format === q.format)
    const listed = new Set<unknown>((q.claims ?? []).flatMap((c) => c.values ?? []))
    const shape = `${q.format}\u0000${claimsKey(q.claims)}`
    // Group the pool by projection; dcql runs once per group (JSON.stringify writes the
    // holes of a sparse array, positions the query does not name, as null).
    interface Group {
      projection: DcqlCredential
      outcome?: Outcome
    }
    const groups = new Map<string, Group>()
    const groupOf: Group[] = []
    for (const credential of pool) {
      let byShape = projections.get(credential)
      if (!byShape) {
        byShape = new Map()
        projections.set(credential, byShape)
      }
      let projected = byShape.get(shape)
      if (!projected) {
        const p = projection(credential, q, listed)
        projected = { projection: p, key: JSON.stringify(p) }
        byShape.set(shape, projected)
      }
      let group = groups.get(projected.key)
      if (!group) {
        group = { projection: projected.projection }
        groups.set(projected.key, group)
      }
      groupOf.push(group)
    }
    const representatives = [...groups.values()]
    if (representatives.length > 0) {
      const result = DcqlQuery.query(
        { credentials: [q.parsed] } as DcqlQuery.Output,
        representatives.map((g) => g.projection),
      )
      for (const valid of result.credential_matches[q.id]?.valid_credentials ?? []) {
        const group = representatives[valid.input_credential_index]
        if (!group) continue
        // claim_sets are in the verifier's order of preference: the first one satisfied wins.
        const claimSet = valid.claims.valid_claim_sets[0]
        const indexes = claimSet?.valid_claim_indexes
        const claims = q.claims && indexes ? indexes.map((i) => q.claims?.[i] as ClaimQuery) : q.claims
        group.outcome = {
          ...(claimSet?.claim_set_index !== undefined ? { claimSetIndex: claimSet.claim_set_index } : {}),
          claims,
          // Built once per group: the candidate cache is keyed by this very string.
          key: `${claimSet?.claim_set_index ?? ''}\u0000${claimsKey(claims)}`,
        }
      }
    }
    const matches: MatchCandidate[] = []
    pool.forEach((credential, i) => {
      const outcome = groupOf[i]?.outcome
      if (outcome) matches.push(candidateFor(credential, outcome))
    })
    candidates[q.id] = matches
  }
  return candidates
}

/** Runs the query and picks the minimal answer; an unsatisfiable request is an empty match. */
export function matchQuery(
  query: ParsedQuery,
  credentialsFor: (q: CredentialQueryInfo) => readonly StoredCredential[],
): MatchResult {
  const candidates = matchCandidates(query, credentialsFor)
  const succeeded = (id: string) => (candidates[id]?.length ?? 0) > 0
  const sets = query.credentialSets?.map(
    (set): CredentialSetMatch => ({
      options: set.options,
      required: set.required,
      ...(set.purpose !== undefined ? { purpose: set.purpose } : {}),
      matchingOptions: set.options.filter((option) => option.every(succeeded)),
    }),
  )
  const satisfiable = sets
    ? sets.every((s) => !s.required || s.matchingOptions.length > 0)
    : query.queries.every((q) => succeeded(q.id))
  if (!satisfiable) {
    return {
      satisfiable: false,
      candidates: Object.fromEntries(query.queries.map((q) => [q.id, []])),
      ...(sets ? { credentialSets: sets.map((s) => ({ ...s, matchingOptions: [] })) } : {}),
    }
  }
  const chosenQueries = sets
    ? sets.filter((s) => s.required).flatMap((s) => s.matchingOptions[0] ?? [])
    : query.queries.map((q) => q.id)
  const choice: Record<string, string[]> = {}
  for (const id of new Set(chosenQueries)) {
    const first = candidates[id]?.[0]
    if (first) choice[id] = [first.credentialId]
  }
  return {
    satisfiable: true,
    candidates,
    ...(sets ? { credentialSets: sets } : {}),
    choice: { query: query.input, credentials: choice },
  }
}

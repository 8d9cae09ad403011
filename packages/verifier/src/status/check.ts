import { CivitasError, type CivitasErrorCode, describeValue, isCivitasError } from '@civitas/core'
import type { ReadCredential } from '../core-adapter.js'
import { hasOwn } from '../guards.js'
import { type CheckResult, fail, pass } from '../result.js'
import type { ChainStatusSource } from './chain-status.js'
import type { StatusEntry } from './entries.js'
import type { ListSource } from './list-source.js'

export interface StatusCheckContext {
  /** On-chain words (live chain or snapshot); undefined when the verifier has no chain. */
  chain?: ChainStatusSource
  /** HTTP status lists; undefined offline. */
  lists?: ListSource
  /** A credential without a status entry fails instead of passing. */
  requireStatus: boolean
  /**
   * Other signers a credential issuer's status lists may come from (issuer DID → list
   * signer DIDs). By default the list must be signed by the credential's issuer.
   */
  statusListIssuers?: Readonly<Record<string, readonly string[]>>
}

/** What one entry said. `value` is the entry's status (0 = not set). */
interface EntryOutcome {
  purpose: string
  index: number
  source: 'chain' | 'snapshot' | 'list'
  value: number
  block?: number
  uri?: string
}

const TOKEN_VALID = 0
const TOKEN_SUSPENDED = 2

async function readEntry(
  entry: StatusEntry,
  issuer: string | undefined,
  context: StatusCheckContext,
): Promise<EntryOutcome> {
  const base = { purpose: entry.purpose, index: entry.index }
  if (entry.chain !== undefined && context.chain !== undefined) {
    try {
      const { set, block } = await context.chain.read(entry.chain, entry.index)
      return { ...base, source: context.chain.kind, value: set ? 1 : 0, block }
    } catch (error) {
      // An entry on a chain this verifier does not read can still be checked by its list.
      const foreign = isCivitasError(error, 'STATUS_UNAVAILABLE') && error.details?.registry !== undefined
      if (!(foreign && entry.uri !== undefined && context.lists !== undefined)) throw chainError(error)
    }
  }
  if (entry.uri !== undefined && context.lists !== undefined) {
    const fetched = await context.lists.fetch({ ...entry, uri: entry.uri })
    if (!listSignedBy(fetched.issuer, issuer, context)) {
      throw new CivitasError(
        'STATUS_LIST_INVALID',
        `the status list at ${describeValue(entry.uri, 200)} is signed by ${describeValue(fetched.issuer ?? 'nobody', 200)}, not by the credential's issuer`,
        { details: { uri: entry.uri, listIssuer: fetched.issuer, issuer } },
      )
    }
    if (entry.type !== 'TokenStatusList' && fetched.purpose !== entry.purpose) {
      throw new CivitasError(
        'STATUS_LIST_INVALID',
        `the status list at ${describeValue(entry.uri, 200)} is a ${describeValue(fetched.purpose)} list, the entry says ${describeValue(entry.purpose)}`,
        { details: { uri: entry.uri } },
      )
    }
    if (entry.index >= fetched.list.length) {
      throw new CivitasError(
        'STATUS_INDEX_OUT_OF_RANGE',
        `status index ${entry.index} is beyond the end of the list at ${describeValue(entry.uri, 200)}`,
      )
    }
    return { ...base, source: 'list', value: fetched.list.get(entry.index), uri: entry.uri }
  }
  throw new CivitasError(
    'STATUS_UNAVAILABLE',
    context.lists === undefined && entry.uri !== undefined
      ? 'the status list is only published online, and this verifier is offline'
      : 'the status entry names no list this verifier can read',
  )
}

function listSignedBy(
  listIssuer: string | undefined,
  issuer: string | undefined,
  context: StatusCheckContext,
): boolean {
  if (listIssuer === undefined || issuer === undefined) return false
  if (listIssuer === issuer) return true
  const allowed = context.statusListIssuers
  return allowed !== undefined && hasOwn(allowed, issuer) && (allowed[issuer] ?? []).includes(listIssuer)
}

/** Chain failures: a node that cannot answer is STATUS_UNAVAILABLE; a list that does not exist is invalid. */
function chainError(error: unknown): CivitasError {
  if (isCivitasError(error)) {
    if (error.code === 'STATUS_UNAVAILABLE' || error.code === 'STATUS_INDEX_OUT_OF_RANGE') return error
    if (error.code === 'NOT_FOUND') {
      return new CivitasError(
        'STATUS_LIST_INVALID',
        'the status list named by the credential does not exist on chain',
        {
          cause: error,
        },
      )
    }
    if (error.code === 'SNAPSHOT_INVALID' || error.code === 'SNAPSHOT_STALE') return error
    return new CivitasError('STATUS_UNAVAILABLE', `the status could not be read on chain: ${error.message}`, {
      cause: error,
      details: { cause: error.code },
    })
  }
  return new CivitasError('STATUS_UNAVAILABLE', 'the status could not be read on chain', { cause: error })
}

function describeOutcome(outcome: EntryOutcome): string {
  if (outcome.source === 'list') return `the issuer's ${outcome.purpose} list`
  if (outcome.source === 'snapshot')
    return `the ${outcome.purpose} list in the trust snapshot (block ${outcome.block})`
  return `the ${outcome.purpose} list on chain (block ${outcome.block})`
}

/** Revoked or suspended, per entry purpose (Token Status List: 1 invalid, 2 suspended). */
function verdict(entry: StatusEntry, outcome: EntryOutcome): CivitasErrorCode | undefined {
  if (outcome.value === TOKEN_VALID) return undefined
  if (entry.type === 'TokenStatusList') {
    return outcome.source === 'list' && outcome.value === TOKEN_SUSPENDED
      ? 'CREDENTIAL_SUSPENDED'
      : 'CREDENTIAL_REVOKED'
  }
  if (entry.purpose === 'revocation') return 'CREDENTIAL_REVOKED'
  if (entry.purpose === 'suspension') return 'CREDENTIAL_SUSPENDED'
  // Other purposes (message, refresh) carry information, not validity.
  return undefined
}

/** `credential/status`: every status entry read from the chain (or snapshot) or the issuer's signed list. */
export async function checkStatus(read: ReadCredential, context: StatusCheckContext): Promise<CheckResult> {
  const id = 'credential/status'
  const { entries, problems } = read.status
  if (problems.length > 0) {
    return fail(id, 'STATUS_LIST_INVALID', `The status entry is malformed: ${problems.join('; ')}.`)
  }
  if (entries.length === 0) {
    return context.requireStatus
      ? fail(id, 'STATUS_UNAVAILABLE', 'The credential has no status entry, and the policy requires one.')
      : pass(id, 'The credential has no status entry: its issuer cannot revoke it.', { entries: [] })
  }
  const settled = await Promise.allSettled(entries.map((entry) => readEntry(entry, read.issuer, context)))
  const outcomes: EntryOutcome[] = []
  const errors: CivitasError[] = []
  let revoked: EntryOutcome | undefined
  let suspended: EntryOutcome | undefined
  settled.forEach((result, i) => {
    if (result.status === 'rejected') {
      errors.push(isCivitasError(result.reason) ? result.reason : chainError(result.reason))
      return
    }
    outcomes.push(result.value)
    const code = verdict(entries[i]!, result.value)
    if (code === 'CREDENTIAL_REVOKED') revoked ??= result.value
    if (code === 'CREDENTIAL_SUSPENDED') suspended ??= result.value
  })
  const data = { entries: outcomes }
  // A definite revocation outranks any other entry that could not be read.
  if (revoked)
    return fail(id, 'CREDENTIAL_REVOKED', `Revoked by its issuer (${describeOutcome(revoked)}).`, data)
  if (errors.length > 0) {
    const [first] = errors as [CivitasError]
    return fail(
      id,
      first.code,
      `The status could not be established: ${errors.map((e) => e.message).join('; ')}.`,
      {
        ...data,
        errors: errors.map((e) => ({ code: e.code, message: e.message })),
      },
    )
  }
  if (suspended) {
    return fail(id, 'CREDENTIAL_SUSPENDED', `Suspended by its issuer (${describeOutcome(suspended)}).`, data)
  }
  const purposes = [...new Set(outcomes.map((o) => o.purpose))].join(' or ')
  return pass(
    id,
    `Not ${purposes === 'revocation' ? 'revoked' : purposes === 'suspension' ? 'suspended' : 'revoked or suspended'} (${outcomes.map(describeOutcome).join('; ')}).`,
    data,
  )
}

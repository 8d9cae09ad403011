import { describeValue } from '../errors/describe.js'
import { isRecord } from '../guards/index.js'
import type { VerificationError } from './result.js'

/**
 * Where a credential's status is kept, in one shape for every status mechanism core reads:
 * W3C `BitstringStatusListEntry` and `StatusList2021Entry` (`credentialStatus`), and the IETF
 * Token Status List reference of SD-JWT VCs (`status.status_list`).
 */
export type StatusEntry = ListStatusEntry | UnsupportedStatusEntry

export interface ListStatusEntry {
  readonly kind: 'bitstring-status-list' | 'status-list-2021' | 'token-status-list'
  /**
   * W3C `statusPurpose` (`revocation`, `suspension`, `message`, ...). Absent for a Token
   * Status List, whose values carry their meaning (0 valid, 1 invalid, 2 suspended).
   */
  readonly purpose?: string
  /** The status list credential or Status List Token to fetch (`statusListCredential` / `uri`). */
  readonly listUrl: string
  /** The entry's position in the list. */
  readonly index: number
  /** Bits per entry: W3C `statusSize` (1 when absent); a Token Status List states it in the list (`bits`). */
  readonly statusSize?: number
  /** The list's on-chain location (`statusChain`), for verifiers that read the word from the registry. */
  readonly chain?: StatusChainLocation
  /** The W3C entry's `id`. */
  readonly id?: string
}

/** A status entry of a type core cannot read: a verifier must fail its status check closed. */
export interface UnsupportedStatusEntry {
  readonly kind: 'unsupported'
  /** The entry's `type` (W3C), or the member name under `status` (IETF). */
  readonly type: readonly string[]
}

/**
 * The on-chain location of a status list (Civitas' StatusRegistry), carried as `statusChain`
 * in a W3C entry or in an IETF `status.status_list`, the shape `@civitas/issuer` writes:
 * `{ chainId: 31337, registry: "0x…", owner: "0x…", listId: "1" }`.
 */
export interface StatusChainLocation {
  /** EIP-155 chain id. */
  readonly chainId: number
  /** The StatusRegistry contract address. */
  readonly registry: string
  /** The address whose namespace holds the list (the issuer's list-owning account). */
  readonly owner: string
  /** The list id in that namespace, as a decimal string (a uint256). */
  readonly listId: string
}

const W3C_KINDS = {
  BitstringStatusListEntry: 'bitstring-status-list',
  StatusList2021Entry: 'status-list-2021',
} as const

const DECIMAL_INDEX = /^(?:0|[1-9]\d*)$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
// A uint256 has at most 78 decimal digits.
const UINT256 = /^(?:0|[1-9]\d{0,77})$/
// RFC 3986 scheme, then anything without whitespace.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/
/** statusSize core's Bitstring Status List codec reads. */
const MAX_STATUS_SIZE = 32

function typesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : []
}

function statusChain(value: unknown, where: string, problems: string[]): StatusChainLocation | undefined {
  if (!isRecord(value)) {
    problems.push(`${where}.statusChain must be an object`)
    return undefined
  }
  const { chainId, registry, owner, listId } = value
  const before = problems.length
  if (!(Number.isSafeInteger(chainId) && (chainId as number) > 0)) {
    problems.push(`${where}.statusChain.chainId must be a positive integer`)
  }
  if (typeof registry !== 'string' || !ADDRESS.test(registry)) {
    problems.push(`${where}.statusChain.registry must be an Ethereum address`)
  }
  if (typeof owner !== 'string' || !ADDRESS.test(owner)) {
    problems.push(`${where}.statusChain.owner must be an Ethereum address`)
  }
  if (typeof listId !== 'string' || !UINT256.test(listId)) {
    problems.push(`${where}.statusChain.listId must be a uint256 as a decimal string`)
  }
  if (problems.length > before) return undefined
  return {
    chainId: chainId as number,
    registry: registry as string,
    owner: owner as string,
    listId: listId as string,
  }
}

function w3cEntry(
  entry: Record<string, unknown>,
  where: string,
  problems: string[],
): StatusEntry | undefined {
  const types = typesOf(entry.type)
  const known = types.find((t) => Object.hasOwn(W3C_KINDS, t)) as keyof typeof W3C_KINDS | undefined
  if (known === undefined) return { kind: 'unsupported', type: types }
  const before = problems.length
  const { statusPurpose, statusListIndex, statusListCredential, statusSize } = entry
  if (typeof statusPurpose !== 'string' || statusPurpose.length === 0) {
    problems.push(`${where}.statusPurpose must be a string`)
  }
  const index =
    typeof statusListIndex === 'string' && DECIMAL_INDEX.test(statusListIndex)
      ? Number(statusListIndex)
      : Number.NaN
  // A 20-digit index reads as 1e20, which is no position: refuse what a number cannot hold exactly.
  if (!Number.isSafeInteger(index)) {
    problems.push(
      `${where}.statusListIndex must be a non-negative integer as a string, got ${describeValue(statusListIndex)}`,
    )
  }
  if (typeof statusListCredential !== 'string' || !URI.test(statusListCredential)) {
    problems.push(`${where}.statusListCredential must be a URL`)
  }
  if (
    statusSize !== undefined &&
    !(
      Number.isSafeInteger(statusSize) &&
      (statusSize as number) >= 1 &&
      (statusSize as number) <= MAX_STATUS_SIZE
    )
  ) {
    problems.push(`${where}.statusSize must be an integer in 1..${MAX_STATUS_SIZE}`)
  }
  const chain = entry.statusChain === undefined ? undefined : statusChain(entry.statusChain, where, problems)
  if (problems.length > before) return undefined
  return {
    kind: W3C_KINDS[known],
    purpose: statusPurpose as string,
    listUrl: statusListCredential as string,
    index,
    statusSize: (statusSize as number | undefined) ?? 1,
    ...(chain !== undefined ? { chain } : {}),
    ...(typeof entry.id === 'string' ? { id: entry.id } : {}),
  }
}

/** What reading a token's status entries gives: the entries, and what is wrong with the others. */
export interface StatusEntries {
  readonly entries: readonly StatusEntry[]
  readonly errors: readonly VerificationError[]
}

function result(
  entries: StatusEntry[],
  problems: string[],
  code: 'CREDENTIAL_INVALID' | 'CLAIM_INVALID',
): StatusEntries {
  return {
    entries,
    errors: problems.map((message) => ({ code, message, check: 'status-entry' as const })),
  }
}

/**
 * The `credentialStatus` entries of a W3C credential, normalised. Entries of a type core
 * does not know are `unsupported`; malformed entries of a known type are left out and
 * reported (`CREDENTIAL_INVALID`, check `status-entry`).
 */
export function w3cStatusEntries(credential: Record<string, unknown>): StatusEntries {
  const value = credential.credentialStatus
  if (value === undefined) return { entries: [], errors: [] }
  const list = Array.isArray(value) ? value : [value]
  const entries: StatusEntry[] = []
  const problems: string[] = []
  list.forEach((entry, i) => {
    // Whether it is an object at all is the data model's concern.
    if (!isRecord(entry)) return
    const normalised = w3cEntry(
      entry,
      Array.isArray(value) ? `credentialStatus[${i}]` : 'credentialStatus',
      problems,
    )
    if (normalised !== undefined) entries.push(normalised)
  })
  return result(entries, problems, 'CREDENTIAL_INVALID')
}

/**
 * The `status` claim of an SD-JWT VC (or any JWT), normalised: `status_list` is an IETF Token
 * Status List reference `{ idx, uri }`; any other mechanism is `unsupported`. A malformed
 * reference is reported (`CLAIM_INVALID`, check `status-entry`).
 */
export function jwtStatusEntries(payload: Record<string, unknown>): StatusEntries {
  const status = payload.status
  if (status === undefined) return { entries: [], errors: [] }
  if (!isRecord(status)) return result([], ['status must be an object'], 'CLAIM_INVALID')
  const entries: StatusEntry[] = []
  const problems: string[] = []
  for (const [name, reference] of Object.entries(status)) {
    if (name !== 'status_list') {
      entries.push({ kind: 'unsupported', type: [name] })
      continue
    }
    if (
      !isRecord(reference) ||
      !Number.isSafeInteger(reference.idx) ||
      (reference.idx as number) < 0 ||
      typeof reference.uri !== 'string' ||
      !URI.test(reference.uri)
    ) {
      problems.push('status.status_list must be { idx: non-negative integer, uri: URL }')
      continue
    }
    const before = problems.length
    const chain =
      reference.statusChain === undefined
        ? undefined
        : statusChain(reference.statusChain, 'status.status_list', problems)
    if (problems.length > before) continue
    entries.push({
      kind: 'token-status-list',
      listUrl: reference.uri,
      index: reference.idx as number,
      ...(chain !== undefined ? { chain } : {}),
    })
  }
  return result(entries, problems, 'CLAIM_INVALID')
}

import { describeValue } from '@civitas/core'
import { hasOwn, isRecord } from '../guards.js'

/**
 * One status entry, whatever the credential format carried it in: a W3C
 * `BitstringStatusListEntry` / `StatusList2021Entry`, or an IETF `status.status_list`.
 * `chain` is the Civitas extension (`statusChain`) naming the on-chain words, so a verifier
 * with an RPC endpoint reads them directly and the issuer never learns who verifies.
 */
export interface StatusEntry {
  readonly type: 'BitstringStatusListEntry' | 'StatusList2021Entry' | 'TokenStatusList'
  /** `revocation`, `suspension` (or another W3C purpose such as `message`, reported only). */
  readonly purpose: string
  readonly index: number
  /** Bits per entry (`statusSize`); 1 for revocation and suspension. */
  readonly size: number
  /** The list credential / Status List Token URL. */
  readonly uri?: string
  readonly chain?: StatusChainRef
}

export interface StatusChainRef {
  readonly chainId: number
  /** StatusRegistry address. */
  readonly registry: string
  /** The list's namespace: the issuer's transaction address. */
  readonly owner: string
  readonly listId: bigint
}

export interface ReadStatusEntries {
  readonly entries: StatusEntry[]
  /** Why an entry could not be read: the status check then fails closed. */
  readonly problems: string[]
}

const INDEX = /^(?:0|[1-9][0-9]{0,15})$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const UINT64_MAX = 2n ** 64n - 1n
/** More entries than this in one credential is not a credential, it is an attack on the verifier. */
export const MAX_STATUS_ENTRIES = 8

function readIndex(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  if (typeof value === 'string' && INDEX.test(value)) {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

/** The `statusChain` member, or a sentence saying what is wrong with it. */
export function readStatusChain(value: unknown): StatusChainRef | string {
  if (!isRecord(value)) return `statusChain must be an object, got ${describeValue(value)}`
  const { chainId, registry, owner, listId } = value
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1) {
    return `statusChain.chainId must be a positive integer, got ${describeValue(chainId)}`
  }
  if (typeof registry !== 'string' || !ADDRESS.test(registry)) {
    return `statusChain.registry must be an address, got ${describeValue(registry)}`
  }
  if (typeof owner !== 'string' || !ADDRESS.test(owner)) {
    return `statusChain.owner must be an address, got ${describeValue(owner)}`
  }
  let id: bigint | undefined
  if (typeof listId === 'string' && /^(?:0|[1-9][0-9]{0,19})$/.test(listId)) id = BigInt(listId)
  else if (typeof listId === 'number' && Number.isSafeInteger(listId) && listId >= 0) id = BigInt(listId)
  if (id === undefined || id > UINT64_MAX) {
    return `statusChain.listId must be a uint64 decimal string, got ${describeValue(listId)}`
  }
  return { chainId, registry, owner, listId: id }
}

function readW3cEntry(entry: unknown, at: string, out: ReadStatusEntries): void {
  if (!isRecord(entry)) {
    out.problems.push(`${at} is not an object`)
    return
  }
  const type = entry.type
  if (type !== 'BitstringStatusListEntry' && type !== 'StatusList2021Entry') {
    out.problems.push(`${at} has an unsupported type ${describeValue(type)}`)
    return
  }
  const index = readIndex(entry.statusListIndex)
  if (index === undefined) {
    out.problems.push(`${at}.statusListIndex is not a non-negative integer`)
    return
  }
  const purpose = entry.statusPurpose
  if (typeof purpose !== 'string' || purpose.length === 0) {
    out.problems.push(`${at}.statusPurpose is missing`)
    return
  }
  let size = 1
  if (hasOwn(entry, 'statusSize')) {
    const parsed = readIndex(entry.statusSize)
    if (parsed === undefined || parsed < 1 || parsed > 8) {
      out.problems.push(`${at}.statusSize must be 1 to 8`)
      return
    }
    size = parsed
  }
  const uri = typeof entry.statusListCredential === 'string' ? entry.statusListCredential : undefined
  let chain: StatusChainRef | undefined
  if (hasOwn(entry, 'statusChain')) {
    const read = readStatusChain(entry.statusChain)
    if (typeof read === 'string') {
      out.problems.push(`${at}: ${read}`)
      return
    }
    chain = read
  }
  if (uri === undefined && chain === undefined) {
    out.problems.push(`${at} names neither a statusListCredential nor a statusChain`)
    return
  }
  out.entries.push({
    type,
    purpose,
    index,
    size,
    ...(uri !== undefined ? { uri } : {}),
    ...(chain !== undefined ? { chain } : {}),
  })
}

/** Status entries of a W3C credential (`credentialStatus`, one object or an array). */
export function readW3cStatusEntries(credential: Record<string, unknown>): ReadStatusEntries {
  const out: ReadStatusEntries = { entries: [], problems: [] }
  if (!hasOwn(credential, 'credentialStatus')) return out
  const status = credential.credentialStatus
  const list = Array.isArray(status) ? status : [status]
  if (list.length > MAX_STATUS_ENTRIES) {
    out.problems.push(`credentialStatus has ${list.length} entries, the limit is ${MAX_STATUS_ENTRIES}`)
    return out
  }
  list.forEach((entry, i) => {
    readW3cEntry(entry, Array.isArray(status) ? `credentialStatus[${i}]` : 'credentialStatus', out)
  })
  return out
}

/** The IETF Token Status List reference of an SD-JWT VC (`status.status_list`). */
export function readTokenStatusEntries(payload: Record<string, unknown>): ReadStatusEntries {
  const out: ReadStatusEntries = { entries: [], problems: [] }
  if (!hasOwn(payload, 'status')) return out
  const status = payload.status
  if (!isRecord(status)) {
    out.problems.push('status is not an object')
    return out
  }
  if (!hasOwn(status, 'status_list')) return out
  const ref = status.status_list
  if (!isRecord(ref)) {
    out.problems.push('status.status_list is not an object')
    return out
  }
  const index = readIndex(ref.idx)
  if (index === undefined || typeof ref.idx !== 'number') {
    out.problems.push('status.status_list.idx is not a non-negative integer')
    return out
  }
  const uri = typeof ref.uri === 'string' ? ref.uri : undefined
  let chain: StatusChainRef | undefined
  if (hasOwn(ref, 'statusChain')) {
    const read = readStatusChain(ref.statusChain)
    if (typeof read === 'string') {
      out.problems.push(`status.status_list: ${read}`)
      return out
    }
    chain = read
  }
  if (uri === undefined && chain === undefined) {
    out.problems.push('status.status_list names neither a uri nor a statusChain')
    return out
  }
  out.entries.push({
    type: 'TokenStatusList',
    purpose: 'revocation',
    index,
    size: 1,
    ...(uri !== undefined ? { uri } : {}),
    ...(chain !== undefined ? { chain } : {}),
  })
  return out
}

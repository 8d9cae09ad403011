import { Interface, type Provider, zeroPadValue } from 'ethers'
import { CivitasError, describeValue } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import type { Erc1056Event } from './ethr-document.js'

/**
 * Reading an identity's ERC-1056 history from a node, within one resolution's deadline.
 * Every call goes through a guard: none starts after the deadline (the resolution's signal),
 * none is waited for after it, and every answer is checked before use, so a node that hangs
 * or answers garbage ends the resolution with CHAIN_UNAVAILABLE instead of a hang, a raw
 * error or a wrong "not found".
 *
 * The history is one `eth_getLogs` over the identity's events (`changed(identity)` gives its
 * last block); the `previousChange` chain of those events then proves nothing was left out.
 * A node that refuses such a wide query is walked block by block, as ethr-did-resolver does.
 */

const REGISTRY_ABI = [
  'function changed(address identity) view returns (uint256)',
  'event DIDOwnerChanged(address indexed identity, address owner, uint256 previousChange)',
  'event DIDDelegateChanged(address indexed identity, bytes32 delegateType, address delegate, uint256 validTo, uint256 previousChange)',
  'event DIDAttributeChanged(address indexed identity, bytes32 name, bytes value, uint256 validTo, uint256 previousChange)',
]
const registryInterface = new Interface(REGISTRY_ABI)
const EVENT_TOPICS = ['DIDOwnerChanged', 'DIDDelegateChanged', 'DIDAttributeChanged'].map(
  (name) => registryInterface.getEvent(name)?.topicHash as string,
)
const WORD = /^0x[0-9a-fA-F]{64}$/
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/

/** Counts what one resolution asked of the node (tests and the bench read it). */
export interface ChainCalls {
  call: number
  getLogs: number
  getBlock: number
}

export interface Block {
  number: number
  timestamp: number
}

function chainError(message: string, cause?: unknown): CivitasError {
  return new CivitasError('CHAIN_UNAVAILABLE', message, {
    cause,
    details: { resolutionError: 'unavailable' },
  })
}

function aborted(signal: AbortSignal): CivitasError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'aborted'
  return chainError(`did:ethr resolution stopped: ${reason}`)
}

/** Rejects as soon as `signal` aborts; the node's late answer is then ignored. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function safeInteger(value: unknown): number | undefined {
  const n = typeof value === 'bigint' ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** The node reads one resolution may make; each is guarded, checked and counted. */
export class GuardedChain {
  readonly calls: ChainCalls = { call: 0, getLogs: 0, getBlock: 0 }
  readonly #blocks = new Map<number, Block | null>()

  constructor(
    private readonly provider: Provider,
    private readonly signal: AbortSignal,
  ) {}

  async #run<T>(what: keyof ChainCalls, request: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) throw aborted(this.signal)
    this.calls[what]++
    try {
      return await untilAborted(Promise.resolve().then(request), this.signal)
    } catch (thrown) {
      if (thrown instanceof CivitasError) throw thrown
      const message =
        thrown instanceof Error && typeof thrown.message === 'string' ? thrown.message : describeValue(thrown)
      throw chainError(`did:ethr ${what} failed: ${message.slice(0, 300)}`, thrown)
    }
  }

  /** `changed(identity)`: the block of the identity's last change, 0 when it never changed. */
  async lastChange(registry: string, identity: string): Promise<number> {
    const data = registryInterface.encodeFunctionData('changed', [identity])
    const result = await this.#run('call', () => this.provider.call({ to: registry, data }))
    const block = typeof result === 'string' && WORD.test(result) ? safeInteger(BigInt(result)) : undefined
    if (block === undefined) {
      throw chainError(
        `did:ethr registry answered changed() with ${describeValue(result)}, not a block number`,
      )
    }
    return block
  }

  /** The block's number and timestamp; null when the chain has no such block yet. */
  async block(number: number): Promise<Block | null> {
    const known = this.#blocks.get(number)
    if (known !== undefined) return known
    const answer: unknown = await this.#run('getBlock', () => this.provider.getBlock(number))
    let block: Block | null = null
    if (answer !== null) {
      const timestamp = isRecord(answer) ? safeInteger(answer.timestamp) : undefined
      // A timestamp a Date cannot hold (or any other garbage) is a broken node, not a block.
      if (
        !isRecord(answer) ||
        safeInteger(answer.number) !== number ||
        timestamp === undefined ||
        timestamp > 8.64e12
      ) {
        throw chainError(`did:ethr node answered block ${number} with ${describeValue(answer)}`)
      }
      block = { number, timestamp }
    }
    this.#blocks.set(number, block)
    return block
  }

  async #logs(registry: string, identity: string, fromBlock: number, toBlock: number, maxEvents: number) {
    const filter = {
      address: registry,
      topics: [EVENT_TOPICS, zeroPadValue(identity, 32)],
      fromBlock,
      toBlock,
    }
    const answer: unknown = await this.#run('getLogs', () => this.provider.getLogs(filter))
    if (!Array.isArray(answer))
      throw chainError(`did:ethr node answered getLogs with ${describeValue(answer)}`)
    if (answer.length > maxEvents) {
      throw new CivitasError(
        'INPUT_TOO_LARGE',
        `did:ethr identity ${identity} has more than ${maxEvents} changes in its history`,
        { details: { resolutionError: 'invalidDidDocument', maxEvents } },
      )
    }
    return answer.map((log: unknown) => decodeLog(log, registry, identity, fromBlock, toBlock))
  }

  /**
   * The identity's events, oldest first, in the order ethr-did-resolver would apply them.
   * At most `maxEvents`; more is INPUT_TOO_LARGE.
   */
  async history(registry: string, identity: string, maxEvents: number): Promise<Erc1056Event[]> {
    const last = await this.lastChange(registry, identity)
    if (last === 0) return []
    let byBlock: Map<number, DecodedLog[]>
    try {
      byBlock = groupByBlock(await this.#logs(registry, identity, 0, last, maxEvents))
    } catch (thrown) {
      // Some nodes refuse a query from block 0 (range limits); walk the chain per change instead.
      if (!(thrown instanceof CivitasError) || thrown.code !== 'CHAIN_UNAVAILABLE' || this.signal.aborted) {
        throw thrown
      }
      byBlock = new Map()
    }
    const blocks: number[] = []
    let events = 0
    for (let block = last; block !== 0; ) {
      let logs = byBlock.get(block)
      if (logs === undefined) {
        logs = await this.#logs(registry, identity, block, block, maxEvents)
        if (logs.length === 0) {
          throw chainError(
            `did:ethr node has no registry logs in block ${block}, where the identity changed (not an archive node?)`,
          )
        }
        byBlock.set(block, logs)
      }
      events += logs.length
      if (events > maxEvents) {
        throw new CivitasError(
          'INPUT_TOO_LARGE',
          `did:ethr identity ${identity} has more than ${maxEvents} changes in its history`,
          { details: { resolutionError: 'invalidDidDocument', maxEvents } },
        )
      }
      blocks.push(block)
      block = previousBlock(logs, block)
    }
    return blocks
      .reverse()
      .flatMap((block) => (byBlock.get(block) as DecodedLog[]).flatMap((log) => log.event ?? []))
  }
}

interface DecodedLog {
  blockNumber: number
  previousChange: bigint
  /** Undefined for an event ethr-did-resolver skips (a bytes32 name that is not UTF-8). */
  event?: Erc1056Event
}

function groupByBlock(logs: DecodedLog[]): Map<number, DecodedLog[]> {
  const byBlock = new Map<number, DecodedLog[]>()
  for (const log of logs) {
    const list = byBlock.get(log.blockNumber)
    if (list) list.push(log)
    else byBlock.set(log.blockNumber, [log])
  }
  return byBlock
}

/** The earliest earlier block the block's events point to (ethr-did-resolver's logDecoder rule). */
function previousBlock(logs: DecodedLog[], block: number): number {
  let previous = 0n
  for (const log of logs) {
    const pc = log.previousChange
    if (pc > 0n && pc < BigInt(block) && (previous === 0n || pc < previous)) previous = pc
  }
  return Number(previous)
}

function bytes32ToString(value: string): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true })
      .decode(Buffer.from(value.slice(2), 'hex'))
      .replace(/\0+$/, '')
  } catch {
    return null
  }
}

function decodeLog(log: unknown, registry: string, identity: string, from: number, to: number): DecodedLog {
  const blockNumber = isRecord(log) ? safeInteger(log.blockNumber) : undefined
  const topics = isRecord(log) ? log.topics : undefined
  if (
    !isRecord(log) ||
    blockNumber === undefined ||
    blockNumber < from ||
    blockNumber > to ||
    log.removed === true ||
    typeof log.address !== 'string' ||
    log.address.toLowerCase() !== registry.toLowerCase() ||
    !Array.isArray(topics) ||
    !topics.every((topic) => typeof topic === 'string' && WORD.test(topic)) ||
    topics[1]?.toLowerCase() !== zeroPadValue(identity, 32).toLowerCase() ||
    typeof log.data !== 'string' ||
    !HEX.test(log.data)
  ) {
    throw chainError('did:ethr node answered getLogs with a log that does not match the query')
  }
  let parsed: ReturnType<Interface['parseLog']>
  try {
    parsed = registryInterface.parseLog({ topics: topics as string[], data: log.data })
  } catch (cause) {
    throw chainError('did:ethr node answered getLogs with a log that does not decode', cause)
  }
  if (!parsed) throw chainError('did:ethr node answered getLogs with a log of another event')
  const args = parsed.args
  const previousChange = args.getValue('previousChange') as bigint
  const base = { _eventName: parsed.name as Erc1056Event['_eventName'], blockNumber, previousChange }
  let event: Erc1056Event | undefined
  switch (parsed.name) {
    case 'DIDOwnerChanged':
      event = { ...base, owner: args.getValue('owner') as string }
      break
    case 'DIDDelegateChanged': {
      const delegateType = bytes32ToString(args.getValue('delegateType') as string)
      event =
        delegateType === null
          ? undefined
          : {
              ...base,
              delegateType,
              delegate: args.getValue('delegate') as string,
              validTo: args.getValue('validTo') as bigint,
            }
      break
    }
    default: {
      const name = bytes32ToString(args.getValue('name') as string)
      event =
        name === null
          ? undefined
          : {
              ...base,
              name,
              value: args.getValue('value') as string,
              validTo: args.getValue('validTo') as bigint,
            }
    }
  }
  return { blockNumber, previousChange, ...(event ? { event } : {}) }
}

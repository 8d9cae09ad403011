import { CivitasError, describeValue, isRecord, optionsRecord } from '@civitas/core'
import {
  Contract,
  type ContractRunner,
  type ContractTransactionResponse,
  FetchRequest,
  type InterfaceAbi,
  JsonRpcProvider,
  type LogDescription,
  Network,
  type Provider,
} from 'ethers'
import {
  assertAddress,
  assertRpcUrl,
  assertRunner,
  assertText,
  timeoutOption,
  toChainId,
} from './arguments.js'
import { toRegistryError } from './errors.js'

/** A decoded event of the contract a write was sent to. */
export interface RegistryEvent {
  name: string
  args: Record<string, unknown>
}

/** What every write resolves to, once its receipt is in. */
export interface WriteResult {
  hash: string
  blockNumber: number
  gasUsed: bigint
  /** The contract's events from this transaction, in log order, decoded. */
  events: RegistryEvent[]
}

export interface BoundContract {
  readonly name: string
  readonly address: string
  readonly contract: Contract
  read<T>(method: string, args: readonly unknown[]): Promise<T>
  write(method: string, args: readonly unknown[]): Promise<WriteResult>
}

/** How long one JSON-RPC request of {@link createRegistryProvider} may take. */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000
/** How long a registry read may take, whatever provider the runner brings. */
export const DEFAULT_READ_TIMEOUT_MS = 15_000
/** How long a write waits for its receipt: generous for public chains, never forever. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 120_000

/** Timeouts of a registry client: a node that stops answering fails closed, it never hangs. */
export interface RegistryClientOptions {
  readTimeoutMs?: number
  receiptTimeoutMs?: number
}

/** The caller's client options, checked, with the defaults filled in. */
export function clientTimeouts(options: RegistryClientOptions | undefined): Required<RegistryClientOptions> {
  const { readTimeoutMs, receiptTimeoutMs } = optionsRecord(options)
  return {
    readTimeoutMs: timeoutOption(readTimeoutMs, 'options.readTimeoutMs', DEFAULT_READ_TIMEOUT_MS),
    receiptTimeoutMs: timeoutOption(receiptTimeoutMs, 'options.receiptTimeoutMs', DEFAULT_RECEIPT_TIMEOUT_MS),
  }
}

/**
 * A JSON-RPC provider for registry traffic: the response cache is off (a read right after a
 * write must see it), receipts are polled quickly, every request times out, and the chain
 * id is given rather than detected: ethers retries network detection forever when the node
 * is down, which would hang the first call instead of failing it.
 */
export function createRegistryProvider(
  rpcUrl: string,
  chainId: number | bigint,
  options: { timeoutMs?: number } = {},
): JsonRpcProvider {
  assertRpcUrl(rpcUrl)
  const network = Network.from(toChainId(chainId))
  const request = new FetchRequest(rpcUrl)
  request.timeout = timeoutOption(
    optionsRecord(options).timeoutMs,
    'options.timeoutMs',
    DEFAULT_RPC_TIMEOUT_MS,
  )
  return new JsonRpcProvider(request, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: 100,
  })
}

/** What a deadline is about, for the error: `StatusRegistry.getWords`, `deployRegistries.getNetwork`. */
export interface DeadlineContext {
  contract: string
  method: string
}

/**
 * The one deadline of this package: `work` must settle within `timeoutMs`, or the call fails
 * with CHAIN_UNAVAILABLE naming `context` (the node did not answer in time). `work` is a
 * promise, or a function given an AbortSignal that is aborted at the deadline, so that the
 * work itself stops (a fetch, say) instead of running on unobserved.
 */
export async function withTimeout<T>(
  work: Promise<T> | ((signal: AbortSignal) => Promise<T>),
  timeoutMs: number,
  context: DeadlineContext,
): Promise<T> {
  const ms = timeoutOption(timeoutMs, 'timeoutMs', DEFAULT_READ_TIMEOUT_MS)
  const where = {
    contract: isRecord(context) && typeof context.contract === 'string' ? context.contract : 'registry',
    method: isRecord(context) && typeof context.method === 'string' ? context.method : 'call',
  }
  const controller = new AbortController()
  let promise: Promise<T>
  if (typeof work === 'function') promise = Promise.resolve().then(() => work(controller.signal))
  else if (work instanceof Promise) promise = work
  else throw new CivitasError('INVALID_ARGUMENT', 'work must be a promise or a function returning one')
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CivitasError(
        'CHAIN_UNAVAILABLE',
        `${where.contract}.${where.method}: no answer within ${ms} ms`,
        { details: { ...where, timeoutMs: ms } },
      )
      controller.abort(error)
      reject(error)
    }, ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** An ABI as ethers takes it, checked first: ethers logs and skips fragments it cannot read. */
function assertAbi(abi: unknown): asserts abi is InterfaceAbi {
  if (
    !Array.isArray(abi) ||
    !abi.every((item) => isRecord(item) && typeof item.type === 'string' && item.type.length <= 32)
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'abi must be an array of ABI fragments (objects with a type)',
      {
        details: { argument: 'abi' },
      },
    )
  }
}

export function bindContract(
  name: string,
  address: string,
  abi: InterfaceAbi,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): BoundContract {
  assertText(name, 'name', 128)
  assertAddress(address, 'address')
  assertAbi(abi)
  assertRunner(runner)
  const { readTimeoutMs, receiptTimeoutMs } = clientTimeouts(options)
  const contract = new Contract(address, abi, runner)
  const context = (method: string) => ({ contract: name, method, address })

  function functionOf(method: unknown) {
    // Own ABI names only: `method` must never reach a prototype member of the contract.
    if (typeof method !== 'string' || !contract.interface.hasFunction(method)) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} has no function ${describeValue(method)}`, {
        details: { contract: name, argument: 'method' },
      })
    }
    return contract.getFunction(method)
  }

  function argsOf(args: unknown, method: string): readonly unknown[] {
    if (!Array.isArray(args)) {
      throw new CivitasError('INVALID_ARGUMENT', `${name}.${method}: args must be an array`, {
        details: { contract: name, argument: 'args' },
      })
    }
    return args
  }

  async function read<T>(method: string, args: readonly unknown[]): Promise<T> {
    const fn = functionOf(method)
    const values = argsOf(args, method)
    try {
      // The runner's provider may have no request timeout of its own (ethers' default is 5 min).
      return (await withTimeout(fn.staticCall(...values), readTimeoutMs, context(method))) as T
    } catch (error) {
      throw toRegistryError(error, context(method))
    }
  }

  async function write(method: string, args: readonly unknown[]): Promise<WriteResult> {
    const fn = functionOf(method)
    const values = argsOf(args, method)
    let response: ContractTransactionResponse
    try {
      // Sending asks the node for gas, nonce and fees first: each of those is a read.
      response = (await withTimeout(
        fn.send(...values),
        readTimeoutMs,
        context(method),
      )) as ContractTransactionResponse
    } catch (error) {
      throw toRegistryError(error, context(method))
    }
    try {
      let receipt: Awaited<ReturnType<ContractTransactionResponse['wait']>>
      try {
        receipt = await response.wait(1, receiptTimeoutMs)
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'TIMEOUT') throw error
        throw new CivitasError(
          'CHAIN_UNAVAILABLE',
          `${name}.${method}: no receipt for ${response.hash} within ${receiptTimeoutMs} ms; it may still be mined`,
          { cause: error, details: { ...context(method), hash: response.hash, timeoutMs: receiptTimeoutMs } },
        )
      }
      if (receipt?.status !== 1) {
        throw new CivitasError(
          'TRANSACTION_FAILED',
          `${name}.${method}: transaction ${response.hash} failed`,
          {
            details: { ...context(method), hash: response.hash },
          },
        )
      }
      const events: RegistryEvent[] = []
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== address.toLowerCase()) continue
        const parsed: LogDescription | null = contract.interface.parseLog(log)
        if (parsed) events.push({ name: parsed.name, args: argsToObject(parsed) })
      }
      return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, events }
    } catch (error) {
      throw toRegistryError(error, context(method))
    }
  }

  return { name, address, contract, read, write }
}

function argsToObject(parsed: LogDescription): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  parsed.fragment.inputs.forEach((input, i) => {
    out[input.name] = parsed.args[i]
  })
  return out
}

/** The provider behind a runner, or a CivitasError when the runner cannot read. */
export function providerOf(runner: ContractRunner): Provider {
  assertRunner(runner)
  if (runner.provider) return runner.provider
  if (typeof (runner as { getBlockNumber?: unknown }).getBlockNumber === 'function') return runner as Provider
  throw new CivitasError('INVALID_ARGUMENT', 'the runner has no provider')
}

import { CivitasError } from '@civitas/core'
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
  const request = new FetchRequest(rpcUrl)
  request.timeout = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS
  const network = Network.from(BigInt(chainId))
  return new JsonRpcProvider(request, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: 100,
  })
}

/** `promise`, or CHAIN_UNAVAILABLE once `timeoutMs` have passed without an answer. */
export async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  context: { contract: string; method: string },
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const message = `${context.contract}.${context.method}: no answer within ${timeoutMs} ms`
      reject(new CivitasError('CHAIN_UNAVAILABLE', message, { details: { ...context, timeoutMs } }))
    }, timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export function bindContract(
  name: string,
  address: string,
  abi: InterfaceAbi,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): BoundContract {
  const contract = new Contract(address, abi, runner)
  const context = (method: string) => ({ contract: name, method, address })
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
  const receiptTimeoutMs = options.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS

  async function read<T>(method: string, args: readonly unknown[]): Promise<T> {
    try {
      // The runner's provider may have no request timeout of its own (ethers' default is 5 min).
      return (await withTimeout(contract.getFunction(method).staticCall(...args), readTimeoutMs, {
        ...context(method),
      })) as T
    } catch (error) {
      throw toRegistryError(error, context(method))
    }
  }

  async function write(method: string, args: readonly unknown[]): Promise<WriteResult> {
    let response: ContractTransactionResponse
    try {
      response = (await contract.getFunction(method).send(...args)) as ContractTransactionResponse
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

/**
 * A uint argument as the ABI takes it. `BigInt(1.5)` would throw a bare RangeError (and
 * synchronously, out of a promise-returning method): callers get INVALID_ARGUMENT instead.
 */
export function toUint(value: bigint | number, name: string): bigint {
  if (typeof value === 'bigint' ? value >= 0n : Number.isSafeInteger(value) && value >= 0)
    return BigInt(value)
  throw new CivitasError('INVALID_ARGUMENT', `${name} must be a non-negative integer, got ${String(value)}`, {
    details: { [name]: String(value) },
  })
}

/** The provider behind a runner, or a CivitasError when the runner cannot read. */
export function providerOf(runner: ContractRunner): Provider {
  if (runner.provider) return runner.provider
  if ('getBlockNumber' in runner) return runner as Provider
  throw new CivitasError('INVALID_ARGUMENT', 'the runner has no provider')
}

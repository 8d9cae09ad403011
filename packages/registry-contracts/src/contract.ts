import { CivitasError } from '@civitas/core'
import {
  Contract,
  type ContractRunner,
  type ContractTransactionResponse,
  type InterfaceAbi,
  JsonRpcProvider,
  type LogDescription,
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

/**
 * A JSON-RPC provider for registry traffic: the response cache is off (a read right after a
 * write must see it) and receipts are polled quickly, which is what a local chain needs.
 */
export function createRegistryProvider(rpcUrl: string, chainId?: number | bigint): JsonRpcProvider {
  return new JsonRpcProvider(rpcUrl, chainId === undefined ? undefined : Number(chainId), {
    staticNetwork: chainId !== undefined,
    cacheTimeout: -1,
    pollingInterval: 100,
  })
}

export function bindContract(
  name: string,
  address: string,
  abi: InterfaceAbi,
  runner: ContractRunner,
): BoundContract {
  const contract = new Contract(address, abi, runner)
  const context = (method: string) => ({ contract: name, method, address })

  async function read<T>(method: string, args: readonly unknown[]): Promise<T> {
    try {
      return (await contract.getFunction(method).staticCall(...args)) as T
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
      const receipt = await response.wait()
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
  if (runner.provider) return runner.provider
  if ('getBlockNumber' in runner) return runner as Provider
  throw new CivitasError('INVALID_ARGUMENT', 'the runner has no provider')
}

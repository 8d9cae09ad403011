import { CivitasError, isCivitasError } from '@civitas/core'
import {
  createRegistryProvider,
  createSchemaRegistryClient,
  createStatusRegistryClient,
  createTrustedIssuersRegistryClient,
  type RegistryManifest,
  type SchemaRegistryClient,
  type StatusRegistryClient,
  type TrustedIssuersRegistryClient,
  withTimeout,
} from '@civitas/registry-contracts'
import type { ContractRunner, Provider, TransactionRequest } from 'ethers'

/** The registries a verifier reads, and how. */
export interface VerifierChainOptions {
  /** The deployment manifest (chain id, registry addresses, did:ethr network name). */
  manifest: RegistryManifest
  /** JSON-RPC endpoint; defaults to the manifest's. Ignored when `provider` is given. */
  rpcUrl?: string
  /** An ethers v6 Provider, e.g. a FallbackProvider over several nodes. */
  provider?: Provider
  /**
   * Blocks behind the head that reads are made at (default 0: the head). On chains with
   * probabilistic finality, a few blocks keep a reorg from flipping a status back.
   */
  confirmations?: number
  /**
   * How long one head-block lookup is reused, in ms (default 1,000). Every read within that
   * window is made at the same block, so reads share one cache entry per word and block.
   */
  headTtlMs?: number
  /** How long one registry read may take, in ms (default 5,000). */
  readTimeoutMs?: number
}

export interface RegistryReaders {
  readonly block: number
  readonly status: StatusRegistryClient
  readonly trustedIssuers: TrustedIssuersRegistryClient
  readonly schemas: SchemaRegistryClient
}

/** Reads the registries at one confirmed block at a time. */
export interface ChainReader {
  readonly chainId: number
  readonly manifest: RegistryManifest
  readonly provider: Provider
  /** The confirmed block to read at now, and the registry clients pinned to it. */
  at(): Promise<RegistryReaders>
  /** When the head was last read (ms since the epoch): the `asOf` of chain answers. */
  readonly headReadAt: () => number | undefined
  /** The block of the last read, if any. */
  readonly lastBlock: () => number | undefined
}

const DEFAULT_HEAD_TTL_MS = 1_000
const DEFAULT_READ_TIMEOUT_MS = 5_000
/** Pinned clients kept: reads in flight at the previous block finish on its clients. */
const PINNED_BLOCKS_KEPT = 4

/** A runner whose every eth_call is made at `blockTag`, so a whole check reads one state. */
function pinnedRunner(provider: Provider, blockTag: number): ContractRunner {
  return {
    provider,
    call: (tx: TransactionRequest) => provider.call({ ...tx, blockTag }),
  }
}

export function createChainReader(options: VerifierChainOptions, clock: () => number): ChainReader {
  const { manifest } = options
  const chainId = manifest.network.chainId
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
  const headTtlMs = options.headTtlMs ?? DEFAULT_HEAD_TTL_MS
  const confirmations = options.confirmations ?? 0
  const provider =
    options.provider ??
    createRegistryProvider(options.rpcUrl ?? manifest.network.rpcUrl, chainId, { timeoutMs: readTimeoutMs })

  let head: { block: Promise<number>; readAt: number } | undefined
  let lastReadAt: number | undefined
  let lastBlock: number | undefined
  const pinned = new Map<number, RegistryReaders>()

  const confirmedBlock = (): Promise<number> => {
    const now = clock()
    if (head !== undefined && now - head.readAt < headTtlMs) return head.block
    const block = withTimeout(provider.getBlockNumber(), readTimeoutMs, {
      contract: 'provider',
      method: 'eth_blockNumber',
    })
      .then((n) => {
        lastReadAt = now
        return Math.max(0, n - confirmations)
      })
      .catch((error: unknown) => {
        // A failed lookup is not reused: the next check asks again.
        if (head?.block === block) head = undefined
        throw isCivitasError(error)
          ? error
          : new CivitasError('CHAIN_UNAVAILABLE', 'the chain did not tell its head block', { cause: error })
      })
    head = { block, readAt: now }
    return block
  }

  const clientOptions = { readTimeoutMs }
  return {
    chainId,
    manifest,
    provider,
    headReadAt: () => lastReadAt,
    lastBlock: () => lastBlock,
    async at() {
      const block = await confirmedBlock()
      lastBlock = block
      let readers = pinned.get(block)
      if (readers === undefined) {
        const runner = pinnedRunner(provider, block)
        readers = {
          block,
          status: createStatusRegistryClient(
            manifest.contracts.StatusRegistry.address,
            runner,
            clientOptions,
          ),
          trustedIssuers: createTrustedIssuersRegistryClient(
            manifest.contracts.TrustedIssuersRegistry.address,
            runner,
            clientOptions,
          ),
          schemas: createSchemaRegistryClient(
            manifest.contracts.SchemaRegistry.address,
            runner,
            clientOptions,
          ),
        }
        pinned.set(block, readers)
        for (const key of pinned.keys()) {
          if (pinned.size <= PINNED_BLOCKS_KEPT) break
          pinned.delete(key)
        }
      }
      return readers
    },
  }
}

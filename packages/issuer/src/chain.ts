import { CivitasError, isCivitasError } from '@civitas/core'
import {
  connectRegistries,
  createRegistryProvider,
  type RegistryClients,
  type RegistryManifest,
  type StatusPurpose,
} from '@civitas/registry-contracts'
import { type Signer as EthersSigner, getAddress, type Provider } from 'ethers'

export interface IssuerChainOptions {
  /** JSON-RPC endpoint; default: the manifest's. Ignored when `provider` is given or `txSigner` has one. */
  rpcUrl?: string
  provider?: Provider
  /** Where the registries live. */
  manifest: RegistryManifest
  /** The account that owns the status lists and sends status updates. */
  txSigner: EthersSigner
  /** Words per status transaction; default: derived from the block gas limit. */
  maxWordsPerTx?: number
  /** How long a status transaction waits for its receipt. Default 120 s. */
  receiptTimeoutMs?: number
}

/** Where a list lives on-chain: the `statusChain` member of every status entry (BRIEF-STATUS-SHAPE). */
export interface StatusChain {
  chainId: number
  registry: string
  owner: string
  listId: string
}

/** Worst-case gas of one word in setMasks/clearMasks: a cold zero→non-zero SSTORE, its event, calldata, loop. */
const GAS_PER_WORD_BOUND = 28_000
/** Transaction base cost plus the list check, with margin. */
const GAS_PER_TX_BASE = 60_000
/** Share of the block gas limit one batch may take, so it still fits next to other traffic. */
const BLOCK_SHARE = 0.9

export interface IssuerChain {
  readonly clients: RegistryClients
  /** The provider the registries are read through. */
  readonly provider: Provider
  readonly chainId: number
  readonly registry: string
  owner(): Promise<string>
  statusChain(listId: number): Promise<StatusChain>
  /** Creates list `listId` unless it exists; adopts an existing list of the same purpose and size. */
  ensureList(listId: number, purpose: StatusPurpose, size: number): Promise<void>
  maxWordsPerTx(): Promise<number>
  /** Runs chain writes of this process one at a time (one account, one nonce sequence). */
  serialized<T>(fn: () => Promise<T>): Promise<T>
}

export function connectIssuerChain(options: IssuerChainOptions): IssuerChain {
  const { manifest, txSigner } = options
  const runner = txSigner.provider
    ? txSigner
    : txSigner.connect(
        options.provider ??
          createRegistryProvider(options.rpcUrl ?? manifest.network.rpcUrl, manifest.network.chainId),
      )
  const provider = runner.provider!
  const clients = connectRegistries(manifest, runner, {
    ...(options.receiptTimeoutMs !== undefined ? { receiptTimeoutMs: options.receiptTimeoutMs } : {}),
  })
  const registry = getAddress(manifest.contracts.StatusRegistry.address)
  let ownerAddress: Promise<string> | undefined
  const owner = () => {
    ownerAddress ??= runner.getAddress().then(getAddress)
    return ownerAddress
  }
  let queue: Promise<unknown> = Promise.resolve()
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => undefined)
    return run
  }
  let wordsPerTx: number | undefined = options.maxWordsPerTx
  return {
    clients,
    provider,
    chainId: manifest.network.chainId,
    registry,
    owner,
    async statusChain(listId) {
      return { chainId: manifest.network.chainId, registry, owner: await owner(), listId: String(listId) }
    },
    async ensureList(listId, purpose, size) {
      const from = await owner()
      // Several issuer processes share one account: their createList transactions can race
      // for a nonce or for the same list. Whoever wins, the list exists afterwards.
      for (let attempt = 1; ; attempt++) {
        const existing = await clients.status.getList(from, listId)
        if (existing) return checkAdoptable(existing, listId, purpose, size)
        try {
          await serialized(() => clients.status.createList(listId, purpose, size))
          return
        } catch (error) {
          const now = await clients.status.getList(from, listId)
          if (now) return checkAdoptable(now, listId, purpose, size)
          if (attempt >= 5) throw error
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 200))
        }
      }
    },
    async maxWordsPerTx() {
      if (wordsPerTx !== undefined) return wordsPerTx
      const block = await provider.getBlock('latest').catch((error: unknown) => {
        throw new CivitasError('CHAIN_UNAVAILABLE', 'cannot read the latest block', { cause: error })
      })
      const limit = Number(block?.gasLimit ?? 30_000_000n)
      wordsPerTx = Math.max(1, Math.floor((limit * BLOCK_SHARE - GAS_PER_TX_BASE) / GAS_PER_WORD_BOUND))
      return wordsPerTx
    },
    serialized,
  }
}

function checkAdoptable(
  existing: { purpose: StatusPurpose; length: number },
  listId: number,
  purpose: StatusPurpose,
  size: number,
): void {
  if (existing.purpose !== purpose || existing.length !== size) {
    throw new CivitasError(
      'STATUS_PURPOSE_MISMATCH',
      `on-chain list ${listId} is a ${existing.purpose} list of ${existing.length} entries, not ${purpose} of ${size}`,
      { details: { listId, purpose: existing.purpose, length: existing.length } },
    )
  }
}

/** A chain failure as flush reports it: registry errors keep their code, anything else is CHAIN_UNAVAILABLE. */
export function asChainError(error: unknown, message: string): CivitasError {
  if (isCivitasError(error)) return error
  return new CivitasError('CHAIN_UNAVAILABLE', message, { cause: error })
}

import type { DIDDocumentMetadata, DIDResolutionResult } from 'did-resolver'
import { FetchRequest, JsonRpcProvider, Network, type Provider } from 'ethers'
import { CivitasError } from '../errors/index.js'
import { ethrDidDocument } from './ethr-document.js'
import { type ChainCalls, GuardedChain } from './ethr-history.js'

/**
 * The did:ethr resolution itself: history, document, metadata. This module (and ethers with
 * it) is imported on the first did:ethr resolution only; see ./ethr.ts for the DID syntax,
 * the configuration and the deadline.
 */

export interface EthrNetwork {
  chainId: bigint
  registry: string
  provider: Provider
}

/** Which version of the document: the latest, the one at a block, or the one at a time. */
export type EthrVersion =
  | { kind: 'latest' }
  | { kind: 'block'; block: number }
  | { kind: 'time' /** Unix seconds. */; time: number }

export interface EthrResolution {
  did: string
  /** The identity's address (EIP-55). */
  address: string
  /** The compressed public key when the DID names one (`0x02…` / `0x03…`). */
  publicKey?: string
  network: EthrNetwork
  version: EthrVersion
  accept: string | undefined
  signal: AbortSignal
  maxEvents: number
  /** Unix seconds: when delegates and attributes of the latest document must still be valid. */
  now: number
  /** Receives the node calls made (for tests and benchmarks). */
  onCalls?: (calls: ChainCalls) => void
}

const LD_CONTEXT = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/suites/secp256k1recovery-2020/v2',
  'https://w3id.org/security/v3-unstable',
]

/** An ethers provider for an RPC URL that fails within `timeoutMs` instead of retrying forever. */
export function providerForUrl(rpcUrl: string, chainId: bigint, timeoutMs: number): Provider {
  const request = new FetchRequest(rpcUrl)
  request.timeout = timeoutMs
  const chain = Network.from(chainId)
  // staticNetwork: ethers would otherwise probe eth_chainId first and, if the node is down,
  // retry forever ("failed to detect network") instead of failing the call.
  return new JsonRpcProvider(request, chain, { staticNetwork: chain, batchMaxCount: 1 })
}

function isoDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().replace('.000', '')
}

function notFound(message: string): CivitasError {
  return new CivitasError('DID_NOT_FOUND', message, { details: { resolutionError: 'notFound' } })
}

/**
 * The DID resolution result of a did:ethr, as ethr-did-resolver 11 shapes it. Throws a
 * CivitasError (with `details.resolutionError`) when the chain cannot answer.
 */
export async function resolveEthr(request: EthrResolution): Promise<DIDResolutionResult> {
  const { did, address, publicKey, network, version, accept } = request
  const chain = new GuardedChain(network.provider, request.signal)
  try {
    let blockHeight: number | 'latest' = 'latest'
    let now = BigInt(request.now)
    if (version.kind === 'block') {
      const block = await chain.block(version.block)
      if (!block) throw notFound(`Block at height ${version.block} not found`)
      blockHeight = version.block
      now = BigInt(block.timestamp)
    }
    const history = await chain.history(network.registry, address, request.maxEvents)
    if (version.kind === 'time') {
      blockHeight = await lastBlockAtOrBefore(chain, history, version.time)
      now = BigInt(version.time)
    }
    const { didDocument, deactivated, versionId, nextVersionId } = ethrDidDocument(
      did,
      address,
      publicKey,
      history,
      network.chainId,
      blockHeight,
      now,
    )
    const metadata: DIDDocumentMetadata = deactivated ? { deactivated: true } : {}
    if (versionId !== 0) {
      const block = await chain.block(versionId)
      if (!block) throw notFound(`Block at height ${versionId} not found`)
      metadata.versionId = String(block.number)
      metadata.updated = isoDate(block.timestamp)
    }
    if (nextVersionId !== Number.POSITIVE_INFINITY) {
      const block = await chain.block(nextVersionId)
      if (!block) throw notFound(`Block at height ${nextVersionId} not found`)
      metadata.nextVersionId = String(block.number)
      metadata.nextUpdate = isoDate(block.timestamp)
    }
    return {
      didDocumentMetadata: metadata,
      didResolutionMetadata: { contentType: accept ?? 'application/did+ld+json' },
      didDocument:
        accept === 'application/did+json' ? didDocument : { ...didDocument, '@context': LD_CONTEXT },
    }
  } finally {
    try {
      request.onCalls?.({ ...chain.calls })
    } catch {
      // A metrics callback that throws must not turn a resolution into a failure.
    }
  }
}

/**
 * The last block of the history whose timestamp is at or before `time` (0 when none): the
 * document at a time holds the changes mined by then. A binary search over the blocks that
 * changed the identity, so a long history costs a few block lookups, not one per change.
 */
async function lastBlockAtOrBefore(
  chain: GuardedChain,
  history: readonly { blockNumber: number }[],
  time: number,
): Promise<number> {
  const blocks = [...new Set(history.map((event) => event.blockNumber))]
  let low = 0
  let high = blocks.length - 1
  let found = 0
  while (low <= high) {
    const middle = (low + high) >> 1
    const number = blocks[middle] as number
    const block = await chain.block(number)
    if (!block) throw notFound(`Block at height ${number} not found`)
    if (block.timestamp <= time) {
      found = number
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return found
}

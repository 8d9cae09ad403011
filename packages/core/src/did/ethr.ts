import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type { DIDResolutionOptions, DIDResolutionResult, ParsedDID } from 'did-resolver'
import { CivitasError, describeValue } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import type { ChainCalls } from './ethr-history.js'
import type { EthrNetwork, EthrVersion } from './ethr-resolve.js'
import { errorResult, errorResultFrom } from './resolution.js'

/**
 * did:ethr (https://github.com/decentralized-identity/ethr-did-resolver/blob/master/doc/did-method-spec.md)
 * on ERC-1056 registries such as Civitas' own DIDRegistry, with the documents ethr-did-resolver
 * builds (./ethr-document.ts) read in at most three node calls (./ethr-history.ts), within one
 * deadline, at a block (`?versionId=`) or at a time (`?versionTime=`).
 *
 * This module checks the DID and the configuration; the resolution (and ethers with it) is
 * loaded on the first did:ethr resolution, not when @civitas/core is imported: ethers is half
 * of its load time, and wallets or CLIs that never meet a did:ethr should not pay for it.
 */

export interface EthrNetworkConfig {
  /** The network name used in DIDs (`did:ethr:<name>:0x...`); `mainnet` is also the default for `did:ethr:0x...`. */
  name: string
  /** The chain id; `did:ethr:0x<chainId hex>:0x...` also selects this network. */
  chainId: number | bigint
  /** JSON-RPC endpoint; give either this or `provider`. */
  rpcUrl?: string
  /**
   * An ethers v6 `Provider` (or anything with its `call`, `getLogs` and `getBlock`); give
   * either this or `rpcUrl`. Typed loosely on purpose: ethers ships ESM and CommonJS
   * declarations whose classes are not assignable to each other, so a precise type here would
   * refuse one build or the other. It is checked at run time instead.
   */
  // biome-ignore lint/suspicious/noExplicitAny: ethers ESM/CJS type duality, see above
  provider?: any
  /** The ERC-1056 registry address on that chain. */
  registry: string
}

export interface DidEthrOptions {
  networks: readonly EthrNetworkConfig[]
  /**
   * Upper bound for one resolution, all node calls included. Default 10,000 ms. When it
   * passes, the resolution answers `unavailable` (CHAIN_UNAVAILABLE) and makes no further call.
   */
  timeoutMs?: number
  /**
   * Most changes (ERC-1056 events) an identity's history may hold. Default 1,000; a longer
   * history is `invalidDidDocument` / INPUT_TOO_LARGE rather than an unbounded read.
   */
  maxHistory?: number
  /** Receives the node calls each resolution made (tests, benchmarks, metrics). */
  onChainCalls?: (calls: ChainCalls) => void
}

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_MAX_HISTORY = 1_000
const NETWORK_NAME = /^[a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)?$/
// did:ethr:[<network>:]<address | compressed public key>
const ETHR_ID = /^(?:([a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)?):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$/
const BLOCK_NUMBER = /^(?:0|[1-9][0-9]{0,15})$/
// XML Schema dateTime in UTC, as DID Core's versionTime parameter (§3.2.1) carries it.
const VERSION_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/**
 * An Ethereum address; when it is mixed-case it must carry a valid EIP-55 checksum (a wrong
 * one is a typo, not another account).
 */
export function isEthereumAddress(value: string): boolean {
  if (!ADDRESS.test(value)) return false
  const hex = value.slice(2)
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return true
  return checksummed(hex.toLowerCase()) === value
}

/** The EIP-55 form of a lower-case hex address (without 0x). */
function checksummed(lower: string): string {
  const hash = keccak_256(new TextEncoder().encode(lower))
  let out = '0x'
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0x0f
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!
  }
  return out
}

function invalidConfig(message: string): CivitasError {
  return new CivitasError('INVALID_ARGUMENT', `did:ethr configuration: ${message}`)
}

function checkNetwork(network: EthrNetworkConfig, index: number): void {
  const where = `networks[${index}]`
  if (network === null || typeof network !== 'object') throw invalidConfig(`${where} must be an object`)
  if (typeof network.name !== 'string' || !NETWORK_NAME.test(network.name)) {
    throw invalidConfig(`${where}.name must be a network name such as "mainnet" or "civitas"`)
  }
  const { chainId } = network
  if (
    typeof chainId === 'bigint'
      ? chainId < 1n
      : typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1
  ) {
    throw invalidConfig(`${where}.chainId must be a positive integer`)
  }
  if ((network.rpcUrl === undefined) === (network.provider === undefined)) {
    throw invalidConfig(`${where} needs exactly one of rpcUrl or provider`)
  }
  if (network.provider !== undefined) {
    const provider = network.provider as Record<string, unknown> | null
    if (
      provider === null ||
      typeof provider !== 'object' ||
      !['call', 'getLogs', 'getBlock'].every((method) => typeof provider[method] === 'function')
    ) {
      throw invalidConfig(`${where}.provider must be an ethers v6 Provider`)
    }
  }
  if (network.rpcUrl !== undefined) {
    let url: URL
    try {
      url = new URL(network.rpcUrl)
    } catch {
      throw invalidConfig(`${where}.rpcUrl is not a URL`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw invalidConfig(`${where}.rpcUrl must be http(s)`)
  }
  if (typeof network.registry !== 'string' || !isEthereumAddress(network.registry)) {
    throw invalidConfig(`${where}.registry must be an Ethereum address`)
  }
}

/**
 * The address a did:ethr identifier stands for, or why it stands for none. A public-key
 * identifier must be a compressed secp256k1 point (33 bytes, prefix 02 or 03) on the curve.
 */
function identityOf(identifier: string): { address: string; publicKey?: string } | string {
  if (identifier.length === 42) {
    if (!isEthereumAddress(identifier)) return `did:ethr address ${identifier} has a wrong EIP-55 checksum`
    return { address: checksummed(identifier.slice(2).toLowerCase()) }
  }
  const prefix = identifier.slice(2, 4)
  if (prefix !== '02' && prefix !== '03') {
    return 'a did:ethr public key must be a compressed secp256k1 key (prefix 02 or 03)'
  }
  let uncompressed: Uint8Array
  try {
    uncompressed = secp256k1.Point.fromHex(identifier.slice(2)).toBytes(false)
  } catch {
    return 'the did:ethr public key is not a point on secp256k1'
  }
  const address = Buffer.from(keccak_256(uncompressed.subarray(1)).subarray(12)).toString('hex')
  return { address: checksummed(address), publicKey: identifier }
}

/** `?versionId=` / `?versionTime=`: which document version the DID URL asks for, or why it is invalid. */
function versionOf(query: string | undefined): EthrVersion | string {
  const params = new URLSearchParams(query ?? '')
  const versionId = params.get('versionId')
  const versionTime = params.get('versionTime')
  if (versionId !== null && versionTime !== null)
    return 'a did:ethr DID URL takes versionId or versionTime, not both'
  if (versionId !== null) {
    if (!BLOCK_NUMBER.test(versionId)) {
      return `did:ethr versionId must be a block number, got ${describeValue(versionId)}`
    }
    return { kind: 'block', block: Number(versionId) }
  }
  if (versionTime !== null) {
    const match = VERSION_TIME.exec(versionTime)
    const time = match ? Date.parse(versionTime) : Number.NaN
    // Date.parse rolls 2023-02-30 over to March; a date must be the one written.
    const written = match && new Date(time).toISOString().slice(0, 19) === versionTime.slice(0, 19)
    if (!Number.isFinite(time) || !written || time < 0) {
      return `did:ethr versionTime must be an XML Schema dateTime in UTC, got ${describeValue(versionTime)}`
    }
    return { kind: 'time', time: Math.floor(time / 1000) }
  }
  return { kind: 'latest' }
}

type Engine = typeof import('./ethr-resolve.js')

/** Creates the did:ethr method resolver; throws INVALID_ARGUMENT for a bad configuration. */
export function createDidEthrResolver(
  options: DidEthrOptions,
): (parsed: ParsedDID, resolutionOptions?: DIDResolutionOptions) => Promise<DIDResolutionResult> {
  if (!options || !Array.isArray(options.networks) || options.networks.length === 0) {
    throw invalidConfig('networks must be a non-empty array')
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalidConfig('timeoutMs must be > 0')
  }
  const maxHistory = options.maxHistory ?? DEFAULT_MAX_HISTORY
  if (!Number.isSafeInteger(maxHistory) || maxHistory < 1)
    throw invalidConfig('maxHistory must be a positive integer')
  if (options.onChainCalls !== undefined && typeof options.onChainCalls !== 'function') {
    throw invalidConfig('onChainCalls must be a function')
  }
  const byKey = new Map<string, EthrNetworkConfig>()
  options.networks.forEach((network, index) => {
    checkNetwork(network, index)
    const hexId = `0x${BigInt(network.chainId).toString(16)}`
    // One copy per network: its name and its chain id share one provider.
    const config = { ...network }
    for (const key of [network.name, hexId]) {
      if (byKey.has(key)) throw invalidConfig(`network "${key}" is configured twice`)
      byKey.set(key, config)
    }
  })
  let engine: Promise<Engine> | undefined
  const ready = new Map<EthrNetworkConfig, EthrNetwork>()

  function networkFor(config: EthrNetworkConfig, loaded: Engine): EthrNetwork {
    let network = ready.get(config)
    if (!network) {
      const chainId = BigInt(config.chainId)
      network = {
        chainId,
        registry: config.registry,
        provider: config.provider ?? loaded.providerForUrl(config.rpcUrl as string, chainId, timeoutMs),
      }
      ready.set(config, network)
    }
    return network
  }

  return async (parsed, resolutionOptions = {}) => {
    // did-resolver hands a ParsedDID; anyone else calling this directly may not.
    if (!isRecord(parsed) || typeof parsed.id !== 'string' || typeof parsed.did !== 'string') {
      return errorResult('invalidDid', 'not a parsed did:ethr DID')
    }
    const accept = isRecord(resolutionOptions) ? resolutionOptions.accept : undefined
    if (accept !== undefined && accept !== 'application/did+json' && accept !== 'application/did+ld+json') {
      return errorResult(
        'representationNotSupported',
        `cannot produce a DID document as ${describeValue(accept)}`,
      )
    }
    const match = ETHR_ID.exec(parsed.id)
    if (!match)
      return errorResult(
        'invalidDid',
        `not a did:ethr address or public key: ${describeValue(parsed.id, 120)}`,
      )
    const [, networkName = 'mainnet', identifier = ''] = match
    const identity = identityOf(identifier)
    if (typeof identity === 'string') return errorResult('invalidDid', identity)
    const networkKey = networkName.startsWith('0x')
      ? `0x${networkName
          .slice(2)
          .toLowerCase()
          .replace(/^0+(?=.)/, '')}`
      : networkName
    const config = byKey.get(networkKey)
    if (!config) {
      return errorResult('unknownNetwork', `no did:ethr network ${describeValue(networkName)} is configured`)
    }
    const version = versionOf(parsed.query)
    if (typeof version === 'string') return errorResult('invalidDidUrl', version)

    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
    try {
      // A failed load (which would be a broken install) is retried rather than remembered.
      engine ??= import('./ethr-resolve.js').catch((error: unknown) => {
        engine = undefined
        throw error
      })
      const loaded = await engine
      return await loaded.resolveEthr({
        did: parsed.did,
        ...identity,
        network: networkFor(config, loaded),
        version,
        accept,
        signal: controller.signal,
        maxEvents: maxHistory,
        now: Math.floor(Date.now() / 1000),
        onCalls: options.onChainCalls,
      })
    } catch (thrown) {
      if (thrown instanceof CivitasError) return errorResultFrom(thrown)
      const message = thrown instanceof Error ? thrown.message : describeValue(thrown)
      return errorResult('unavailable', `did:ethr resolution failed: ${message}`, 'CHAIN_UNAVAILABLE')
    } finally {
      clearTimeout(timer)
    }
  }
}

import { keccak_256 } from '@noble/hashes/sha3.js'
import type { DIDResolutionOptions, DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver'
import type { Provider } from 'ethers'
import { CivitasError } from '../errors/index.js'
import { errorResult } from './resolution.js'

/**
 * did:ethr (https://github.com/decentralized-identity/ethr-did-resolver/blob/master/doc/did-method-spec.md)
 * through ethr-did-resolver, on ERC-1056 registries such as Civitas' own DIDRegistry.
 *
 * ethers and ethr-did-resolver are loaded on the first did:ethr resolution, not when
 * @civitas/core is imported: they are half of its load time, and wallets or CLIs that never
 * meet a did:ethr should not pay for them.
 */

export interface EthrNetworkConfig {
  /** The network name used in DIDs (`did:ethr:<name>:0x...`); `mainnet` is also the default for `did:ethr:0x...`. */
  name: string
  /** The chain id; `did:ethr:0x<chainId hex>:0x...` also selects this network. */
  chainId: number | bigint
  /** JSON-RPC endpoint; give either this or `provider`. */
  rpcUrl?: string
  /**
   * An ethers v6 `Provider`; give either this or `rpcUrl`. Typed loosely on purpose: ethers
   * ships ESM and CommonJS declarations whose classes are not assignable to each other, and
   * ethr-did-resolver's declarations use the CommonJS ones, so a precise type here would
   * refuse one build or the other. It is checked at run time instead.
   */
  // biome-ignore lint/suspicious/noExplicitAny: ethers ESM/CJS type duality, see above
  provider?: any
  /** The ERC-1056 registry address on that chain. */
  registry: string
}

export interface DidEthrOptions {
  networks: readonly EthrNetworkConfig[]
  /** Upper bound for one resolution (all RPC calls). Default 10,000 ms. */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 10_000
const NETWORK_NAME = /^[a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)?$/
// did:ethr:[<network>:]<address | compressed public key>
const ETHR_ID = /^(?:([a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)?):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$/
const BLOCK_NUMBER = /^(?:0|[1-9][0-9]{0,15})$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/**
 * An Ethereum address; when it is mixed-case it must carry a valid EIP-55 checksum (a wrong
 * one is a typo, not another account).
 */
export function isEthereumAddress(value: string): boolean {
  if (!ADDRESS.test(value)) return false
  const hex = value.slice(2)
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return true
  const hash = keccak_256(new TextEncoder().encode(hex.toLowerCase()))
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0x0f
    const char = hex[i]!
    if (/[a-f]/i.test(char) && nibble >= 8 !== (char === char.toUpperCase())) return false
  }
  return true
}

function invalidConfig(message: string): CivitasError {
  return new CivitasError('INVALID_ARGUMENT', `did:ethr configuration: ${message}`)
}

async function loadEthrResolver(
  networks: readonly EthrNetworkConfig[],
  timeoutMs: number,
): Promise<DIDResolver> {
  const [{ FetchRequest, JsonRpcProvider, Network }, { getResolver }] = await Promise.all([
    import('ethers'),
    import('ethr-did-resolver'),
  ])
  const providerFor = (network: EthrNetworkConfig): Provider => {
    if (network.provider) return network.provider as Provider
    const request = new FetchRequest(network.rpcUrl as string)
    request.timeout = timeoutMs
    const chain = Network.from(BigInt(network.chainId))
    // staticNetwork: ethers would otherwise probe eth_chainId first and, if the node is down,
    // retry forever ("failed to detect network") instead of failing the call.
    return new JsonRpcProvider(request, chain, { staticNetwork: chain })
  }
  const configured = networks.map((network) => ({
    name: network.name,
    chainId: BigInt(network.chainId),
    provider: providerFor(network),
    registry: network.registry,
  }))
  // ethr-did-resolver's .d.ts names ethers' CommonJS types while we (and its ESM build at
  // run time) use the ESM ones: same classes, different declarations. Hence the cast.
  return getResolver({ networks: configured } as unknown as Parameters<typeof getResolver>[0])
    .ethr as DIDResolver
}

function checkNetwork(network: EthrNetworkConfig, index: number): void {
  const where = `networks[${index}]`
  if (network === null || typeof network !== 'object') throw invalidConfig(`${where} must be an object`)
  if (typeof network.name !== 'string' || !NETWORK_NAME.test(network.name)) {
    throw invalidConfig(`${where}.name must be a network name such as "mainnet" or "civitas"`)
  }
  const chainId = typeof network.chainId === 'bigint' ? network.chainId : Number(network.chainId)
  if (typeof chainId === 'number' ? !Number.isSafeInteger(chainId) || chainId < 1 : chainId < 1n) {
    throw invalidConfig(`${where}.chainId must be a positive integer`)
  }
  if ((network.rpcUrl === undefined) === (network.provider === undefined)) {
    throw invalidConfig(`${where} needs exactly one of rpcUrl or provider`)
  }
  if (network.provider !== undefined) {
    const provider = network.provider as { call?: unknown } | null
    if (provider === null || typeof provider !== 'object' || typeof provider.call !== 'function') {
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

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Creates the did:ethr method resolver; throws INVALID_ARGUMENT for a bad configuration. */
export function createDidEthrResolver(
  options: DidEthrOptions,
): (parsed: ParsedDID, resolutionOptions?: DIDResolutionOptions) => Promise<DIDResolutionResult> {
  if (!options || !Array.isArray(options.networks) || options.networks.length === 0) {
    throw invalidConfig('networks must be a non-empty array')
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalidConfig('timeoutMs must be > 0')
  const known = new Set<string>()
  options.networks.forEach((network, index) => {
    checkNetwork(network, index)
    const hexId = `0x${BigInt(network.chainId).toString(16)}`
    for (const key of [network.name, hexId]) {
      if (known.has(key)) throw invalidConfig(`network "${key}" is configured twice`)
      known.add(key)
    }
  })
  const networks = options.networks.map((network) => ({ ...network }))
  let ethr: Promise<DIDResolver> | undefined
  const unusedParent = { resolve: () => Promise.reject(new Error('not used')) }

  return async (parsed, resolutionOptions = {}) => {
    const match = ETHR_ID.exec(parsed.id)
    if (!match) return errorResult('invalidDid', `not a did:ethr address or public key: ${parsed.did}`)
    const [, networkName = 'mainnet', identifier = ''] = match
    if (identifier.length === 42 && !isEthereumAddress(identifier)) {
      return errorResult('invalidDid', `did:ethr address ${identifier} has a wrong EIP-55 checksum`)
    }
    const networkKey = networkName.startsWith('0x')
      ? `0x${networkName
          .slice(2)
          .toLowerCase()
          .replace(/^0+(?=.)/, '')}`
      : networkName
    if (!known.has(networkKey)) {
      return errorResult('unknownNetwork', `no did:ethr network "${networkName}" is configured`)
    }
    const versionId = new URLSearchParams(parsed.query ?? '').get('versionId')
    if (versionId !== null && !BLOCK_NUMBER.test(versionId)) {
      return errorResult('invalidDidUrl', `did:ethr versionId must be a block number, got "${versionId}"`)
    }
    const normalised = networkKey === networkName ? parsed : { ...parsed, id: `${networkKey}:${identifier}` }
    let result: DIDResolutionResult | 'timeout'
    try {
      // A failed load (which would be a broken install) is retried rather than remembered.
      ethr ??= loadEthrResolver(networks, timeoutMs).catch((error: unknown) => {
        ethr = undefined
        throw error
      })
      const resolveEthr = await ethr
      result = await withTimeout(
        resolveEthr(parsed.did, normalised, unusedParent, resolutionOptions),
        timeoutMs,
      )
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown)
      return errorResult('unavailable', `did:ethr resolution failed: ${message}`)
    }
    if (result === 'timeout')
      return errorResult('unavailable', `did:ethr resolution timed out after ${timeoutMs} ms`)
    const error = result.didResolutionMetadata?.error
    if (error === undefined) return result
    const message = String(result.didResolutionMetadata.message ?? error)
    switch (error) {
      case 'invalidDid':
        return errorResult('invalidDid', message)
      case 'unknownNetwork':
        return errorResult('unknownNetwork', message)
      case 'unsupportedFormat':
        return errorResult('representationNotSupported', message)
      case 'notFound':
        // Every well-formed did:ethr on a configured network has a document (an untouched
        // address has the implicit one), so ethr-did-resolver's catch-all `notFound` means
        // the chain could not be read: the node is down, timed out or lacks history. The
        // one true "not found" is a versionId beyond the chain head.
        if (/Block at height \d+ not found/.test(message)) return errorResult('notFound', message)
        return errorResult('unavailable', message)
      default:
        return errorResult('unavailable', message)
    }
  }
}

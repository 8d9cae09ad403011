import { computeAddress, getAddress } from 'ethers'

/** The did:ethr network of the registries: its name and its chain id in hex (both valid in DIDs). */
export interface EthrNetwork {
  readonly name: string
  readonly chainId: number
}

const ETHR = /^did:ethr:(?:([a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)?):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$/

function sameNetwork(name: string, network: EthrNetwork): boolean {
  if (name === network.name) return true
  if (!/^0x[0-9a-fA-F]+$/.test(name)) return false
  return BigInt(name) === BigInt(network.chainId)
}

/**
 * The checksummed address behind a did:ethr on `network` (the identity the registries key
 * on), or undefined for any other DID, another network, or a malformed one.
 */
export function ethrAddressOf(did: string, network: EthrNetwork): string | undefined {
  const match = ETHR.exec(did)
  if (!match) return undefined
  const [, name = 'mainnet', id = ''] = match
  if (!sameNetwork(name, network)) return undefined
  try {
    return id.length === 42 ? getAddress(id) : computeAddress(id)
  } catch {
    return undefined
  }
}

/** A Root TAO or issuer as configured: a did:ethr on the network, or a bare address. */
export function addressOfTrustAnchor(value: string, network: EthrNetwork): string | undefined {
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) {
    try {
      return getAddress(value.toLowerCase())
    } catch {
      return undefined
    }
  }
  return ethrAddressOf(value, network)
}

export function ethrDidOf(address: string, network: EthrNetwork): string {
  return `did:ethr:${network.name}:${address}`
}

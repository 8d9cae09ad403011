import { BlockList, isIP } from 'node:net'
import { assertString } from '../guards/index.js'

/**
 * Which did:web hosts a resolver fetches by default. A DID taken from a credential is chosen
 * by whoever wrote the credential; without this policy `did:web:localhost%3A6379` or
 * `did:web:metadata.internal` would make a verifier send requests into its own network (SSRF).
 * Names are judged as written: a public name that resolves to a private address is out of
 * reach here (use an egress proxy for that), which is why IP literals are refused outright.
 */

// Reserved for local or private use: RFC 6761 (localhost), RFC 6762 (local), RFC 8375
// (home.arpa), ICANN 2024 (internal), and the de-facto localdomain / lan.
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain', 'lan']

const privateAddresses = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  privateAddresses.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 127], // unspecified and loopback (::1)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  privateAddresses.addSubnet(network, prefix, 'ipv6')
}

const ipv4Mapped = new BlockList()
ipv4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6')

// An IPv4-mapped IPv6 address (::ffff:127.0.0.1, ::ffff:7f00:1) is judged as the IPv4 address
// it carries. (A ::ffff:0:0/96 rule in the main list would not do: BlockList matches every
// IPv4 address against it.)
function isPrivateAddress(address: string, family: 4 | 6): boolean {
  if (family === 6 && ipv4Mapped.check(address, 'ipv6')) {
    const hextets = /:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(new URL(`http://[${address}]`).hostname)
    const high = Number.parseInt(hextets?.[1] ?? '0', 16)
    const low = Number.parseInt(hextets?.[2] ?? '0', 16)
    const ipv4 = [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
    return privateAddresses.check(ipv4, 'ipv4')
  }
  return privateAddresses.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/**
 * True for a host a verifier should not fetch on a stranger's word: `localhost` and names
 * under the local-use suffixes above, single-label names (which resolve through the
 * machine's search domains to internal hosts), and loopback, private, link-local and
 * unique-local IP literals (did:web refuses every IP literal anyway).
 */
export function isPrivateHost(host: string): boolean {
  assertString(host, 'host')
  const name = host.toLowerCase().replace(/^\[|\]$/g, '')
  const family = isIP(name)
  if (family !== 0) return isPrivateAddress(name, family as 4 | 6)
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name
  if (!trimmed.includes('.')) return true
  return PRIVATE_SUFFIXES.some((suffix) => trimmed === suffix || trimmed.endsWith(`.${suffix}`))
}

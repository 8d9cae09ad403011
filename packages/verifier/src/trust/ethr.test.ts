import { describe, expect, it } from 'vitest'
import { addressOfTrustAnchor, ethrAddressOf } from './ethr.js'

const network = { name: 'civitas', chainId: 31337 }
const address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'

describe('did:ethr identities on the registries network', () => {
  it('by network name and by chain id in hex', () => {
    expect(ethrAddressOf(`did:ethr:civitas:${address}`, network)).toBe(address)
    expect(ethrAddressOf(`did:ethr:0x7a69:${address.toLowerCase()}`, network)).toBe(address)
  })

  it('another network, another method, a bad checksum or no network on a non-mainnet chain: none', () => {
    expect(ethrAddressOf(`did:ethr:sepolia:${address}`, network)).toBeUndefined()
    expect(ethrAddressOf(`did:ethr:${address}`, network)).toBeUndefined()
    expect(ethrAddressOf(`did:web:${address}`, network)).toBeUndefined()
    expect(ethrAddressOf(`did:ethr:civitas:${address.replace('F7', 'f7')}`, network)).toBeUndefined()
  })

  it('the public-key form names the key’s address', () => {
    const publicKey = '0x02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9'
    expect(ethrAddressOf(`did:ethr:civitas:${publicKey}`, network)).toMatch(/^0x[0-9a-fA-F]{40}$/)
  })

  it('trust anchors may be bare addresses', () => {
    expect(addressOfTrustAnchor(address.toLowerCase(), network)).toBe(address)
    expect(addressOfTrustAnchor('not an address', network)).toBeUndefined()
  })
})

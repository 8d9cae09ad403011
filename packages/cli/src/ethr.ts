import { base64urlEncode, type Jwk } from '@civitas/core'
import { computeAddress, getAddress, isAddress, SigningKey } from 'ethers'
import { UsageError } from './usage-error.js'

const DID_ETHR = /^did:ethr:(?:([a-zA-Z0-9_-]+(?::[a-zA-Z0-9_-]+)?):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$/

/** The Ethereum address behind a did:ethr (address or compressed-key form), or of a bare address. */
export function addressOfSubject(subject: string): string {
  if (/^0x[0-9a-fA-F]{40}$/.test(subject) && isAddress(subject)) return getAddress(subject)
  const match = DID_ETHR.exec(subject)
  if (!match) {
    throw new UsageError(
      `${subject.slice(0, 120)} is neither a did:ethr nor an Ethereum address`,
      'legal entities live on-chain as did:ethr:<network>:0x…; create one with `civitas did create --method ethr`',
    )
  }
  const id = match[2] as string
  return id.length === 42 ? getAddress(id) : computeAddress(id)
}

export function didEthr(network: string, address: string): string {
  return `did:ethr:${network}:${getAddress(address)}`
}

/** A secp256k1 private JWK from a 32-byte hex private key (anvil's accounts, imported keys). */
export function jwkFromPrivateKeyHex(privateKeyHex: string): { privateJwk: Jwk; publicJwk: Jwk } {
  const signing = new SigningKey(privateKeyHex)
  const uncompressed = Buffer.from(signing.publicKey.slice(4), 'hex')
  const publicJwk: Jwk = {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64urlEncode(uncompressed.subarray(0, 32)),
    y: base64urlEncode(uncompressed.subarray(32)),
  }
  return {
    publicJwk,
    privateJwk: { ...publicJwk, d: base64urlEncode(Buffer.from(privateKeyHex.slice(2), 'hex')) },
  }
}

/** The hex public key (uncompressed, 0x04…) of a secp256k1 JWK. */
export function secp256k1PublicHex(jwk: Jwk): string {
  const x = Buffer.from(jwk.x as string, 'base64url')
  const y = Buffer.from(jwk.y as string, 'base64url')
  return `0x04${x.toString('hex')}${y.toString('hex')}`
}

export function addressOfJwk(jwk: Jwk): string {
  return computeAddress(secp256k1PublicHex(jwk))
}

import { createHash } from 'node:crypto'
import { base64urlEncode, type Jwk, localSigner, type Signer } from '@civitas/core'
import { connectRegistries, type RegistryClients } from '@civitas/registry-contracts'
import type { LocalChain } from '@civitas/registry-contracts/local-chain'
import { getBytes, type Wallet } from 'ethers'

/**
 * A legal entity (ministry, agency, university, identity registry): an Ethereum account on
 * the chain, and the did:ethr of that account. Its controller key signs both the chain
 * transactions and the credentials (ES256K); natural persons never get one of these.
 */
export interface LegalEntity {
  name: string
  wallet: Wallet
  address: string
  did: string
  /** The controller key as a core Signer, kid `<did>#controller` (what did:ethr documents name it). */
  signer: Signer
  publicJwk: Jwk
  registries: RegistryClients
}

/** The secp256k1 key of an ethers wallet as a JWK pair. */
export function jwkPairOf(wallet: Wallet): { publicJwk: Jwk; privateJwk: Jwk } {
  const point = getBytes(wallet.signingKey.publicKey)
  const publicJwk: Jwk = {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64urlEncode(point.subarray(1, 33)),
    y: base64urlEncode(point.subarray(33)),
  }
  return {
    publicJwk,
    privateJwk: { ...publicJwk, d: base64urlEncode(getBytes(wallet.signingKey.privateKey)) },
  }
}

export function legalEntity(chain: LocalChain, wallet: Wallet, name: string): LegalEntity {
  const did = `did:ethr:${chain.manifest.network.name}:${wallet.address}`
  const { publicJwk, privateJwk } = jwkPairOf(wallet)
  return {
    name,
    wallet,
    address: wallet.address,
    did,
    signer: localSigner(privateJwk, { kid: `${did}#controller` }),
    publicJwk,
    registries: connectRegistries(chain.manifest, wallet),
  }
}

/** An accreditation document's public hash and address: the registry keeps both, never the document. */
export function accreditationDocument(uri: string): { documentHash: string; documentUri: string } {
  // A real TAO hashes the signed decision it publishes at `uri`; the story hashes the address itself.
  return { documentHash: `0x${createHash('sha256').update(uri).digest('hex')}`, documentUri: uri }
}

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertBytes } from '../guards/index.js'
import {
  assertDecodedJws,
  type DecodedJws,
  type DecodeJwsOptions,
  decodeJws,
  type JwsHeader,
} from './decode.js'
import { checkAlgorithm } from './verify.js'

/** The two algorithms a secp256k1 key known only by its Ethereum address can be checked with. */
export type EthereumJwsAlgorithm = 'ES256K' | 'ES256K-R'

export interface VerifyJwsWithEthereumAddressOptions extends DecodeJwsOptions {
  algorithms?: readonly EthereumJwsAlgorithm[]
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const encoder = new TextEncoder()

/** The Ethereum address (lower-case hex) of an uncompressed secp256k1 public key. */
export function ethereumAddressOfPublicKey(uncompressed: Uint8Array): string {
  // Not bytes at all is the caller's mistake; bytes that are no such key are a bad key.
  assertBytes(uncompressed, 'uncompressed')
  if (uncompressed.length !== 65 || uncompressed[0] !== 0x04) {
    throw new CivitasError(
      'KEY_INVALID',
      `an uncompressed secp256k1 public key is 65 bytes starting with 0x04, got ${describeValue(uncompressed)}`,
    )
  }
  return `0x${Buffer.from(keccak_256(uncompressed.subarray(1)).subarray(12)).toString('hex')}`
}

/**
 * Verifies a JWS whose signer is known only by an Ethereum address, as did:ethr's
 * default `EcdsaSecp256k1RecoveryMethod2020` key is. `ES256K-R` (did-jwt's
 * recoverable form, R||S||v) carries the recovery bit; plain `ES256K` does not, so
 * both candidates are tried. A match means the address's key made the signature.
 */
export async function verifyJwsWithEthereumAddress(
  jws: string,
  address: string,
  options: VerifyJwsWithEthereumAddressOptions = {},
): Promise<{ header: JwsHeader; payload: Uint8Array; alg: EthereumJwsAlgorithm }> {
  checkAddress(address)
  const decoded = decodeJws(jws, options ?? {})
  const alg = verifyDecodedJwsWithEthereumAddress(decoded, address, options?.algorithms)
  return { header: decoded.header, payload: decoded.payload, alg }
}

// The address is the caller's argument (a DID document's address is checked where the
// document is read): a malformed one is misuse, not a bad key.
function checkAddress(address: string): void {
  if (typeof address !== 'string' || !ADDRESS.test(address)) {
    throw new CivitasError('INVALID_ARGUMENT', 'address must be 0x followed by 40 hex digits', {
      details: { argument: 'address' },
    })
  }
}

/** {@link verifyJwsWithEthereumAddress} for a JWS the caller has already decoded. */
export function verifyDecodedJwsWithEthereumAddress(
  decoded: DecodedJws,
  address: string,
  algorithms: readonly EthereumJwsAlgorithm[] = ['ES256K', 'ES256K-R'],
): EthereumJwsAlgorithm {
  checkAddress(address)
  assertDecodedJws(decoded)
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((a) => a === 'ES256K' || a === 'ES256K-R')
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'algorithms must be a non-empty subset of ES256K, ES256K-R')
  }
  const alg = decoded.header.alg
  checkAlgorithm(alg, algorithms)
  const { signature } = decoded
  const candidates: number[] = []
  if (alg === 'ES256K-R' && signature.length === 65) {
    const v = signature[64]!
    candidates.push(v >= 27 ? v - 27 : v)
  } else if (alg === 'ES256K' && signature.length === 64) {
    candidates.push(0, 1)
  } else {
    throw new CivitasError('SIGNATURE_INVALID', `${alg} signature has the wrong length (${signature.length})`)
  }
  const digest = sha256(encoder.encode(decoded.signingInput))
  const want = address.toLowerCase()
  for (const recovery of candidates) {
    if (recovery !== 0 && recovery !== 1) break
    try {
      const point = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact')
        .addRecoveryBit(recovery)
        .recoverPublicKey(digest)
      if (ethereumAddressOfPublicKey(point.toBytes(false)) === want) return alg as EthereumJwsAlgorithm
    } catch {
      // An unrecoverable (r, s, v) is simply not a signature by this address.
    }
  }
  throw new CivitasError('SIGNATURE_INVALID', 'JWS was not signed by the key of this Ethereum address', {
    details: { alg, address: want },
  })
}

import { p256, p384, p521 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hasOwn } from '../guards/index.js'
import { keyError } from './resolution.js'

/**
 * The short-Weierstrass curves DID keys come on, for what the platform import cannot do:
 * decompressing the compressed points did:key and Multikey carry.
 */

const WEIERSTRASS = { secp256k1, 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const
export type WeierstrassCrv = keyof typeof WEIERSTRASS

/** Byte length of a coordinate. */
export const COORDINATE_BYTES: Readonly<Record<WeierstrassCrv, number>> = {
  secp256k1: 32,
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
}

// `in` would also accept inherited names ("constructor", "toString") that come from untrusted JWKs.
export const isWeierstrassCrv = (crv: unknown): crv is WeierstrassCrv =>
  typeof crv === 'string' && hasOwn(WEIERSTRASS, crv)

/** The affine point of SEC1 bytes (compressed or uncompressed), checked to be on the curve. */
export function decodeEcPoint(crv: WeierstrassCrv, bytes: Uint8Array): { x: bigint; y: bigint } {
  try {
    return WEIERSTRASS[crv].Point.fromBytes(bytes).toAffine()
  } catch (cause) {
    throw keyError('KEY_INVALID', 'invalidPublicKey', `${crv} public key is not a point on the curve`, cause)
  }
}

import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { describeValue } from '../errors/index.js'
import { COORDINATE_BYTES, decodeEcPoint, isWeierstrassCrv } from './curves.js'
import { assertPublicJwk, type PublicJwk } from './public-jwk.js'
import { keyError } from './resolution.js'

/**
 * Raw public keys ↔ public JWKs: the bytes did:key, Multikey, publicKeyBase58 and
 * publicKeyHex carry (compressed or uncompressed SEC1 points, 32-byte OKP keys).
 */

export type { PublicJwk } from './public-jwk.js'

function fixed(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0')
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/**
 * Converts raw public key bytes of curve `crv` (compressed or uncompressed SEC1 points for
 * EC keys, 32 bytes for Ed25519/X25519) into a public JWK, checking the point is on the curve.
 */
export function rawPublicKeyToJwk(crv: string, bytes: Uint8Array): PublicJwk {
  if (crv === 'Ed25519' || crv === 'X25519') {
    if (bytes.length !== 32) {
      throw keyError(
        'KEY_INVALID',
        'invalidPublicKeyLength',
        `${crv} public key must be 32 bytes, got ${bytes.length}`,
      )
    }
    // Ed25519: on the curve and not of small order (a small-order key accepts forged signatures).
    return assertPublicJwk({ kty: 'OKP', crv, x: base64urlEncode(bytes) })
  }
  if (!isWeierstrassCrv(crv)) {
    throw keyError('UNSUPPORTED_CURVE', 'unsupportedPublicKeyType', `unsupported curve ${describeValue(crv)}`)
  }
  const size = COORDINATE_BYTES[crv]
  if (bytes.length !== size + 1 && bytes.length !== 2 * size + 1) {
    throw keyError(
      'KEY_INVALID',
      'invalidPublicKeyLength',
      `${crv} public key must be ${size + 1} (compressed) or ${2 * size + 1} (uncompressed) bytes, got ${bytes.length}`,
    )
  }
  const affine = decodeEcPoint(crv, bytes)
  return {
    kty: 'EC',
    crv,
    x: base64urlEncode(fixed(affine.x, size)),
    y: base64urlEncode(fixed(affine.y, size)),
  }
}

/** The raw key bytes did:key carries for a validated public JWK: compressed points for EC keys. */
export function rawPublicKeyOf(publicJwk: PublicJwk): Uint8Array {
  const x = base64urlDecode(publicJwk.x as string, 'x')
  if (publicJwk.kty === 'OKP') return x
  const y = base64urlDecode(publicJwk.y as string, 'y')
  const compressed = new Uint8Array(1 + x.length)
  compressed[0] = (y[y.length - 1]! & 1) === 1 ? 0x03 : 0x02
  compressed.set(x, 1)
  return compressed
}

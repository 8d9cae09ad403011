import { describeValue } from '../errors/index.js'
import { assertBytes } from '../guards/index.js'
import { decodeVarint, encodeVarint } from './multibase.js'
import { assertPublicJwk, type PublicJwk } from './public-jwk.js'
import { rawPublicKeyOf, rawPublicKeyToJwk } from './raw-key.js'
import { keyError } from './resolution.js'

/**
 * The public-key multicodec table (https://github.com/multiformats/multicodec) and the
 * multicodec-prefixed key bytes of did:key and Multikey. Every key goes through this one
 * table, so a key is validated the same way whatever document it came from.
 */

/** The multicodec names of the raw public keys we decode. */
export type KeyCodecName =
  | 'ed25519-pub'
  | 'x25519-pub'
  | 'secp256k1-pub'
  | 'p256-pub'
  | 'p384-pub'
  | 'p521-pub'

/** EBSI's codec: the key is a UTF-8 JCS-canonical JWK (https://hub.ebsi.eu/vc-framework/did/natural-person). */
export const JWK_JCS_PUB_CODE = 0xeb51

interface KeyCodec {
  name: KeyCodecName
  code: number
  kty: 'OKP' | 'EC'
  crv: string
  /** The length of the raw key as did:key carries it (compressed points for EC keys). */
  length: number
}

const KEY_CODECS: readonly KeyCodec[] = [
  { name: 'ed25519-pub', code: 0xed, kty: 'OKP', crv: 'Ed25519', length: 32 },
  { name: 'x25519-pub', code: 0xec, kty: 'OKP', crv: 'X25519', length: 32 },
  { name: 'secp256k1-pub', code: 0xe7, kty: 'EC', crv: 'secp256k1', length: 33 },
  { name: 'p256-pub', code: 0x1200, kty: 'EC', crv: 'P-256', length: 33 },
  { name: 'p384-pub', code: 0x1201, kty: 'EC', crv: 'P-384', length: 49 },
  { name: 'p521-pub', code: 0x1202, kty: 'EC', crv: 'P-521', length: 67 },
]

/** The raw key bytes did:key carries for a public JWK, with its codec. */
export function jwkToRawPublicKey(jwk: PublicJwk): { codec: KeyCodecName; code: number; bytes: Uint8Array } {
  const publicJwk = assertPublicJwk(jwk)
  const codec = KEY_CODECS.find((c) => c.kty === publicJwk.kty && c.crv === publicJwk.crv)
  if (!codec) {
    throw keyError(
      'UNSUPPORTED_CURVE',
      'unsupportedPublicKeyType',
      `no public-key multicodec for ${describeValue(publicJwk.kty)}`,
    )
  }
  return { codec: codec.name, code: codec.code, bytes: rawPublicKeyOf(publicJwk) }
}

/** Multicodec-prefixed key bytes (the payload of a did:key or a Multikey) for a public JWK. */
export function encodeMulticodecPublicKey(jwk: PublicJwk): Uint8Array {
  const { code, bytes } = jwkToRawPublicKey(jwk)
  const prefix = encodeVarint(code)
  const out = new Uint8Array(prefix.length + bytes.length)
  out.set(prefix)
  out.set(bytes, prefix.length)
  return out
}

/**
 * Decodes multicodec-prefixed public key bytes into `{ codec, jwk }`. Lengths are the exact
 * ones the did:key spec fixes per codec (compressed points only), so a key has one encoding.
 */
export function decodeMulticodecPublicKey(bytes: Uint8Array): { codec: KeyCodecName; jwk: PublicJwk } {
  assertBytes(bytes, 'bytes')
  const { value, length } = decodeVarint(bytes)
  const codec = KEY_CODECS.find((c) => c.code === value)
  if (!codec) {
    throw keyError(
      'UNSUPPORTED_CURVE',
      'unsupportedPublicKeyType',
      `unsupported public-key multicodec 0x${value.toString(16)}`,
    )
  }
  const raw = bytes.subarray(length)
  if (raw.length !== codec.length) {
    throw keyError(
      'KEY_INVALID',
      'invalidPublicKeyLength',
      `${codec.name} key must be ${codec.length} bytes, got ${raw.length}`,
    )
  }
  return { codec: codec.name, jwk: rawPublicKeyToJwk(codec.crv, raw) }
}

import { ed25519 } from '@noble/curves/ed25519.js'
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import type { PublicJwk } from './raw-key.js'

/**
 * The X25519 key birationally equivalent to an Ed25519 public JWK (RFC 7748 §4.1): did:key
 * gives an Ed25519 key this keyAgreement key, as the W3C CCG vectors do.
 */
export function x25519FromEd25519(jwk: PublicJwk): PublicJwk {
  const ed = base64urlDecode(jwk.x as string, 'x')
  return { kty: 'OKP', crv: 'X25519', x: base64urlEncode(ed25519.utils.toMontgomery(ed)) }
}

export {
  algorithmForJwk,
  isSignatureAlgorithm,
  type Jwk,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureLength,
} from './algorithms.js'
export { type GeneratedKeyPair, generateKeyPair } from './generate.js'
export { type ImportedKey, importJwk, jwkThumbprint, toPublicJwk } from './jwk.js'
export { type LocalSignerOptions, localSigner, type Signer } from './signer.js'

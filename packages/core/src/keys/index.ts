export {
  algorithmForJwk,
  isSignatureAlgorithm,
  type Jwk,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureLength,
} from './algorithms.js'
export { derToJose, type EcdsaAlgorithm } from './ecdsa.js'
export { type GeneratedKeyPair, generateKeyPair } from './generate.js'
export { type ImportedKey, importJwk, jwkThumbprint, toPublicJwk } from './jwk.js'
export {
  assertSigner,
  checkSignerOutput,
  type LocalSignerOptions,
  localSigner,
  type Signer,
} from './signer.js'

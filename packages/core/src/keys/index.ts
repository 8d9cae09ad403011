export {
  algorithmForJwk,
  isSignatureAlgorithm,
  isVerificationAlgorithm,
  type Jwk,
  SIGNATURE_ALGORITHMS,
  type SignatureAlgorithm,
  signatureLength,
  VERIFICATION_ALGORITHMS,
  type VerificationAlgorithm,
  type VerifyOnlyAlgorithm,
  verificationAlgorithmsForJwk,
} from './algorithms.js'
export { derToJose, type EcdsaAlgorithm } from './ecdsa.js'
export { type GeneratedKeyPair, generateKeyPair } from './generate.js'
export { type ImportedKey, importJwk, jwkThumbprint, jwkThumbprintInput, toPublicJwk } from './jwk.js'
export {
  assertSigner,
  checkSignerOutput,
  type LocalSignerOptions,
  localSigner,
  type Signer,
} from './signer.js'

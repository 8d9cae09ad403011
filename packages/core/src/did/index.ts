// Public surface of did/: re-exported from the package root.
export { type CacheStats, createLruCache, type LruCache, type LruCacheOptions } from '../keys/lru.js'
export { createDidEthrResolver, type DidEthrOptions, type EthrNetworkConfig } from './ethr.js'
export type { ChainCalls } from './ethr-history.js'
export { didJwkDocument, didJwkFromJwk, type ParsedDidJwk, parseDidJwk } from './jwk.js'
export {
  canonicalJwkJson,
  type DidKeyFormat,
  didKeyDocument,
  didKeyFromJwk,
  type ParsedDidKey,
  parseDidKey,
} from './key.js'
export {
  decodeMulticodecPublicKey,
  encodeMulticodecPublicKey,
  type KeyCodecName,
} from './key-codecs.js'
export type { PublicJwk } from './public-jwk.js'
export { DID_JSON, DID_LD_JSON, type DidResolutionErrorName } from './resolution.js'
export {
  type CivitasResolver,
  type CreateResolverOptions,
  createResolver,
  type ResolvedDid,
  type ResolverCacheOptions,
  resolveDid,
} from './resolver.js'
export {
  ethereumAddressFromVerificationMethod,
  publicJwkFromVerificationMethod,
} from './verification-method.js'
export {
  type DidJwsAlgorithm,
  type JwsPurpose,
  type VerifiedJwsWithDid,
  type VerifyJwsWithDidOptions,
  verifyDecodedJwsWithDid,
  verifyJwsWithDid,
} from './verify.js'
export { createDidWebResolver, type DidWebOptions, didWebUrl, type FetchLike } from './web.js'
export { isPrivateHost } from './web-host.js'

// `@civitas/verifier/schema`: the schema check's parts, for the issuer's check before signing
// (same registry lookup, hash rule, fetch bounds, compiled-validator cache and codes).
export { type ChainReader, createChainReader, type VerifierChainOptions } from '../chain/reader.js'
export type { SchemaRef } from '../core-adapter.js'
export type { FetchLike } from '../http/bounded-fetch.js'
export { type EthrNetwork, ethrAddressOf } from '../trust/ethr.js'
export { checkSchemaRef, createSchemaValidators, type SchemaValidators } from './check.js'
export {
  createChainSchemaSource,
  type RegisteredSchema,
  type SchemaDocument,
  type SchemaSource,
  type SchemaSourceOptions,
} from './source.js'

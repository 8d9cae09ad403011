// The public surface of @civitas/verifier.

export type { VerifierChainOptions } from './chain/reader.js'
export type { KeyTime, SchemaRef } from './core-adapter.js'
export type { CheckContext, CustomCheck, CustomCheckFunction, CustomCheckOutcome } from './custom-checks.js'
export type { FetchLike } from './http/bounded-fetch.js'
export { createMemoryNonceStore, type MemoryNonceStoreOptions, type NonceStore } from './nonce-store.js'
export type {
  BuiltInCheckId,
  CheckId,
  CheckResult,
  CredentialFormat,
  CredentialVerificationResult,
  PresentationVerificationResult,
  TrustInfo,
  VerificationFailure,
} from './result.js'
export { type CreateTrustSnapshotOptions, createTrustSnapshot } from './snapshot/create.js'
export { SNAPSHOT_FORMAT, type TrustSnapshotBody } from './snapshot/format.js'
export { loadTrustSnapshot, type TrustSnapshot } from './snapshot/load.js'
export type { StatusChainRef, StatusEntry } from './status/entries.js'
export type { TrustHop } from './trust/check.js'
export {
  createVerifier,
  type TrustOptions,
  type Verifier,
  type VerifierOptions,
  type VerifierPolicy,
  type VerifyPresentationOptions,
} from './verifier.js'

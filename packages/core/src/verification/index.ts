// Public surface of verification/: re-exported from the package root.
export { DEFAULT_VERIFICATION_TIMEOUT_MS } from './deadline.js'
export type {
  GetKey,
  KeyOptions,
  KeyPurpose,
  KeyRequest,
  KeyResult,
  KeyTime,
  SignatureRole,
  VerifiedSignature,
} from './key.js'
export type { VerifyOptions } from './pipeline.js'
export {
  type CredentialFormat,
  type ReadCredentialResult,
  readCredential,
  type SchemaReference,
} from './read-credential.js'
export type { VerificationCheck, VerificationError } from './result.js'
export type {
  ListStatusEntry,
  StatusChainLocation,
  StatusEntry,
  UnsupportedStatusEntry,
} from './status-entry.js'
export { DEFAULT_CLOCK_SKEW_SECONDS } from './times.js'

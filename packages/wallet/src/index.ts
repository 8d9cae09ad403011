// The public surface of @civitas/wallet.

export type { CredentialFormat } from './core-adapter.js'
export type { AcceptOptions, CredentialVerifier, ListFilter, StoredCredential } from './credentials.js'
export { DEFAULT_KDF, type KdfParams } from './crypto/kdf.js'
export type { CredentialSetMatch, MatchCandidate, MatchResult, PresentationChoice } from './dcql.js'
export type { CreateKeyOptions, HolderAlgorithm, HolderDidMethod, HolderKey } from './keys.js'
export type { LogEntry } from './log.js'
export type { Presentation, PresentationResult, PresentOptions } from './present.js'
export { createMemoryStore } from './store/memory.js'
export type { StoreSpec } from './store/open.js'
export type { StoredRecord, WalletStore, WalletTable } from './store/types.js'
export {
  type ImportSummary,
  type IntegrityProblem,
  type OpenWalletOptions,
  openWallet,
  type Wallet,
} from './wallet.js'

// The public surface of @civitas/issuer.
export type { Allocation, StatusPurpose } from './allocate.js'
export type { IssuerChainOptions, StatusChain } from './chain.js'
export {
  ISSUE_FORMATS,
  type IssueFormat,
  type IssueInput,
  type LocatedStatus,
  statusListUrl,
} from './credential.js'
export {
  type CreateIssuerOptions,
  createIssuer,
  type IssueResult,
  type Issuer,
  type StatusListOptions,
} from './issuer.js'
export type { FlushResult } from './queue.js'
export { type IssuerTables, issuerMigrations } from './schema.js'
export type { SignedStatusList, StatusListFormat } from './status-list.js'
export type { CredentialTemplate } from './templates.js'

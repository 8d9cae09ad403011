// The public surface of @civitas/issuer.
export type { Allocation, StatusPurpose } from './allocate.js'
export type {
  IssueBatchOptions,
  IssueBatchProgress,
  IssueBatchResult,
  IssueBatchRow,
  IssueBatchRowResult,
} from './batch.js'
export type { IssuerChainOptions, StatusChain } from './chain.js'
export type { AccreditationCheckOptions } from './checks/accreditation.js'
export type { SchemaCheckOptions } from './checks/schema.js'
export { type IssueInput, type LocatedStatus, statusListUrl } from './credential.js'
export { ISSUE_FORMATS, type IssueFormat } from './formats.js'
export {
  type CreateIssuerOptions,
  createIssuer,
  type IssueChecksOptions,
  type IssueResult,
  type Issuer,
  type StatusListOptions,
} from './issuer.js'
export type { FlushResult } from './queue.js'
export { type IssuerTables, issuerMigrations } from './schema.js'
export type { SignerRetirementOptions } from './signers/retirement.js'
export type { EthrKeyPurpose, RotateKeyOptions, RotateKeyResult } from './signers/rotate.js'
export type { SignedStatusList, StatusListFormat } from './status-list.js'
export type { EraseResult, SubjectCredential, SubjectExport, SubjectStatusChange } from './subject.js'
export {
  BUILT_IN_TEMPLATES,
  type CredentialSchemaRef,
  type CredentialTemplate,
  DIPLOMA_CLAIMS_SCHEMA,
  defineTemplate,
  diplomaTemplate,
  ELM_CONTEXT,
  type PerFormat,
  PID_AGE_THRESHOLDS,
  PID_CLAIMS_SCHEMA,
  PID_VCT,
  pidTemplate,
  type TemplateBuildContext,
  type TemplateDefinition,
} from './templates/index.js'

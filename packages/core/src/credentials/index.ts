// Public surface of credentials/: re-exported from the package root.

export {
  type CredentialProfile,
  type DataModelOptions,
  type DataModelVersion,
  isXsdDateTime,
  VCDM_1_1_CONTEXT,
  VCDM_2_0_CONTEXT,
  validateCredential,
  validateCredentialStatus,
  validatePresentation,
} from './data-model.js'
export {
  type Credential,
  type IssueJwtVcOptions,
  issueJwtVc,
  type JwtCredentialFormat,
  type JwtVcVerificationResult,
  jwtVcPayload,
  type PreparedJwtVc,
  prepareJwtVc,
  type SignJwtVcOptions,
  signJwtVc,
  VC_JWT_TYP,
  type VerifyJwtVcOptions,
  verifyJwtVc,
} from './jwt-vc.js'
export {
  DEFAULT_CREDENTIAL_CONCURRENCY,
  DEFAULT_MAX_CREDENTIALS,
  envelopeCredential,
  type IssueJwtVpOptions,
  issueJwtVp,
  type JwtVpVerificationResult,
  type Presentation,
  type VerifyJwtVpOptions,
  VP_JWT_TYP,
  verifyJwtVp,
} from './jwt-vp.js'
export type { PresentationOptions } from './presentation-checks.js'
export {
  envelopeVcSdJwt,
  type IssueVcSdJwtOptions,
  type IssueVpSdJwtOptions,
  issueVcSdJwt,
  issueVpSdJwt,
  VC_SD_JWT_TYP,
  type VcSdJwtVerificationResult,
  type VerifyVcSdJwtOptions,
  type VerifyVpSdJwtOptions,
  VP_SD_JWT_TYP,
  type VpSdJwtVerificationResult,
  verifyVcSdJwt,
  verifyVpSdJwt,
} from './vc-sd-jwt.js'

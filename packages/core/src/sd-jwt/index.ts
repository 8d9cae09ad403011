// Public surface of sd-jwt/: re-exported from the package root.
export { decodeSdJwt } from './decode.js'
export { createDisclosure, type Disclosure, parseDisclosure } from './disclosure.js'
export {
  type DisclosureFrame,
  disclosureFrameFromPointers,
  type PresentationFrame,
  presentationFrameFromPointers,
} from './frame.js'
export { type SdHashAlgorithm, sdDigest } from './hash.js'
export {
  type IssueSdJwtOptions,
  issueSdJwt,
  issueSdJwtVc,
  type PreparedSdJwtVc,
  prepareSdJwtVc,
  SD_JWT_VC_TYP,
  type SdJwtVcInput,
  signSdJwtVc,
} from './issue.js'
export {
  addSdJwtSignatures,
  isSdJwtJson,
  type SdJwtFlattenedJson,
  type SdJwtFromJson,
  type SdJwtGeneralJson,
  type SdJwtJson,
  type SdJwtJsonHeader,
  sdJwtFromJson,
  sdJwtToJson,
} from './json-serialization.js'
export {
  createKeyBindingJwt,
  DEFAULT_KB_MAX_AGE_SECONDS,
  KB_JWT_TYP,
  type KeyBindingOptions,
} from './key-binding.js'
export { type PresentSdJwtOptions, presentSdJwt } from './present.js'
export {
  DEFAULT_MAX_DISCLOSURES,
  DEFAULT_MAX_SD_JWT_LENGTH,
  joinSdJwt,
  type SdJwtParts,
  splitSdJwt,
} from './serialization.js'
export {
  type DisclosedClaim,
  type SdJwtVerificationResult,
  type VerifySdJwtOptions,
  verifySdJwt,
} from './verify.js'

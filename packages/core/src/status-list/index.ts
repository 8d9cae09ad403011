// Public surface of status-list/: re-exported from the package root.
export {
  BITSTRING_STATUS_LIST_MIN_ENTRIES,
  type DecodeBitstringStatusListOptions,
  decodeBitstringStatusList,
  decodeStatusList2021,
  type EncodeBitstringStatusListOptions,
  encodeBitstringStatusList,
  encodeBitstringStatusListBytes,
} from './bitstring-status-list.js'
export {
  type BitstringStatusListCredentialInput,
  createBitstringStatusListCredential,
} from './bitstring-status-list-credential.js'
export { MAX_STATUS_LIST_BYTES } from './compression.js'
export { type BitOrder, convertBitOrder, type StatusList } from './packed-bits.js'
export {
  type IssueStatusListTokenInput,
  issueStatusListToken,
  STATUS_LIST_JWT_TYP,
  type VerifyStatusListTokenOptions,
  verifyStatusListToken,
} from './status-list-token.js'
export {
  decodeTokenStatusList,
  encodeTokenStatusList,
  TOKEN_STATUS,
  type TokenStatusListClaim,
} from './token-status-list.js'

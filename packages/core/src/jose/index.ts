export {
  DEFAULT_MAX_JWS_LENGTH,
  type DecodedJws,
  type DecodedJwt,
  type DecodeJwsOptions,
  decodeJws,
  decodeJwt,
  type JwsHeader,
  parseJwtClaims,
} from './decode.js'
export {
  type EthereumJwsAlgorithm,
  ethereumAddressOfPublicKey,
  type VerifyJwsWithEthereumAddressOptions,
  verifyDecodedJwsWithEthereumAddress,
  verifyJwsWithEthereumAddress,
} from './ethereum.js'
export { signJws } from './sign.js'
export {
  checkAlgorithm,
  type VerifiedJws,
  type VerifyJwsOptions,
  verifyDecodedJws,
  verifyJws,
} from './verify.js'

// @civitas/issuer/signers: the ways an issuer holds its key without a KMS.

export { DEFAULT_KDF, type KdfParams } from '@civitas/store/kdf'
export {
  type CreateKeyFileOptions,
  createKeyFile,
  KEY_FILE_TYPE,
  KEY_FILE_VERSION,
  type KeyFileContent,
  keyFileKdf,
  openKeyFile,
  openKeyFileSigner,
  type PassphraseSource,
  parseKeyFile,
  readKeyFilePublic,
  rewrapKeyFile,
  type UnlockedKey,
} from './key-file.js'
export { MAX_KEY_FILE_BYTES, writeKeyFile } from './key-file-io.js'
export { type Pkcs11Signer, type Pkcs11SignerOptions, pkcs11Signer } from './pkcs11.js'
export {
  type EthrKeyPurpose,
  ethrKeyAttribute,
  type RotateKeyOptions,
  type RotateKeyResult,
} from './rotate.js'

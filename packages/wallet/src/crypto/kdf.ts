// The passphrase KDF lives in @civitas/store (shared with the issuer's encrypted key files).
export {
  checkKdfParams,
  checkStoredKdf,
  DEFAULT_KDF,
  deriveKek,
  type KdfParams,
  newStoredKdf,
  passphraseBytes,
  type StoredKdf,
  sameKdfParams,
} from '@civitas/store/kdf'

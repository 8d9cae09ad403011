import { readFileSync, statSync } from 'node:fs'
import { CivitasError, isCivitasError } from '@civitas/core'
import {
  createKeyFile,
  MAX_KEY_FILE_BYTES,
  openKeyFile,
  parseKeyFile,
  type KeyFileContent as SharedKeyFileContent,
  writeKeyFile as storeKeyFile,
} from '@civitas/issuer/signers'
import { UsageError } from './usage-error.js'

/**
 * The CLI's key file is the issuer's (`@civitas/issuer/signers`, format in its README): JSON,
 * written atomically 0600, scrypt + AES-256-GCM when a passphrase is given. The CLI's files
 * always name their DID. This module only turns the library's errors about a path the user
 * typed into usage errors with a hint.
 */
export type KeyFileContent = SharedKeyFileContent & { did: string }

export interface UnlockedKey extends KeyFileContent {
  privateJwk: import('@civitas/core').Jwk
}

const CREATE_HINT = 'create one with `civitas did create`'

function asUsageError(path: string, error: unknown): unknown {
  if (isCivitasError(error, 'NOT_FOUND'))
    return new UsageError(`key file ${path} does not exist`, `check the path, or ${CREATE_HINT}`)
  if (isCivitasError(error, 'KEY_FILE_INVALID') || isCivitasError(error, 'INPUT_TOO_LARGE'))
    return new UsageError(`${path} is not a civitas key file: ${error.message}`, CREATE_HINT)
  return error
}

function withDid<T extends SharedKeyFileContent>(path: string, content: T): T & { did: string } {
  if (typeof content.did !== 'string')
    throw new UsageError(`${path} is not a civitas key file: it names no DID`, CREATE_HINT)
  return content as T & { did: string }
}

/** Writes a key file, 0600, refusing to overwrite one unless `force`. Encrypted when `passphrase` is given. */
export async function writeKeyFile(
  path: string,
  key: UnlockedKey,
  options: { passphrase?: string; force?: boolean } = {},
): Promise<void> {
  const { privateJwk, alg: _alg, publicJwk: _publicJwk, ...names } = key
  const bytes = await createKeyFile({
    jwk: privateJwk,
    ...names,
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : { plaintext: true }),
  })
  try {
    await storeKeyFile(path, bytes, { force: options.force === true })
  } catch (error) {
    if (isCivitasError(error, 'ALREADY_EXISTS'))
      throw new UsageError(
        `${path} already exists`,
        'choose another --out path or pass --force to overwrite it',
      )
    throw error
  }
}

/** The public part of a key file (no passphrase needed). */
export function readKeyFilePublic(path: string): KeyFileContent & { encrypted: boolean } {
  let bytes: Uint8Array
  try {
    if (statSync(path).size > MAX_KEY_FILE_BYTES)
      throw new CivitasError('INPUT_TOO_LARGE', 'too large to be a key file')
    bytes = readFileSync(path)
  } catch (error) {
    if (isCivitasError(error)) throw asUsageError(path, error)
    throw asUsageError(path, new CivitasError('NOT_FOUND', `key file ${path} does not exist`))
  }
  try {
    const parsed = parseKeyFile(bytes)
    return withDid(path, { ...parsed.content, encrypted: parsed.encrypted !== undefined })
  } catch (error) {
    throw asUsageError(path, error)
  }
}

/** Reads a key file, decrypting it with the passphrase `getPassphrase` gives when it is encrypted. */
export async function readKeyFile(path: string, getPassphrase: () => Promise<string>): Promise<UnlockedKey> {
  try {
    return withDid(path, await openKeyFile(path, { passphrase: getPassphrase }))
  } catch (error) {
    throw asUsageError(path, error)
  }
}

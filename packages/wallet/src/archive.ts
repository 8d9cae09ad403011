import { CivitasError, isRecord, parseJson } from '@civitas/core'
import { checkCredentialRecord, type StoredCredential } from './credentials.js'
import { open, seal } from './crypto/aead.js'
import { base64urlDecodeStrict, base64urlEncodeBytes, fromUtf8, utf8, zero } from './crypto/encoding.js'
import { checkStoredKdf, deriveKek, type KdfParams, newStoredKdf, type StoredKdf } from './crypto/kdf.js'
import { checkKeyRecord, type KeyRecord } from './keys.js'
import { checkLogEntry, type LogEntry } from './log.js'

/**
 * The GDPR export: everything the wallet holds (keys with their private parts, credentials
 * as issued with their type and issuer — what a new wallet or an issuer needs to re-issue,
 * in the spirit of the ARF migration object — and the presentation log), encrypted under a
 * key derived from an export passphrase with its own salt:
 *
 *     { "format": "civitas-wallet-export", "version": 1, "kdf": {…, "salt"}, "data": base64url(AES-256-GCM) }
 */
export interface ArchiveContents {
  readonly exportedAt: string
  readonly keys: readonly KeyRecord[]
  readonly credentials: readonly StoredCredential[]
  readonly log: readonly LogEntry[]
}

const FORMAT = 'civitas-wallet-export'
/** Default largest archive `import` reads. */
export const DEFAULT_MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
const MAX_ITEMS = 1_000_000

function context(kdf: StoredKdf): string {
  return `export\u0000${JSON.stringify(kdf)}`
}

export async function sealArchive(
  contents: ArchiveContents,
  passphrase: Uint8Array,
  params: KdfParams,
): Promise<Uint8Array> {
  const kdf = newStoredKdf(params)
  const kek = await deriveKek(passphrase, kdf)
  const plaintext = utf8(JSON.stringify(contents))
  try {
    const data = base64urlEncodeBytes(seal(kek, plaintext, context(kdf)))
    return utf8(JSON.stringify({ format: FORMAT, version: 1, kdf, data }))
  } finally {
    zero(kek, plaintext)
  }
}

function bad(message: string, cause?: unknown): never {
  throw new CivitasError('ARCHIVE_INVALID', message, cause === undefined ? {} : { cause })
}

export async function openArchive(
  archive: Uint8Array,
  passphrase: Uint8Array,
  maxBytes = DEFAULT_MAX_ARCHIVE_BYTES,
): Promise<ArchiveContents> {
  if (!(archive instanceof Uint8Array)) bad('an archive is the Uint8Array export() returned')
  if (archive.length > maxBytes) bad(`the archive is over ${maxBytes} bytes`)
  let envelope: unknown
  try {
    envelope = parseJson(fromUtf8(archive), 'ARCHIVE_INVALID', { maxDepth: 4, what: 'the archive' })
  } catch (cause) {
    bad('the archive is not a Civitas wallet export', cause)
  }
  if (!isRecord(envelope) || envelope.format !== FORMAT || envelope.version !== 1) {
    bad('the archive is not a Civitas wallet export v1')
  }
  const kdf = checkStoredKdf(envelope.kdf, 'ARCHIVE_INVALID')
  const sealed = base64urlDecodeStrict(envelope.data)
  if (sealed === undefined) bad('the archive data is not base64url')
  const kek = await deriveKek(passphrase, kdf)
  let plaintext: Uint8Array
  try {
    plaintext = open(kek, sealed, context(kdf), 'the archive')
  } catch (cause) {
    throw new CivitasError('PASSPHRASE_INVALID', 'wrong export passphrase (or the archive was altered)', {
      cause,
    })
  } finally {
    zero(kek)
  }
  let contents: unknown
  try {
    contents = parseJson(fromUtf8(plaintext), 'ARCHIVE_INVALID', { what: 'the archive contents' })
  } finally {
    zero(plaintext)
  }
  if (!isRecord(contents) || typeof contents.exportedAt !== 'string')
    bad('the archive contents are not an export')
  const list = (name: string): unknown[] => {
    const value = (contents as Record<string, unknown>)[name]
    if (!Array.isArray(value) || value.length > MAX_ITEMS) bad(`the archive has no ${name} list`)
    return value
  }
  return {
    exportedAt: contents.exportedAt,
    keys: list('keys').map((k, i) => checkKeyRecord(k, `archive key ${i}`, 'ARCHIVE_INVALID')),
    credentials: list('credentials').map((c, i) =>
      checkCredentialRecord(c, `archive credential ${i}`, 'ARCHIVE_INVALID'),
    ),
    log: list('log').map((l, i) => checkLogEntry(l, `archive log entry ${i}`, 'ARCHIVE_INVALID')),
  }
}

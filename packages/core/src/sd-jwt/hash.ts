import { createHash } from 'node:crypto'
import { CivitasError } from '../errors/index.js'

/** `_sd_alg` values (IANA Named Information Hash Algorithm names) this implementation supports. */
export type SdHashAlgorithm = 'sha-256' | 'sha-384' | 'sha-512'

const NODE_HASH: Record<SdHashAlgorithm, string> = {
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
}

/** RFC 9901 §4.1.1: an absent `_sd_alg` means SHA-256. */
export function sdHashAlgorithm(value: unknown): SdHashAlgorithm {
  if (value === undefined) return 'sha-256'
  if (typeof value === 'string' && Object.hasOwn(NODE_HASH, value)) return value as SdHashAlgorithm
  throw new CivitasError('SD_JWT_INVALID', `unsupported _sd_alg ${JSON.stringify(value)}`, {
    details: { sdAlg: value, supported: Object.keys(NODE_HASH) },
  })
}

/**
 * base64url(hash(ASCII(input))). Disclosure digests and the KB-JWT `sd_hash` are both
 * computed over the exact characters received, never over a re-encoding.
 */
export function sdDigest(alg: SdHashAlgorithm, input: string): string {
  return createHash(NODE_HASH[alg]).update(input, 'utf8').digest('base64url')
}

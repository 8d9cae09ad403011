import { createHash } from 'node:crypto'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertString, hasOwn } from '../guards/index.js'

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
  if (isSdHashAlgorithm(value)) return value
  throw new CivitasError('SD_JWT_INVALID', `unsupported _sd_alg ${describeValue(value)}`, {
    details: { sdAlg: describeValue(value), supported: Object.keys(NODE_HASH) },
  })
}

function isSdHashAlgorithm(value: unknown): value is SdHashAlgorithm {
  return typeof value === 'string' && hasOwn(NODE_HASH, value)
}

/**
 * base64url(hash(ASCII(input))). Disclosure digests and the KB-JWT `sd_hash` are both
 * computed over the exact characters received, never over a re-encoding.
 */
export function sdDigest(alg: SdHashAlgorithm, input: string): string {
  // Guarded here, not left to node:crypto, whose errors would escape raw.
  if (!isSdHashAlgorithm(alg)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `alg must be one of ${Object.keys(NODE_HASH).join(', ')}, got ${describeValue(alg)}`,
      { details: { argument: 'alg' } },
    )
  }
  assertString(input, 'input')
  return createHash(NODE_HASH[alg]).update(input, 'utf8').digest('base64url')
}

import { gunzipSync, inflateSync } from 'node:zlib'
import { deflate, gzip } from 'pako'
import { CivitasError } from '../errors/index.js'

/**
 * Largest uncompressed list we inflate: 2^24 entries of 8 bits. A compressed list is
 * attacker-supplied, and DEFLATE expands ~1000:1, so the limit is on the output.
 */
export const MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024

// Encoding uses pako 2 (a faithful port of reference zlib) rather than node:zlib: Node
// links a zlib fork whose level-9 output differs (so does pako 3), and byte-identical output
// means an unchanged list re-encodes to the same string (same signature, same ETag)
// on every platform, and that we reproduce the IETF encoding vectors exactly.

export function zlibCompress(bytes: Uint8Array): Uint8Array {
  return deflate(bytes, { level: 9 })
}

export function gzipCompress(bytes: Uint8Array): Uint8Array {
  return gzip(bytes, { level: 9 })
}

function inflateWith(
  fn: typeof inflateSync,
  compressed: Uint8Array,
  what: string,
  maxBytes: number,
): Uint8Array {
  try {
    const out = fn(compressed, { maxOutputLength: maxBytes })
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CivitasError('INPUT_TOO_LARGE', `${what} inflates beyond ${maxBytes} bytes`, {
        cause,
        details: { maxBytes },
      })
    }
    throw new CivitasError('STATUS_LIST_INVALID', `${what} is not valid compressed data`, { cause })
  }
}

/**
 * Refuses, before decoding it, base64url text too long to inflate within `maxBytes`:
 * DEFLATE never grows its input by more than a few bytes per 64 KiB block.
 */
export function assertEncodedSize(encoded: string, what: string, maxBytes: number): void {
  const limit = Math.ceil(((maxBytes + Math.ceil(maxBytes / 256) + 64) * 4) / 3)
  if (encoded.length > limit) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `${what} is ${encoded.length} characters, the limit is ${limit}`,
      {
        details: { length: encoded.length, limit, maxBytes },
      },
    )
  }
}

function checkMaxBytes(maxBytes: unknown): number {
  if (!Number.isSafeInteger(maxBytes) || (maxBytes as number) < 1) {
    throw new CivitasError('INVALID_ARGUMENT', 'maxBytes must be a positive integer')
  }
  return maxBytes as number
}

/** The caller's `maxBytes`, or the default. */
export function maxBytesOption(maxBytes: unknown): number {
  return maxBytes === undefined ? MAX_STATUS_LIST_BYTES : checkMaxBytes(maxBytes)
}

export function zlibDecompress(compressed: Uint8Array, what: string, maxBytes = MAX_STATUS_LIST_BYTES) {
  return inflateWith(inflateSync, compressed, what, maxBytes)
}

export function gzipDecompress(compressed: Uint8Array, what: string, maxBytes = MAX_STATUS_LIST_BYTES) {
  return inflateWith(gunzipSync, compressed, what, maxBytes)
}

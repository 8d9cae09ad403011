import { base58 } from '@scure/base'
import { keyError } from './resolution.js'

/**
 * The multiformats encodings DID keys travel in: unsigned varints
 * (https://github.com/multiformats/unsigned-varint) for multicodec prefixes, and multibase
 * base58btc (`z…`) for did:key ids and publicKeyMultibase values.
 */

/** Encodes a non-negative integer as an unsigned LEB128 varint. */
export function encodeVarint(value: number): Uint8Array {
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/**
 * Decodes the varint at the start of `bytes`. The multiformats spec requires the minimal
 * encoding (no trailing 0x80 groups) and caps it at 9 bytes; anything else is rejected so
 * that one key has exactly one did:key.
 */
export function decodeVarint(bytes: Uint8Array): { value: number; length: number } {
  let value = 0
  for (let i = 0; i < bytes.length && i < 9; i++) {
    const byte = bytes[i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) break // non-minimal
      return { value, length: i + 1 }
    }
  }
  throw keyError('DID_INVALID', 'invalidDid', 'multicodec prefix is not a minimal unsigned varint')
}

/** Decodes a multibase base58btc string (`z...`) to bytes. */
export function decodeMultibaseBase58btc(value: string, what = 'multibase value'): Uint8Array {
  if (typeof value !== 'string' || value.length < 2) {
    throw keyError('DID_INVALID', 'invalidDid', `${what} must be a non-empty multibase string`)
  }
  if (value[0] !== 'z') {
    throw keyError('DID_INVALID', 'invalidDid', `${what} must be multibase base58btc (prefix "z")`)
  }
  try {
    return base58.decode(value.slice(1))
  } catch (cause) {
    throw keyError('DID_INVALID', 'invalidDid', `${what} is not valid base58btc`, cause)
  }
}

/** Encodes bytes as a multibase base58btc string (`z...`). */
export function encodeMultibaseBase58btc(bytes: Uint8Array): string {
  return `z${base58.encode(bytes)}`
}

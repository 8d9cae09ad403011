import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { CivitasError } from '../errors/index.js'
import { optionsRecord } from '../guards/index.js'
import { assertEncodedSize, gzipCompress, gzipDecompress, maxBytesOption } from './compression.js'
import { assertStatuses, packStatuses, type StatusList, statusListFromBytes } from './packed-bits.js'

/**
 * W3C Bitstring Status List v1.0: a list must hold at least 131,072 entries so that
 * one index says little about which credential it belongs to (group privacy).
 */
export const BITSTRING_STATUS_LIST_MIN_ENTRIES = 131_072

export interface EncodeBitstringStatusListOptions {
  /** Bits per entry (`statusSize`), 1 by default. */
  statusSize?: number
}

export interface DecodeBitstringStatusListOptions {
  /** Bits per entry (`statusSize` of the credential's status entry), 1 by default. */
  statusSize?: number
  /** Refuse lists that inflate beyond this many bytes. */
  maxBytes?: number
}

function assertStatusSize(statusSize: unknown): number {
  if (typeof statusSize !== 'number' || !Number.isInteger(statusSize) || statusSize < 1 || statusSize > 32) {
    throw new CivitasError('STATUS_LIST_INVALID', 'statusSize must be an integer in 1..32', {
      details: { statusSize },
    })
  }
  return statusSize
}

function assertMinimumEntries(entries: number, statusSize: number): void {
  if (entries < BITSTRING_STATUS_LIST_MIN_ENTRIES) {
    throw new CivitasError(
      'STATUS_LIST_TOO_SHORT',
      `a Bitstring Status List needs at least ${BITSTRING_STATUS_LIST_MIN_ENTRIES} entries, got ${entries}`,
      { details: { entries, statusSize, minimum: BITSTRING_STATUS_LIST_MIN_ENTRIES } },
    )
  }
}

/**
 * Encodes statuses (one integer per entry) as a Bitstring Status List `encodedList`:
 * multibase `u` + base64url(GZIP(bitstring)), index 0 in the most significant bit of byte 0.
 */
export function encodeBitstringStatusList(
  statuses: ArrayLike<number>,
  options: EncodeBitstringStatusListOptions = {},
): string {
  const statusSize = assertStatusSize(optionsRecord(options).statusSize ?? 1)
  assertStatuses(statuses, statusSize)
  assertMinimumEntries(statuses.length, statusSize)
  const bytes = packStatuses(statuses, statusSize, 'msb-first')
  return `u${base64urlEncode(gzipCompress(bytes))}`
}

/** Encodes an already packed MSB-first bitstring (e.g. read from chain words). */
export function encodeBitstringStatusListBytes(bitstring: Uint8Array, statusSize = 1): string {
  if (!(bitstring instanceof Uint8Array)) {
    throw new CivitasError('INVALID_ARGUMENT', 'bitstring must be a Uint8Array')
  }
  const size = assertStatusSize(statusSize)
  assertMinimumEntries(Math.floor((bitstring.length * 8) / size), size)
  return `u${base64urlEncode(gzipCompress(bitstring))}`
}

function decodeGzipBitstring(
  base64: string,
  what: string,
  statusSize: number,
  maxBytes: number,
  lenientAlphabet: boolean,
): StatusList {
  assertEncodedSize(base64, what, maxBytes)
  let compressed: Uint8Array
  try {
    compressed = lenientAlphabet
      ? base64urlDecode(base64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), what)
      : base64urlDecode(base64, what)
  } catch (cause) {
    throw new CivitasError('STATUS_LIST_INVALID', `${what} is not base64url`, { cause })
  }
  const bytes = gzipDecompress(compressed, what, maxBytes)
  const entries = Math.floor((bytes.length * 8) / statusSize)
  assertMinimumEntries(entries, statusSize)
  return statusListFromBytes(bytes, statusSize, 'msb-first', entries)
}

/**
 * Decodes a Bitstring Status List `encodedList`. Rejects a missing `u` prefix
 * (`STATUS_LIST_INVALID`) and lists under 131,072 entries (`STATUS_LIST_TOO_SHORT`).
 */
export function decodeBitstringStatusList(
  encodedList: string,
  options: DecodeBitstringStatusListOptions = {},
): StatusList {
  const opts = optionsRecord(options)
  const statusSize = assertStatusSize(opts.statusSize ?? 1)
  if (typeof encodedList !== 'string' || !encodedList.startsWith('u')) {
    throw new CivitasError(
      'STATUS_LIST_INVALID',
      'encodedList must be a multibase base64url string (starting with "u")',
    )
  }
  return decodeGzipBitstring(
    encodedList.slice(1),
    'encodedList',
    statusSize,
    maxBytesOption(opts.maxBytes),
    false,
  )
}

/**
 * Decodes a legacy StatusList2021 `encodedList` (EBSI today): base64url(GZIP) without
 * the multibase prefix, 1 bit per entry, MSB-first. Padding and the standard base64
 * alphabet are tolerated because deployed issuers emit both.
 */
export function decodeStatusList2021(encodedList: string, options: { maxBytes?: number } = {}): StatusList {
  if (typeof encodedList !== 'string' || encodedList.length === 0) {
    throw new CivitasError('STATUS_LIST_INVALID', 'encodedList must be a non-empty string')
  }
  return decodeGzipBitstring(
    encodedList,
    'encodedList',
    1,
    maxBytesOption(optionsRecord(options).maxBytes),
    true,
  )
}

import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { CivitasError } from '../errors/index.js'
import { optionsRecord } from '../guards/index.js'
import { assertEncodedSize, maxBytesOption, zlibCompress, zlibDecompress } from './compression.js'
import {
  assertEntryWidth,
  assertStatuses,
  packStatuses,
  type StatusList,
  statusListFromBytes,
} from './packed-bits.js'

/** The `status_list` member of an IETF Status List Token. */
export interface TokenStatusListClaim {
  bits: 1 | 2 | 4 | 8
  /** base64url(ZLIB(bytes)), entries packed least significant bit first. */
  lst: string
  aggregation_uri?: string
}

/** Status values registered by the IETF Token Status List. */
export const TOKEN_STATUS = { VALID: 0, INVALID: 1, SUSPENDED: 2 } as const

const TOKEN_BITS = [1, 2, 4, 8] as const

/** Encodes statuses as an IETF Token Status List `status_list` claim (LSB-first, ZLIB level 9). */
export function encodeTokenStatusList(
  statuses: ArrayLike<number>,
  options: { bits: 1 | 2 | 4 | 8 },
): TokenStatusListClaim {
  const bits = assertEntryWidth(optionsRecord(options).bits, TOKEN_BITS, 'bits') as 1 | 2 | 4 | 8
  assertStatuses(statuses, bits)
  if (statuses.length === 0) {
    throw new CivitasError('STATUS_LIST_TOO_SHORT', 'a Token Status List needs at least one entry')
  }
  const bytes = packStatuses(statuses, bits, 'lsb-first')
  return { bits, lst: base64urlEncode(zlibCompress(bytes)) }
}

/**
 * Decodes an IETF Token Status List `status_list` claim. The list holds every entry its
 * bytes can carry; reading beyond it throws `STATUS_INDEX_OUT_OF_RANGE`.
 */
export function decodeTokenStatusList(
  statusList: { bits: unknown; lst: unknown },
  options: { maxBytes?: number } = {},
): StatusList {
  if (statusList === null || typeof statusList !== 'object') {
    throw new CivitasError('STATUS_LIST_INVALID', 'status_list must be an object with bits and lst')
  }
  const bits = assertEntryWidth(statusList.bits, TOKEN_BITS, 'status_list.bits')
  if (typeof statusList.lst !== 'string' || statusList.lst.length === 0) {
    throw new CivitasError('STATUS_LIST_INVALID', 'status_list.lst must be a non-empty base64url string')
  }
  const maxBytes = maxBytesOption(optionsRecord(options).maxBytes)
  assertEncodedSize(statusList.lst, 'status_list.lst', maxBytes)
  let compressed: Uint8Array
  try {
    compressed = base64urlDecode(statusList.lst, 'status_list.lst')
  } catch (cause) {
    throw new CivitasError('STATUS_LIST_INVALID', 'status_list.lst is not base64url', { cause })
  }
  const bytes = zlibDecompress(compressed, 'status_list.lst', maxBytes)
  if (bytes.length === 0) {
    throw new CivitasError('STATUS_LIST_TOO_SHORT', 'status_list.lst holds no entries')
  }
  return statusListFromBytes(bytes, bits, 'lsb-first')
}

import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertBytes, assertInteger } from '../guards/index.js'
import { MAX_STATUS_LIST_BYTES } from './compression.js'

/**
 * Which end of a byte holds the first entry. The W3C lists (Bitstring Status List,
 * StatusList2021) are MSB-first; the IETF Token Status List is LSB-first. Mixing them
 * silently reads the wrong credential's status, so every list states its order.
 */
export type BitOrder = 'msb-first' | 'lsb-first'

/** A decoded status list: fixed-width entries packed into bytes. */
export interface StatusList {
  /** Bits per entry. */
  readonly bits: number
  /** Number of entries. */
  readonly length: number
  readonly order: BitOrder
  /** The packed, uncompressed list (shared, not copied: do not mutate). */
  readonly bytes: Uint8Array
  /** Status at `index`; throws `STATUS_INDEX_OUT_OF_RANGE` outside `0..length-1`. */
  get(index: number): number
}

export function assertEntryWidth(bits: unknown, allowed: readonly number[], what: string): number {
  if (typeof bits !== 'number' || !allowed.includes(bits)) {
    throw new CivitasError('STATUS_LIST_INVALID', `${what} must be one of ${allowed.join(', ')}`, {
      details: { bits },
    })
  }
  return bits
}

function readEntry(bytes: Uint8Array, bits: number, order: BitOrder, index: number): number {
  if (bits === 8) return bytes[index]!
  if (bits < 8 && 8 % bits === 0) {
    // 1, 2 and 4 divide 8: an entry never straddles a byte.
    const bitOffset = index * bits
    const byte = bytes[bitOffset >>> 3]!
    const within = bitOffset & 7
    const shift = order === 'lsb-first' ? within : 8 - within - bits
    return (byte >>> shift) & ((1 << bits) - 1)
  }
  // Widths that straddle bytes (W3C statusSize 3, 5, 12...): bit by bit, most significant first.
  let value = 0
  for (let i = 0; i < bits; i++) {
    const bit = index * bits + i
    const byte = bytes[Math.floor(bit / 8)]!
    const within = bit % 8
    const shift = order === 'lsb-first' ? within : 7 - within
    value = value * 2 + ((byte >>> shift) & 1)
  }
  return value
}

function writeEntry(bytes: Uint8Array, bits: number, order: BitOrder, index: number, value: number): void {
  if (bits === 8) {
    bytes[index] = value
    return
  }
  if (bits < 8 && 8 % bits === 0) {
    const bitOffset = index * bits
    const within = bitOffset & 7
    const shift = order === 'lsb-first' ? within : 8 - within - bits
    const mask = ((1 << bits) - 1) << shift
    const at = bitOffset >>> 3
    bytes[at] = (bytes[at]! & ~mask) | ((value << shift) & mask)
    return
  }
  for (let i = 0; i < bits; i++) {
    const bit = index * bits + i
    const within = bit % 8
    const shift = order === 'lsb-first' ? within : 7 - within
    const valueBit = Math.floor(value / 2 ** (bits - 1 - i)) % 2
    const at = Math.floor(bit / 8)
    bytes[at] = valueBit ? bytes[at]! | (1 << shift) : bytes[at]! & ~(1 << shift)
  }
}

/** Wraps packed bytes as a {@link StatusList}. `length` defaults to every whole entry. */
export function statusListFromBytes(
  bytes: Uint8Array,
  bits: number,
  order: BitOrder,
  length = Math.floor((bytes.length * 8) / bits),
): StatusList {
  return {
    bits,
    length,
    order,
    bytes,
    get(index: number): number {
      if (!Number.isSafeInteger(index) || index < 0 || index >= length) {
        throw new CivitasError(
          'STATUS_INDEX_OUT_OF_RANGE',
          `status index ${describeValue(index)} is outside the list (0..${length - 1})`,
          { details: { index: typeof index === 'number' ? index : describeValue(index), length } },
        )
      }
      return readEntry(bytes, bits, order, index)
    },
  }
}

/**
 * Guards the `statuses` argument of the encoders: an array-like whose `length` is an integer
 * from 0 to what {@link MAX_STATUS_LIST_BYTES} can hold at `bits` per entry. A NaN, negative
 * or 2^53 length would otherwise reach `new Uint8Array(...)` (a raw RangeError) or produce an
 * empty list the decoder refuses. Throws `INVALID_ARGUMENT`.
 */
export function assertStatuses(statuses: unknown, bits: number): asserts statuses is ArrayLike<number> {
  if (statuses === null || typeof statuses !== 'object') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `statuses must be an array of integers, got ${describeValue(statuses)}`,
      { details: { argument: 'statuses' } },
    )
  }
  assertInteger((statuses as { length?: unknown }).length, 'statuses.length', {
    min: 0,
    max: Math.floor((MAX_STATUS_LIST_BYTES * 8) / bits),
  })
}

/** Packs one status value per entry, checking each fits in `bits`. */
export function packStatuses(statuses: ArrayLike<number>, bits: number, order: BitOrder): Uint8Array {
  const length = statuses.length
  const bytes = new Uint8Array(Math.ceil((length * bits) / 8))
  const max = 2 ** bits - 1
  for (let i = 0; i < length; i++) {
    const value = statuses[i]!
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new CivitasError('STATUS_LIST_INVALID', `status at index ${i} must be an integer in 0..${max}`, {
        details: { index: i, bits },
      })
    }
    if (value !== 0) writeEntry(bytes, bits, order, i, value)
  }
  return bytes
}

const BYTE_WIDTHS = [1, 2, 4, 8] as const
const reorderTables = new Map<number, Uint8Array>()

/** For each byte value, the same byte with its `bits`-wide entries in reverse order. */
function reorderTable(bits: number): Uint8Array {
  let table = reorderTables.get(bits)
  if (table) return table
  table = new Uint8Array(256)
  const perByte = 8 / bits
  const mask = (1 << bits) - 1
  for (let value = 0; value < 256; value++) {
    let out = 0
    for (let k = 0; k < perByte; k++) out |= ((value >>> (k * bits)) & mask) << (8 - (k + 1) * bits)
    table[value] = out
  }
  reorderTables.set(bits, table)
  return table
}

/**
 * The same entries packed in another bit order: MSB-first (W3C lists, on-chain status
 * words) to LSB-first (IETF Token Status List) or back. Entry `i` keeps index `i`; only
 * its place inside its byte changes, so this is for widths that divide a byte (1, 2, 4, 8).
 * Returns a new array.
 */
export function convertBitOrder(bytes: Uint8Array, bits: number, from: BitOrder, to: BitOrder): Uint8Array {
  assertBytes(bytes, 'bytes')
  if (typeof bits !== 'number' || !(BYTE_WIDTHS as readonly number[]).includes(bits)) {
    throw new CivitasError('INVALID_ARGUMENT', `bits must be 1, 2, 4 or 8, got ${describeValue(bits)}`, {
      details: { argument: 'bits' },
    })
  }
  for (const [name, order] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (order !== 'msb-first' && order !== 'lsb-first') {
      throw new CivitasError('INVALID_ARGUMENT', `${name} must be "msb-first" or "lsb-first"`, {
        details: { argument: name },
      })
    }
  }
  if (from === to || bits === 8) return bytes.slice()
  const table = reorderTable(bits)
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!
  return out
}

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { decodeBitstringStatusList, encodeBitstringStatusList } from './bitstring-status-list.js'
import { decodeTokenStatusList, encodeTokenStatusList } from './token-status-list.js'

// Worked examples from draft-ietf-oauth-status-list, section "Compressed Byte Array".
const ONE_BIT = {
  bits: 1,
  lst: 'eNrbuRgAAhcBXQ',
  statuses: [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1],
} as const
const TWO_BIT = { bits: 2, lst: 'eNo76fITAAPfAgc', statuses: [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3] } as const

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : 'NOT_CIVITAS'
  }
  return undefined
}

describe('IETF Token Status List (LSB-first, ZLIB)', () => {
  for (const example of [ONE_BIT, TWO_BIT]) {
    it(`decodes the ${example.bits}-bit worked example`, () => {
      const list = decodeTokenStatusList(example)
      expect(list.order).toBe('lsb-first')
      expect(list.length).toBe(example.statuses.length)
      expect(Array.from({ length: list.length }, (_, i) => list.get(i))).toEqual(example.statuses)
    })

    it(`reproduces the ${example.bits}-bit worked example byte for byte`, () => {
      expect(encodeTokenStatusList(example.statuses, { bits: example.bits })).toEqual({
        bits: example.bits,
        lst: example.lst,
      })
    })
  }

  it('puts index 0 in the least significant bit of byte 0', () => {
    const list = decodeTokenStatusList(encodeTokenStatusList([1, 0, 0, 0, 0, 0, 0, 0], { bits: 1 }))
    expect(list.bytes[0]).toBe(0x01)
  })

  it('round-trips 4- and 8-bit lists', () => {
    for (const bits of [4, 8] as const) {
      const statuses = Array.from({ length: 1000 }, (_, i) => (i * 7) % 2 ** bits)
      const list = decodeTokenStatusList(encodeTokenStatusList(statuses, { bits }))
      expect(Array.from({ length: 1000 }, (_, i) => list.get(i))).toEqual(statuses)
    }
  })

  it('rejects an index beyond the list with STATUS_INDEX_OUT_OF_RANGE', () => {
    const list = decodeTokenStatusList(ONE_BIT)
    expect(codeOf(() => list.get(16))).toBe('STATUS_INDEX_OUT_OF_RANGE')
    expect(codeOf(() => list.get(-1))).toBe('STATUS_INDEX_OUT_OF_RANGE')
    expect(codeOf(() => list.get(1.5))).toBe('STATUS_INDEX_OUT_OF_RANGE')
  })

  it('rejects widths other than 1, 2, 4, 8 and values that do not fit', () => {
    expect(codeOf(() => decodeTokenStatusList({ bits: 3, lst: ONE_BIT.lst }))).toBe('STATUS_LIST_INVALID')
    expect(codeOf(() => encodeTokenStatusList([4], { bits: 2 }))).toBe('STATUS_LIST_INVALID')
  })

  it('rejects a list that is not ZLIB, not base64url, or empty', () => {
    expect(codeOf(() => decodeTokenStatusList({ bits: 1, lst: 'AAAA' }))).toBe('STATUS_LIST_INVALID')
    expect(codeOf(() => decodeTokenStatusList({ bits: 1, lst: 'e+Nr' }))).toBe('STATUS_LIST_INVALID')
    expect(codeOf(() => encodeTokenStatusList([], { bits: 1 }))).toBe('STATUS_LIST_TOO_SHORT')
  })

  it('refuses a decompression bomb with INPUT_TOO_LARGE', () => {
    const bomb = encodeTokenStatusList(new Uint8Array(1 << 20), { bits: 8 })
    expect(codeOf(() => decodeTokenStatusList(bomb, { maxBytes: 1024 }))).toBe('INPUT_TOO_LARGE')
  })
})

describe('size limits before decoding', () => {
  it('refuses lst text too long to inflate within maxBytes, before decoding it (INPUT_TOO_LARGE)', () => {
    const lst = 'A'.repeat(4096)
    expect(() => decodeTokenStatusList({ bits: 1, lst }, { maxBytes: 1024 })).toThrow(
      expect.objectContaining({ code: 'INPUT_TOO_LARGE' }),
    )
    expect(() => decodeBitstringStatusList(`u${lst}`, { maxBytes: 1024 })).toThrow(
      expect.objectContaining({ code: 'INPUT_TOO_LARGE' }),
    )
    expect(() => decodeTokenStatusList({ bits: 1, lst }, { maxBytes: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })

  it('an incompressible list at the limit still decodes', () => {
    const statuses = Array.from(randomBytes(65_536))
    const claim = encodeTokenStatusList(statuses, { bits: 8 })
    expect(decodeTokenStatusList(claim, { maxBytes: 65_536 }).get(65_535)).toBe(statuses[65_535])
  })
})

describe('encoder and decoder arguments: NaN, 2^53, negative lengths and null options', () => {
  it.each([
    ['NaN', Number.NaN],
    ['2^53', 2 ** 53],
    ['-1', -1],
    ['1.5', 1.5],
    ['2^40 (beyond what 16 MiB holds)', 2 ** 40],
    ['a string', '8'],
  ])('a statuses.length of %s is INVALID_ARGUMENT for both encoders', (_name, length) => {
    const statuses = { length } as unknown as ArrayLike<number>
    expect(codeOf(() => encodeTokenStatusList(statuses, { bits: 1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => encodeBitstringStatusList(statuses))).toBe('INVALID_ARGUMENT')
  })

  it('null or non-object statuses and null options are INVALID_ARGUMENT, never a TypeError', () => {
    expect(codeOf(() => encodeTokenStatusList(null as never, { bits: 1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => encodeBitstringStatusList(5 as never))).toBe('INVALID_ARGUMENT')
    const claim = encodeTokenStatusList([1, 0, 1], { bits: 1 })
    const encoded = encodeBitstringStatusList(new Uint8Array(131_072))
    expect(codeOf(() => decodeTokenStatusList(claim, null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => decodeBitstringStatusList(encoded, null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => encodeBitstringStatusList(new Uint8Array(131_072), null as never))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => encodeTokenStatusList([1], null as never))).toBe('INVALID_ARGUMENT')
    expect(decodeTokenStatusList(claim, {}).get(2)).toBe(1)
  })

  it('an index with toString: null is STATUS_INDEX_OUT_OF_RANGE, not a TypeError while building the message', () => {
    const list = decodeTokenStatusList(encodeTokenStatusList([1, 0], { bits: 1 }))
    expect(codeOf(() => list.get({ toString: null } as never))).toBe('STATUS_INDEX_OUT_OF_RANGE')
    expect(codeOf(() => list.get(Number.NaN))).toBe('STATUS_INDEX_OUT_OF_RANGE')
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { convertBitOrder, packStatuses, statusListFromBytes } from './packed-bits.js'

describe('convertBitOrder: W3C MSB-first <-> IETF LSB-first packing', () => {
  it('turns an MSB-first packing into exactly the LSB-first packing of the same statuses, and back', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(1, 2, 4, 8)
          .chain((bits) =>
            fc.tuple(
              fc.constant(bits),
              fc.array(fc.integer({ min: 0, max: 2 ** bits - 1 }), { maxLength: 64 }),
            ),
          ),
        ([bits, statuses]) => {
          const msb = packStatuses(statuses, bits, 'msb-first')
          const lsb = packStatuses(statuses, bits, 'lsb-first')
          expect(convertBitOrder(msb, bits, 'msb-first', 'lsb-first')).toEqual(lsb)
          expect(convertBitOrder(lsb, bits, 'lsb-first', 'msb-first')).toEqual(msb)
          const list = statusListFromBytes(
            convertBitOrder(msb, bits, 'msb-first', 'lsb-first'),
            bits,
            'lsb-first',
          )
          expect(statuses.map((_, i) => list.get(i))).toEqual(statuses)
        },
      ),
      { seed: 7, numRuns: 200 },
    )
  })

  it('returns a copy, never the input', () => {
    const bytes = new Uint8Array([0x80])
    const same = convertBitOrder(bytes, 1, 'msb-first', 'msb-first')
    expect(same).toEqual(bytes)
    expect(same).not.toBe(bytes)
  })

  it('refuses widths that straddle bytes and unknown orders (INVALID_ARGUMENT)', () => {
    expect(() => convertBitOrder(new Uint8Array(1), 3, 'msb-first', 'lsb-first')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => convertBitOrder(new Uint8Array(1), 1, 'msb-first', 'middle' as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => convertBitOrder([1] as never, 1, 'msb-first', 'lsb-first')).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

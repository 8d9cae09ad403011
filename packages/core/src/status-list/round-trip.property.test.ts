import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BITSTRING_STATUS_LIST_MIN_ENTRIES,
  decodeBitstringStatusList,
  encodeBitstringStatusList,
} from './bitstring-status-list.js'
import { decodeTokenStatusList, encodeTokenStatusList } from './token-status-list.js'

describe('status lists: decode(encode(statuses)) = statuses', () => {
  it('Token Status List, every width', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 2, 4, 8),
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        (bits, raw) => {
          const statuses = raw.map((v) => v % 2 ** bits)
          const list = decodeTokenStatusList(encodeTokenStatusList(statuses, { bits: bits as 1 | 2 | 4 | 8 }))
          expect(Array.from({ length: statuses.length }, (_, i) => list.get(i))).toEqual(statuses)
          // Padding entries of the last byte read as 0.
          for (let i = statuses.length; i < list.length; i++) expect(list.get(i)).toBe(0)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('Bitstring Status List, statusSize 1..16, sparse statuses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.tuple(fc.nat(BITSTRING_STATUS_LIST_MIN_ENTRIES - 1), fc.nat()), { maxLength: 20 }),
        (statusSize, entries) => {
          const statuses = new Uint32Array(BITSTRING_STATUS_LIST_MIN_ENTRIES)
          for (const [index, value] of entries) statuses[index] = value % 2 ** statusSize
          const list = decodeBitstringStatusList(encodeBitstringStatusList(statuses, { statusSize }), {
            statusSize,
          })
          for (const [index] of entries) expect(list.get(index)).toBe(statuses[index])
          expect(list.get(0)).toBe(statuses[0])
          expect(list.get(BITSTRING_STATUS_LIST_MIN_ENTRIES - 1)).toBe(
            statuses[BITSTRING_STATUS_LIST_MIN_ENTRIES - 1],
          )
        },
      ),
      { numRuns: 15 },
    )
  })
})

import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import { isCivitasError } from '../errors/index.js'
import {
  BITSTRING_STATUS_LIST_MIN_ENTRIES,
  decodeBitstringStatusList,
  decodeStatusList2021,
  encodeBitstringStatusList,
  encodeBitstringStatusListBytes,
} from './bitstring-status-list.js'

// W3C Bitstring Status List v1.0, example BitstringStatusListCredential: 16 KB of zeros.
const SPEC_EMPTY_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : 'NOT_CIVITAS'
  }
  return undefined
}

describe('W3C Bitstring Status List (MSB-first, GZIP, multibase u)', () => {
  it('decodes the specification example: 131,072 zero entries', () => {
    const list = decodeBitstringStatusList(SPEC_EMPTY_LIST)
    expect(list.length).toBe(131_072)
    expect(list.bytes.every((b) => b === 0)).toBe(true)
    expect(codeOf(() => list.get(131_072))).toBe('STATUS_INDEX_OUT_OF_RANGE')
  })

  it('puts index 0 in the most significant bit of byte 0', () => {
    const statuses = new Uint8Array(BITSTRING_STATUS_LIST_MIN_ENTRIES)
    statuses[0] = 1
    statuses[9] = 1
    const list = decodeBitstringStatusList(encodeBitstringStatusList(statuses))
    expect(list.bytes[0]).toBe(0x80)
    expect(list.bytes[1]).toBe(0x40)
    expect(list.get(0)).toBe(1)
    expect(list.get(1)).toBe(0)
    expect(list.get(9)).toBe(1)
  })

  it('round-trips statusSize 2 and 12 entries', () => {
    for (const statusSize of [2, 12]) {
      const statuses = new Uint32Array(BITSTRING_STATUS_LIST_MIN_ENTRIES)
      for (const i of [0, 1, 77, 131_071]) statuses[i] = (i % (2 ** statusSize - 1)) + 1
      const list = decodeBitstringStatusList(encodeBitstringStatusList(statuses, { statusSize }), {
        statusSize,
      })
      expect(list.length).toBe(BITSTRING_STATUS_LIST_MIN_ENTRIES)
      for (const i of [0, 1, 2, 77, 78, 131_071]) expect(list.get(i)).toBe(statuses[i])
    }
  })

  it('rejects a list shorter than 131,072 entries with STATUS_LIST_TOO_SHORT', () => {
    expect(codeOf(() => encodeBitstringStatusList(new Uint8Array(1000)))).toBe('STATUS_LIST_TOO_SHORT')
    const short = `u${base64urlEncode(gzipSync(new Uint8Array(1024)))}`
    expect(codeOf(() => decodeBitstringStatusList(short))).toBe('STATUS_LIST_TOO_SHORT')
    // 16 KB holds 131,072 one-bit entries but only 65,536 two-bit ones.
    expect(codeOf(() => decodeBitstringStatusList(SPEC_EMPTY_LIST, { statusSize: 2 }))).toBe(
      'STATUS_LIST_TOO_SHORT',
    )
  })

  it('rejects an encodedList without the multibase prefix or with bad data', () => {
    expect(codeOf(() => decodeBitstringStatusList(SPEC_EMPTY_LIST.slice(1)))).toBe('STATUS_LIST_INVALID')
    expect(codeOf(() => decodeBitstringStatusList('uAAAA'))).toBe('STATUS_LIST_INVALID')
    expect(codeOf(() => decodeBitstringStatusList(`u${'A'.repeat(5)}`))).toBe('STATUS_LIST_INVALID')
  })

  it('encodes packed chain bytes as they are', () => {
    const bytes = new Uint8Array(16_384)
    bytes[3] = 0x01
    const list = decodeBitstringStatusList(encodeBitstringStatusListBytes(bytes))
    expect(list.get(31)).toBe(1)
  })

  it('decodes legacy StatusList2021 (no multibase prefix, padded base64 tolerated)', () => {
    const bytes = new Uint8Array(16_384)
    bytes[0] = 0x20
    const gz = gzipSync(bytes)
    for (const encoded of [base64urlEncode(gz), Buffer.from(gz).toString('base64')]) {
      const list = decodeStatusList2021(encoded)
      expect(list.get(2)).toBe(1)
      expect(list.get(0)).toBe(0)
    }
  })
})

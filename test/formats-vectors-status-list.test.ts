// Conformance: fixtures/status-list (the shared vectors, vendored byte for byte): IETF Token
// Status List test vectors and the W3C Bitstring Status List specification example.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  decodeBitstringStatusList,
  decodeJwt,
  decodeTokenStatusList,
  encodeTokenStatusList,
  isCivitasError,
  verifyJws,
  verifySdJwt,
  verifyStatusListToken,
} from '@civitas/core'
import { describe, expect, it } from 'vitest'

const dir = fileURLToPath(new URL('./fixtures/status-list/', import.meta.url))

function load(name: string) {
  return JSON.parse(readFileSync(`${dir}${name}`, 'utf8'))
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : 'NOT_CIVITAS'
  }
  return undefined
}

describe('vectors: status-list', () => {
  const tokenVectors = readdirSync(dir).filter((f) => /^ietf-tsl-\dbit-.*\.json$/.test(f))

  for (const file of tokenVectors) {
    it(`${file}: decodes every listed status and rejects out of range`, () => {
      const vector = load(file)
      const list = decodeTokenStatusList(vector.input.status_list)
      expect(list.length).toBe(vector.expected.entryCount)
      expect(list.bytes.length).toBe(vector.expected.uncompressedByteLength ?? list.bytes.length)
      if (vector.expected.statuses) {
        expect(Array.from({ length: list.length }, (_, i) => list.get(i))).toEqual(vector.expected.statuses)
      }
      const listed = { ...vector.expected.statusesAtIndex, ...vector.expected.spotChecks }
      for (const [index, status] of Object.entries(listed)) expect(list.get(Number(index))).toBe(status)
      if ('allOtherIndicesAre' in vector.expected) {
        let others = 0
        for (let i = 0; i < list.length; i++)
          if (!(i in listed) && list.get(i) !== vector.expected.allOtherIndicesAre) others++
        expect(others).toBe(0)
      }
      expect(codeOf(() => list.get(vector.expected.outOfBounds.index))).toBe('STATUS_INDEX_OUT_OF_RANGE')
    })

    it(`${file}: our encoder reproduces the reference encoding`, () => {
      const vector = load(file)
      const list = decodeTokenStatusList(vector.input.status_list)
      const statuses = Array.from({ length: list.length }, (_, i) => list.get(i))
      expect(encodeTokenStatusList(statuses, { bits: list.bits as 1 | 2 | 4 | 8 })).toEqual(
        vector.input.status_list,
      )
    })
  }

  it('w3c-bsl-spec-empty-16kb: decodes 131,072 zero entries, index 131,072 is out of range', () => {
    const vector = load('w3c-bsl-spec-empty-16kb.json')
    const list = decodeBitstringStatusList(vector.input.encodedList, { statusSize: vector.input.statusSize })
    expect(list.length).toBe(vector.expected.entryCount)
    expect(list.bytes.length).toBe(vector.expected.uncompressedByteLength)
    expect(list.bytes.every((b) => b === 0)).toBe(true)
    for (const [index, status] of Object.entries(vector.expected.statusAt))
      expect(list.get(Number(index))).toBe(status)
    expect(codeOf(() => list.get(vector.expected.outOfRange.index))).toBe('STATUS_INDEX_OUT_OF_RANGE')
  })

  it('ietf-tsl-status-list-token-jwt: signature verifies and the list reads as the draft says', async () => {
    const vector = load('ietf-tsl-status-list-token-jwt.json')
    const { header } = await verifyJws(vector.input.jwt, vector.verification.publicKeyJwk)
    expect(header).toMatchObject(vector.expected.header)
    const { payload } = decodeJwt(vector.input.jwt)
    expect(payload).toEqual(vector.expected.payload)
    const list = decodeTokenStatusList(payload.status_list as { bits: number; lst: string })
    expect(Array.from({ length: 16 }, (_, i) => list.get(i))).toEqual(vector.expected.statuses_idx0_to_15)
  })

  it('ietf-tsl-referenced-token-sdjwt: the SD-JWT verifies and its status.status_list entry reads INVALID', async () => {
    const vector = load('ietf-tsl-referenced-token-sdjwt.json')
    const token = load('ietf-tsl-status-list-token-jwt.json')
    const referenced = await verifySdJwt(vector.input.referencedToken, {
      publicJwk: vector.verification.issuerPublicKeyJwk,
      profile: 'sd-jwt',
      now: 1_683_000_000,
    })
    expect(referenced.errors).toEqual([])
    const reference = (referenced.claims!.status as { status_list: { idx: number; uri: string } }).status_list
    expect(reference).toEqual(vector.expected.status_list)
    const verified = await verifyStatusListToken(token.input.jwt, {
      publicJwk: token.verification.publicKeyJwk,
      uri: reference.uri,
      now: token.expected.payload.iat,
    })
    expect(verified.errors).toEqual([])
    expect(verified.list?.get(reference.idx)).toBe(vector.expected.statusValue)
  })
})

import { describe, expect, it } from 'vitest'
import { assertJsonDepth, parseJson } from '../encoding/json.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, assertRecord, assertString, isRecord, limitOption } from './index.js'

const hostile = [
  { toString: null },
  {
    [Symbol.toPrimitive]: () => {
      throw new Error('boom')
    },
  },
  Object.create(null),
  10n,
  Symbol('s'),
  () => 1,
  Number.NaN,
  'x'.repeat(10_000),
]

describe('describeValue (messages built from untrusted values)', () => {
  it('never throws and never calls the value', () => {
    for (const value of hostile) expect(typeof describeValue(value)).toBe('string')
  })
  it('cuts long strings', () => {
    expect(describeValue('x'.repeat(10_000)).length).toBeLessThan(80)
  })
})

describe('guards', () => {
  it('names the argument in the message', () => {
    expect(() => assertRecord(null, 'options')).toThrow(/options must be an object, got null/)
    expect(() => assertString(5, 'options.did')).toThrow(/options.did must be a string, got number/)
  })
  it('refuses NaN, Infinity, fractions and out-of-range integers', () => {
    for (const value of [Number.NaN, Infinity, 1.5, 2 ** 53, '1']) {
      expect(() => assertInteger(value, 'length')).toThrow(CivitasError)
    }
    expect(() => assertInteger(0, 'length', { min: 1 })).toThrow(/between 1 and/)
    expect(limitOption(undefined, 'max', 7)).toBe(7)
    expect(() => limitOption(Number.NaN, 'max', 7)).toThrow(/max must be an integer/)
  })
  it('isRecord is false for arrays, null and bytes', () => {
    expect([null, [], new Uint8Array(1), 'x'].map(isRecord)).toEqual([false, false, false, false])
    expect(isRecord({})).toBe(true)
  })
})

describe('bounded JSON', () => {
  it('refuses a document nested deeper than the limit without overflowing the stack', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`
    expect(() => parseJson(deep, 'DID_DOCUMENT_INVALID')).toThrow(/deeper than 64/)
    let value: unknown = 1
    for (let i = 0; i < 100_000; i++) value = [value]
    expect(() => assertJsonDepth(value, 64, 'INVALID_ARGUMENT')).toThrow(CivitasError)
  })
  it('turns a syntax error into the given code', () => {
    try {
      parseJson('{', 'DID_DOCUMENT_INVALID')
      expect.unreachable()
    } catch (error) {
      expect((error as CivitasError).code).toBe('DID_DOCUMENT_INVALID')
    }
  })
})

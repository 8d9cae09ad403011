/**
 * Values an attacker (or a careless caller) hands to a public function: wrong types, numbers
 * that break comparisons (NaN) or allocations (2**53), strings that break encoders (a lone
 * surrogate) or limits (huge), objects that break message formatting (`toString: null`),
 * recursion (cyclic, deeply nested) or lookups (`__proto__`, `constructor` keys).
 */

export type Hostile = readonly [label: string, value: unknown]

/** Deep enough to overflow any recursive walk (structuredClone, JSON.stringify, canonicalisation). */
const DEPTH = 100_000

function deepArray(depth: number): unknown {
  let value: unknown = []
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

function deepObject(depth: number): unknown {
  let value: unknown = {}
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

function hugeObject(keys: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < keys; i++) out[`k${i}`] = i
  return out
}

/** Fresh values per call: a function under test may mutate what it is given. */
export function hostileValues(): Hostile[] {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  cyclic.list = [cyclic]
  const cyclicArray: unknown[] = []
  cyclicArray.push(cyclicArray)
  return [
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['0', 0],
    ['NaN', Number.NaN],
    ['-1', -1],
    ['1.5', 1.5],
    ['2**53', 2 ** 53],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['empty string', ''],
    ['lone surrogate', '\uD800'],
    ['huge string', 'a'.repeat(4 * 1024 * 1024)],
    ['tilde string', '~~~~'],
    ['bigint', 10n],
    ['huge bigint', 2n ** 300n],
    ['symbol', Symbol('hostile')],
    ['function', () => undefined],
    ['cyclic object', cyclic],
    ['cyclic array', cyclicArray],
    ['toString null', { toString: null, valueOf: null }],
    ['JSON with toString null', JSON.parse('{"toString":null,"valueOf":null,"kty":{"toString":null}}')],
    ['__proto__ key', JSON.parse('{"__proto__":{"polluted":true},"kty":"EC"}')],
    ['constructor key', { constructor: 'x', hasOwnProperty: 1 }],
    ['null prototype', Object.create(null)],
    ['empty array', []],
    ['array of null', [null]],
    ['array of hostile objects', [{ toString: null }, cyclic]],
    ['huge array', new Array(100_000).fill(0)],
    ['huge array-like', { length: 2 ** 53 }],
    ['huge object', hugeObject(20_000)],
    ['deep array', deepArray(DEPTH)],
    ['deep object', deepObject(DEPTH)],
    ['empty bytes', new Uint8Array(0)],
    ['huge bytes', new Uint8Array(2 * 1024 * 1024)],
    ['invalid date', new Date(Number.NaN)],
    ['promise', Promise.resolve(1)],
  ]
}

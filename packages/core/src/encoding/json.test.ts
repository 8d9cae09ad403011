import { describe, expect, it } from 'vitest'
import { CivitasError } from '../errors/index.js'
import { assertJsonDepth, assertJsonValue, parseJson } from './json.js'

function thrown(fn: () => unknown): CivitasError | string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof CivitasError ? error : `raw ${(error as Error)?.name}`
  }
  return undefined
}

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: 1 }
  value.self = value
  value.list = [value]
  return value
}

/** `{ a: x, b: x }` nested `levels` times: 2^levels paths through `levels` objects. */
function sharedChain(levels: number, reads: { count: number }): unknown {
  let value: unknown = {}
  for (let i = 0; i < levels; i++) {
    const next = value
    const node = {}
    for (const key of ['a', 'b']) {
      Object.defineProperty(node, key, {
        enumerable: true,
        get: () => {
          reads.count++
          return next
        },
      })
    }
    value = node
  }
  return value
}

describe('assertJsonDepth: every limit is checked before the walk (a cyclic value with no real bound used to walk forever)', () => {
  it.each([
    ['2**53', 2 ** 53],
    ['NaN', Number.NaN],
    ['-1', -1],
    ['0', 0],
    ['1.5', 1.5],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['1,001 (over the ceiling of 1,000)', 1001],
    ['a string', '64'],
  ])('maxDepth %s is INVALID_ARGUMENT, for a plain and a cyclic value', (_label, maxDepth) => {
    for (const value of [{ a: [1] }, cyclic()]) {
      const error = thrown(() => assertJsonDepth(value, maxDepth as number, 'DID_DOCUMENT_INVALID'))
      expect(error).toBeInstanceOf(CivitasError)
      expect((error as CivitasError).code).toBe('INVALID_ARGUMENT')
      expect((error as CivitasError).details).toMatchObject({ argument: 'maxDepth' })
    }
  })

  it('maxDepth undefined is the default of 64', () => {
    let value: unknown = 1
    for (let i = 0; i < 64; i++) value = [value]
    expect(thrown(() => assertJsonDepth(value, undefined as never, 'INVALID_ARGUMENT'))).toBeUndefined()
    expect(
      (thrown(() => assertJsonDepth([value], undefined as never, 'INVALID_ARGUMENT')) as Error).message,
    ).toMatch(/deeper than 64/)
  })

  it.each([
    ['undefined', undefined],
    ['a symbol', Symbol('code')],
    ['an object', { toString: null }],
    ['lower case', 'invalid_argument'],
    ['a huge string', 'A'.repeat(1_000_000)],
  ])('a code that is %s is INVALID_ARGUMENT, not a CivitasError carrying it', (_label, code) => {
    const error = thrown(() => assertJsonDepth({}, 8, code as never))
    expect((error as CivitasError).code).toBe('INVALID_ARGUMENT')
  })

  it('a `what` that is not a string is INVALID_ARGUMENT; a long one is cut in the message', () => {
    expect(
      (thrown(() => assertJsonDepth({}, 8, 'CLAIM_INVALID', Symbol('x') as never)) as CivitasError).code,
    ).toBe('INVALID_ARGUMENT')
    const error = thrown(() =>
      assertJsonDepth([[1]], 1, 'CLAIM_INVALID', 'w'.repeat(100_000)),
    ) as CivitasError
    expect(error.code).toBe('CLAIM_INVALID')
    expect(error.message.length).toBeLessThan(300)
  })
})

describe('assertJsonDepth: cycles, shared objects, hostile members', () => {
  it('a cyclic object or array is refused with the caller code as a cycle, at any depth bound', () => {
    const cyclicArray: unknown[] = []
    cyclicArray.push(cyclicArray)
    for (const value of [cyclic(), cyclicArray, { deep: [[{ x: cyclic() }]] }]) {
      for (const maxDepth of [8, 64, 1000]) {
        const error = thrown(() =>
          assertJsonDepth(value, maxDepth, 'QUERY_INVALID', 'the query'),
        ) as CivitasError
        expect(error.code).toBe('QUERY_INVALID')
        expect(error.details).toEqual({ cyclic: true })
        expect(error.message).toMatch(/^the query contains itself/)
      }
    }
  })

  it('an object shared by two members is no cycle and is read once (2^20 paths, 20 objects)', () => {
    const reads = { count: 0 }
    const value = sharedChain(20, reads)
    expect(thrown(() => assertJsonDepth(value, 64, 'INVALID_ARGUMENT'))).toBeUndefined()
    // Two getters per object, each read once: the old walk read them once per path (2^21 times).
    expect(reads.count).toBe(40)
  })

  it('a shared object met again deeper down is measured at its new depth', () => {
    const x = { a: { b: { c: 1 } } } // three levels
    expect(thrown(() => assertJsonDepth({ first: x, second: [x] }, 5, 'INVALID_ARGUMENT'))).toBeUndefined()
    const error = thrown(() => assertJsonDepth({ first: x, second: [[[x]]] }, 5, 'INVALID_ARGUMENT'))
    expect((error as CivitasError).message).toMatch(/deeper than 5/)
  })

  it('a member whose getter throws is refused with the caller code, not the getter error', () => {
    const value = {
      get bad(): never {
        throw new TypeError('boom')
      },
    }
    expect((thrown(() => assertJsonDepth({ value }, 8, 'CLAIM_INVALID')) as CivitasError).code).toBe(
      'CLAIM_INVALID',
    )
  })

  it('100,000 levels and 2 MiB of bytes are answered without a stack overflow', () => {
    let deep: unknown = {}
    for (let i = 0; i < 100_000; i++) deep = { a: deep }
    expect((thrown(() => assertJsonDepth(deep, 1000, 'CLAIM_INVALID')) as CivitasError).code).toBe(
      'CLAIM_INVALID',
    )
    expect(
      thrown(() => assertJsonDepth({ b: new Uint8Array(2 * 1024 * 1024) }, 2, 'CLAIM_INVALID')),
    ).toBeUndefined()
    expect(thrown(() => assertJsonDepth({ b: new Uint8Array(1) }, 1, 'CLAIM_INVALID'))).toBeInstanceOf(
      CivitasError,
    )
  })
})

describe('assertJsonValue (what signJws and createDisclosure accept)', () => {
  it('refuses a cycle as a cycle, and BigInts and bytes anywhere, root included', () => {
    expect((thrown(() => assertJsonValue(cyclic(), 64, 'INVALID_ARGUMENT')) as CivitasError).details).toEqual(
      {
        cyclic: true,
      },
    )
    for (const value of [1n, { a: [2n] }, new Uint8Array(1), { a: new ArrayBuffer(1) }]) {
      expect((thrown(() => assertJsonValue(value, 64, 'INVALID_ARGUMENT')) as CivitasError).code).toBe(
        'INVALID_ARGUMENT',
      )
    }
  })

  it('checks its limits as assertJsonDepth does', () => {
    expect((thrown(() => assertJsonValue(cyclic(), 2 ** 53, 'CLAIM_INVALID')) as CivitasError).code).toBe(
      'INVALID_ARGUMENT',
    )
  })
})

describe('parseJson', () => {
  it('a syntax error and a too deep document carry the caller code', () => {
    expect((thrown(() => parseJson('{', 'SNAPSHOT_INVALID')) as CivitasError).code).toBe('SNAPSHOT_INVALID')
    const error = thrown(() => parseJson('[[[1]]]', 'SNAPSHOT_INVALID', { maxDepth: 2, what: 'the file' }))
    expect((error as CivitasError).message).toBe('the file nests deeper than 2 levels')
    expect(parseJson('[[1]]', 'SNAPSHOT_INVALID', { maxDepth: 2 })).toEqual([[1]])
  })

  it.each([
    ['maxDepth 2**53', { maxDepth: 2 ** 53 }],
    ['maxDepth NaN', { maxDepth: Number.NaN }],
    ['maxDepth -1', { maxDepth: -1 }],
    ['what a symbol', { what: Symbol('w') }],
    ['options null', null],
    ['options an array', []],
  ])('%s is INVALID_ARGUMENT', (_label, options) => {
    expect((thrown(() => parseJson('{}', 'SNAPSHOT_INVALID', options as never)) as CivitasError).code).toBe(
      'INVALID_ARGUMENT',
    )
  })

  it('text that is not a string is INVALID_ARGUMENT (JSON.parse would call its toString)', () => {
    for (const text of [{ toString: null }, Symbol('t'), 5, undefined]) {
      expect((thrown(() => parseJson(text as never, 'SNAPSHOT_INVALID')) as CivitasError).code).toBe(
        'INVALID_ARGUMENT',
      )
    }
  })
})

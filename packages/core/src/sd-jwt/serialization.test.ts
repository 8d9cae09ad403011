import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { joinSdJwt, splitSdJwt } from './serialization.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `raw ${String(error)}`
  }
  return undefined
}

describe('splitSdJwt / joinSdJwt arguments', () => {
  const token = 'eyJhbGciOiJFUzI1NiJ9.e30.AA~WyJzIiwibiIsMV0~'

  it('limits that are NaN, negative or not numbers are INVALID_ARGUMENT (a NaN limit would switch the check off)', () => {
    for (const options of [
      { maxLength: Number.NaN },
      { maxLength: -1 },
      { maxLength: '9' },
      { maxDisclosures: Number.NaN },
      { maxDisclosures: -1 },
      null,
    ]) {
      expect(codeOf(() => splitSdJwt(token, options as never))).toBe('INVALID_ARGUMENT')
    }
    expect(splitSdJwt(token, { maxDisclosures: 1 }).disclosures).toHaveLength(1)
    expect(codeOf(() => splitSdJwt(token, { maxDisclosures: 0 }))).toBe('SD_TOO_MANY_DISCLOSURES')
  })

  it('joinSdJwt with null or wrongly typed parts is INVALID_ARGUMENT, not a TypeError', () => {
    expect(codeOf(() => joinSdJwt(null as never, []))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => joinSdJwt('a.b.c', null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => joinSdJwt('a.b.c', [5 as never]))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => joinSdJwt('a.b.c', [], { toString: null } as never))).toBe('INVALID_ARGUMENT')
    expect(joinSdJwt('a.b.c', ['d1', 'd2'], 'kb')).toBe('a.b.c~d1~d2~kb')
  })
})

import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { createDisclosure, parseDisclosure } from './disclosure.js'
import { type SdHashAlgorithm, sdDigest } from './hash.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `raw ${String(error)}`
  }
  return undefined
}

describe('createDisclosure and sdDigest guard their arguments: no node:crypto or JSON error escapes raw', () => {
  it.each([
    ['an unknown hash', () => sdDigest('md5' as SdHashAlgorithm, 'x')],
    ['an inherited name as hash', () => sdDigest('constructor' as SdHashAlgorithm, 'x')],
    ['a hash with toString: null', () => sdDigest({ toString: null } as never, 'x')],
    ['a non-string input', () => sdDigest('sha-256', 5 as never)],
    ['createDisclosure with an unknown hash', () => createDisclosure('sha-1' as SdHashAlgorithm, 'v', 'n')],
    ['a BigInt value', () => createDisclosure('sha-256', 1n, 'n')],
    [
      'a cyclic value',
      () => {
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        return createDisclosure('sha-256', cyclic, 'n')
      },
    ],
    ['an undefined value (JSON would turn it into null)', () => createDisclosure('sha-256', undefined, 'n')],
    ['a function value', () => createDisclosure('sha-256', () => 1)],
    ['a numeric name', () => createDisclosure('sha-256', 'v', 5 as never)],
  ])('%s: INVALID_ARGUMENT', (_name, fn) => {
    expect(codeOf(fn)).toBe('INVALID_ARGUMENT')
  })

  it('a reserved name is SD_CLAIM_NAME_RESERVED; a valid Disclosure round-trips through parseDisclosure', () => {
    expect(codeOf(() => createDisclosure('sha-256', 1, '_sd'))).toBe('SD_CLAIM_NAME_RESERVED')
    const d = createDisclosure('sha-384', { street: 'Königsallee' }, 'address')
    expect(parseDisclosure('sha-384', d.encoded)).toEqual(d)
    expect(sdDigest('sha-384', d.encoded)).toBe(d.digest)
  })

  it('a Disclosure nested 5,000 levels deep is SD_DISCLOSURE_INVALID', () => {
    const deep = Buffer.from(`["salt","n",${'['.repeat(5000)}${']'.repeat(5000)}]`).toString('base64url')
    expect(codeOf(() => parseDisclosure('sha-256', deep))).toBe('SD_DISCLOSURE_INVALID')
  })
})

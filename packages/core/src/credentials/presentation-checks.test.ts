import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { bindingErrors, checkPresentationOptions, presentationHolder } from './presentation-checks.js'

const expected = { nonce: 'n-1', audience: 'https://verifier.example' }
const codes = (claims: Record<string, unknown>, holder?: unknown) =>
  bindingErrors(claims, holder, expected).map((e) => e.code)

describe('presentation binding (OpenID4VP: nonce and aud name this request and this verifier)', () => {
  it('a presentation for this challenge and this verifier has no binding error', () => {
    expect(codes({ nonce: 'n-1', aud: 'https://verifier.example' })).toEqual([])
    expect(codes({ nonce: 'n-1', aud: ['https://other.example', 'https://verifier.example'] })).toEqual([])
  })

  it('another nonce, another or no audience, each its own code', () => {
    expect(codes({ nonce: 'n-2', aud: 'https://verifier.example' })).toEqual(['NONCE_MISMATCH'])
    expect(codes({ nonce: 'n-1', aud: 'https://other.example' })).toEqual(['AUDIENCE_MISMATCH'])
    expect(codes({ aud: ['x'] })).toEqual(['NONCE_MISMATCH', 'AUDIENCE_MISMATCH'])
  })

  it('an iss that is not the holder is CLAIM_INVALID (a holder object counts by its id)', () => {
    const claims = { nonce: 'n-1', aud: 'https://verifier.example', iss: 'did:example:a' }
    expect(codes(claims, 'did:example:a')).toEqual([])
    expect(codes(claims, { id: 'did:example:a' })).toEqual([])
    expect(codes(claims, 'did:example:b')).toEqual(['CLAIM_INVALID'])
    expect(bindingErrors(claims, 'did:example:b', expected)[0]?.check).toBe('binding')
  })
})

describe('the holder a presentation names', () => {
  it('iss, else the holder member, else the DID of the kid', () => {
    expect(presentationHolder('did:example:iss', 'did:example:holder', 'did:example:kid#1')).toBe(
      'did:example:iss',
    )
    expect(presentationHolder(undefined, { id: 'did:example:holder' }, 'did:example:kid#1')).toBe(
      'did:example:holder',
    )
    expect(presentationHolder(undefined, undefined, 'did:example:kid#1')).toBe('did:example:kid')
    expect(presentationHolder(undefined, undefined, undefined)).toBeUndefined()
  })
})

describe('presentation options', () => {
  it.each([
    ['no nonce', { audience: 'a' }],
    ['an empty audience', { nonce: 'n', audience: '' }],
    ['maxCredentials NaN', { nonce: 'n', audience: 'a', maxCredentials: Number.NaN }],
    ['concurrency 2**53', { nonce: 'n', audience: 'a', concurrency: 2 ** 53 }],
    ['credentials.getKey that is no function', { nonce: 'n', audience: 'a', credentials: { getKey: 5 } }],
  ])('%s is INVALID_ARGUMENT', (_label, options) => {
    let error: unknown
    try {
      checkPresentationOptions(options as never)
    } catch (thrown) {
      error = thrown
    }
    expect(isCivitasError(error, 'INVALID_ARGUMENT')).toBe(true)
  })

  it('defaults: 64 credentials, 8 at once, no issuer keys unless given', () => {
    expect(checkPresentationOptions({ nonce: 'n', audience: 'a' })).toEqual({
      maxCredentials: 64,
      concurrency: 8,
      issuerKeys: undefined,
    })
  })
})

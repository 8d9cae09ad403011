import { describe, expect, it } from 'vitest'
import { CivitasError, isCivitasError, toCivitasError } from './index.js'

describe('CivitasError', () => {
  it('carries a stable code, details and the cause it was raised for', () => {
    const cause = new TypeError('boom')
    const error = new CivitasError('KEY_INVALID', 'bad key', { cause, details: { crv: 'P-256' } })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('CivitasError')
    expect(error.code).toBe('KEY_INVALID')
    expect(error.cause).toBe(cause)
    expect(error.details).toEqual({ crv: 'P-256' })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'CivitasError',
      code: 'KEY_INVALID',
      message: 'bad key',
      details: { crv: 'P-256' },
    })
  })

  it('isCivitasError narrows by code', () => {
    const error = new CivitasError('DID_INVALID', 'x')
    expect(isCivitasError(error)).toBe(true)
    expect(isCivitasError(error, 'DID_INVALID')).toBe(true)
    expect(isCivitasError(error, 'DID_NOT_FOUND')).toBe(false)
    expect(isCivitasError(new Error('x'))).toBe(false)
  })

  it('toCivitasError keeps the precise code of an existing CivitasError and wraps the rest', () => {
    const precise = new CivitasError('SIGNATURE_INVALID', 'x')
    expect(toCivitasError(precise, 'INVALID_JWS', 'y')).toBe(precise)
    const wrapped = toCivitasError(new RangeError('deep'), 'INVALID_JWS', 'y')
    expect(wrapped.code).toBe('INVALID_JWS')
    expect(wrapped.cause).toBeInstanceOf(RangeError)
  })
})

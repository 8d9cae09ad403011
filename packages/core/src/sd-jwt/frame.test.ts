import { afterEach, describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { disclosureFrameFromPointers, presentationFrameFromPointers } from './frame.js'
import { issueSdJwt } from './issue.js'
import { presentSdJwt } from './present.js'
import { verifySdJwt } from './verify.js'

// Pointers and frames come from outside (a verifier's request names the claims it wants):
// a segment like "__proto__" must name a claim, never reach Object.prototype.
describe('disclosure and presentation frames: claim names are data', () => {
  afterEach(() => {
    for (const target of [Object.prototype, Object] as Record<string, unknown>[]) {
      delete target.polluted
      delete target._sd
    }
  })

  it('pointers through __proto__ or constructor build own members and pollute nothing', () => {
    const presentation = presentationFrameFromPointers(['/__proto__/polluted', '/constructor/x'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.hasOwn(presentation as object, '__proto__')).toBe(true)
    const disclosure = disclosureFrameFromPointers(['/__proto__/a', '/constructor/b'])
    expect((Object as unknown as Record<string, unknown>)._sd).toBeUndefined()
    expect(({} as Record<string, unknown>)._sd).toBeUndefined()
    expect(Object.hasOwn(disclosure, '__proto__')).toBe(true)
  })

  it('a pointer under one already revealed in full reveals nothing else', () => {
    expect(presentationFrameFromPointers(['/address', '/address/locality'])).toEqual({ address: true })
  })

  it('a pointer naming a frame member (_sd, _sd_decoy) is refused', () => {
    for (const pointer of ['/_sd', '/a/_sd_decoy']) {
      let code: string | undefined
      try {
        disclosureFrameFromPointers([pointer])
      } catch (error) {
        code = isCivitasError(error) ? error.code : 'NOT_CIVITAS'
      }
      expect(code).toBe('INVALID_ARGUMENT')
    }
  })

  it('claims named constructor, toString and __proto__ issue, and disclose only when asked', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256')
    const claims = JSON.parse('{"__proto__":"secret","constructor":"c","toString":"t","a":1}')
    const token = await issueSdJwt(claims, ['/__proto__', '/constructor', '/toString', '/a'], {
      signer: localSigner(privateJwk),
    })
    const presented = await presentSdJwt(token, { disclose: { a: true } })
    const result = await verifySdJwt(presented, { publicJwk: publicJwk, profile: 'sd-jwt' })
    expect(result.errors).toEqual([])
    expect(Object.keys(result.claims ?? {})).toEqual(['a'])
    const all = await verifySdJwt(await presentSdJwt(token, { disclose: true }), {
      publicJwk: publicJwk,
      profile: 'sd-jwt',
    })
    expect(Object.keys(all.claims ?? {}).sort()).toEqual(['__proto__', 'a', 'constructor', 'toString'])
    expect(Object.getPrototypeOf(all.claims)).toBe(Object.prototype)
  })
})

describe('frames from pointers: arguments that are not arrays', () => {
  it.each([null, undefined, 'a', 5, { toString: null }])('%s: INVALID_ARGUMENT', (value) => {
    for (const fn of [disclosureFrameFromPointers, presentationFrameFromPointers]) {
      expect(() => fn(value as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    }
    expect(() => disclosureFrameFromPointers([{ toString: null } as never])).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

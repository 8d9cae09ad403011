import { createPrivateKey, sign as platformSign } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { isCivitasError } from '../errors/index.js'
import { derToJose } from '../keys/ecdsa.js'
import { generateKeyPair } from '../keys/generate.js'
import type { Signer } from '../keys/signer.js'
import { decodeJws } from './decode.js'
import { signJws } from './sign.js'
import { verifyJws } from './verify.js'

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string } | undefined> {
  try {
    await promise
  } catch (error) {
    return isCivitasError(error)
      ? { code: error.code, message: error.message }
      : { message: `raw ${String(error)}` }
  }
  return undefined
}

const n = secp256k1.Point.CURVE().n

/** A KMS-like signer: OpenSSL signs, and the adapter hands back high S every time. */
async function highSSigner(): Promise<{ signer: Signer; publicJwk: import('../keys/algorithms.js').Jwk }> {
  const { privateJwk, publicJwk } = await generateKeyPair('ES256K')
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' })
  const signer: Signer = {
    alg: 'ES256K',
    async sign(data) {
      const sig = secp256k1.Signature.fromBytes(
        platformSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
      )
      const s = sig.s > n >> 1n ? sig.s : n - sig.s
      return new secp256k1.Signature(sig.r, s).toBytes('compact')
    },
  }
  return { signer, publicJwk }
}

describe('signJws normalises ES256K to low S for every Signer, not only localSigner', () => {
  it('a custom signer returning high S yields a low-S token that still verifies', async () => {
    const { signer, publicJwk } = await highSSigner()
    for (let i = 0; i < 4; i++) {
      const jws = await signJws({ i }, signer)
      const { signature } = decodeJws(jws)
      const s = secp256k1.Signature.fromBytes(signature, 'compact').s
      expect(s <= n >> 1n).toBe(true)
      await expect(verifyJws(jws, publicJwk)).resolves.toMatchObject({ alg: 'ES256K' })
    }
  })

  it('a KMS adapter that returns DER converts with derToJose; handing DER to signJws is SIGNER_FAILED', async () => {
    const { privateJwk, publicJwk } = await generateKeyPair('ES256')
    const key = createPrivateKey({ key: privateJwk, format: 'jwk' })
    const der: Signer = { alg: 'ES256', sign: async (data) => platformSign('sha256', data, key) }
    const result = await failure(signJws({ a: 1 }, der))
    expect(result?.code).toBe('SIGNER_FAILED')
    expect(result?.message).toContain('derToJose')
    const adapter: Signer = { alg: 'ES256', sign: async (data) => derToJose(await der.sign(data), 'ES256') }
    await expect(verifyJws(await signJws({ a: 1 }, adapter), publicJwk)).resolves.toMatchObject({
      alg: 'ES256',
    })
  })

  it('a signer that throws a raw error is SIGNER_FAILED with the error as cause', async () => {
    const boom = new Error('HSM offline')
    const signer: Signer = {
      alg: 'EdDSA',
      sign: async () => {
        throw boom
      },
    }
    expect((await failure(signJws({}, signer)))?.code).toBe('SIGNER_FAILED')
  })

  it('a malformed signer is INVALID_ARGUMENT naming the member at fault', async () => {
    const result = await failure(
      signJws({}, { alg: 'ES256', kid: 7, sign: async () => new Uint8Array(64) } as never),
    )
    expect(result).toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(result?.message).toContain('signer.kid')
  })
})

describe('signJws with values JSON cannot carry: INVALID_ARGUMENT, not a raw TypeError', () => {
  it.each([
    ['a BigInt payload member', () => ({ n: 1n })],
    [
      'a cyclic payload',
      () => {
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        return cyclic
      },
    ],
  ])('%s', async (_name, payload) => {
    const { privateJwk } = await generateKeyPair('ES256')
    const { localSigner } = await import('../keys/signer.js')
    expect((await failure(signJws(payload(), localSigner(privateJwk))))?.code).toBe('INVALID_ARGUMENT')
    expect((await failure(signJws({}, localSigner(privateJwk), { x: payload() })))?.code).toBe(
      'INVALID_ARGUMENT',
    )
  })

  it('a payload or header that is not an object, and a header alg with toString: null', async () => {
    const { privateJwk } = await generateKeyPair('ES256')
    const { localSigner } = await import('../keys/signer.js')
    const signer = localSigner(privateJwk)
    expect((await failure(signJws(5 as never, signer)))?.code).toBe('INVALID_ARGUMENT')
    expect((await failure(signJws({}, signer, [] as never)))?.code).toBe('INVALID_ARGUMENT')
    expect((await failure(signJws({}, signer, { alg: { toString: null } })))?.code).toBe('ALG_KEY_MISMATCH')
  })
})

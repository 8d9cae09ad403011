import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64urlEncode } from '../encoding/base64url.js'
import { type CivitasErrorCode, isCivitasError } from '../errors/index.js'
import { ethereumAddressOfPublicKey, verifyJwsWithEthereumAddress } from './ethereum.js'
import vectors from './fixtures/rfc-jws.json' with { type: 'json' }
import { verifyJws } from './verify.js'

async function rejects(promise: Promise<unknown> | (() => unknown), code: CivitasErrorCode): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    if (!isCivitasError(error)) throw new Error(`expected CivitasError ${code}, got ${String(error)}`)
    expect(error.code).toBe(code)
    return
  }
  throw new Error(`expected CivitasError ${code}, but nothing was thrown`)
}

describe('ES256K-R (did-jwt recoverable signature)', () => {
  const v = vectors.rfc8812_es256k_did_jwt
  async function es256kR(payload: Record<string, unknown>, v27 = false): Promise<string> {
    const input = `${base64urlEncode(JSON.stringify({ alg: 'ES256K-R', typ: 'JWT' }))}.${base64urlEncode(JSON.stringify(payload))}`
    const sig = secp256k1.sign(sha256(new TextEncoder().encode(input)), Buffer.from(v.privateKeyHex, 'hex'), {
      prehash: false,
      format: 'recovered',
    })
    // noble puts the recovery bit first; did-jwt's ES256K-R puts it last (R||S||v).
    const joseSig = new Uint8Array([...sig.subarray(1), sig[0]! + (v27 ? 27 : 0)])
    return `${input}.${base64urlEncode(joseSig)}`
  }
  it('recovers the signer address from R||S||v, with v as 0/1 or 27/28', async () => {
    for (const v27 of [false, true]) {
      const jws = await es256kR({ iss: 'did:ethr:0x1' }, v27)
      await expect(verifyJwsWithEthereumAddress(jws, v.ethereumAddress)).resolves.toMatchObject({
        alg: 'ES256K-R',
      })
      await expect(
        verifyJwsWithEthereumAddress(jws, v.ethereumAddress.toUpperCase().replace('0X', '0x')),
      ).resolves.toBeDefined()
    }
  })
  it('rejects another address, an alg outside the allow-list and a non-address', async () => {
    const jws = await es256kR({ iss: 'x' })
    await rejects(verifyJwsWithEthereumAddress(jws, `0x${'ab'.repeat(20)}`), 'SIGNATURE_INVALID')
    await rejects(
      verifyJwsWithEthereumAddress(jws, v.ethereumAddress, { algorithms: ['ES256K'] }),
      'UNSUPPORTED_ALG',
    )
    await rejects(verifyJwsWithEthereumAddress(jws, 'not-an-address'), 'INVALID_ARGUMENT')
  })
  it('ES256K-R is not a JOSE-registered algorithm: verifyJws with a JWK refuses it', async () => {
    await rejects(verifyJws(await es256kR({}), v.publicJwk), 'UNSUPPORTED_ALG')
  })
  it('derives the Ethereum address of a public key', () => {
    const pub = secp256k1.getPublicKey(Buffer.from(v.privateKeyHex, 'hex'), false)
    expect(ethereumAddressOfPublicKey(pub)).toBe(v.ethereumAddress)
  })
})

describe('ES256K-R edge cases: v, r and s out of range', () => {
  const v = vectors.rfc8812_es256k_did_jwt
  const input = `${base64urlEncode('{"alg":"ES256K-R"}')}.${base64urlEncode('{}')}`
  const sig = secp256k1.sign(sha256(new TextEncoder().encode(input)), Buffer.from(v.privateKeyHex, 'hex'), {
    prehash: false,
    format: 'recovered',
  })
  const r = sig.subarray(1, 33)
  const s = sig.subarray(33)
  const n = Buffer.from(secp256k1.Point.CURVE().n.toString(16).padStart(64, '0'), 'hex')
  const token = (rBytes: Uint8Array, sBytes: Uint8Array, recovery: number) =>
    `${input}.${base64urlEncode(new Uint8Array([...rBytes, ...sBytes, recovery]))}`

  it('the genuine signature verifies', async () => {
    await expect(verifyJwsWithEthereumAddress(token(r, s, sig[0]!), v.ethereumAddress)).resolves.toBeDefined()
  })
  it.each([
    ['v = 2', () => token(r, s, 2)],
    ['v = 29', () => token(r, s, 29)],
    ['v = 255', () => token(r, s, 255)],
    ['r = 0', () => token(new Uint8Array(32), s, sig[0]!)],
    ['s = 0', () => token(r, new Uint8Array(32), sig[0]!)],
    ['r = n', () => token(n, s, sig[0]!)],
    ['s = n', () => token(r, n, sig[0]!)],
    ['the other recovery bit', () => token(r, s, sig[0]! ^ 1)],
  ])('%s: SIGNATURE_INVALID', async (_, make) => {
    await rejects(verifyJwsWithEthereumAddress(make(), v.ethereumAddress), 'SIGNATURE_INVALID')
  })
  it('an allow-list outside ES256K / ES256K-R is INVALID_ARGUMENT', async () => {
    await rejects(
      verifyJwsWithEthereumAddress(token(r, s, sig[0]!), v.ethereumAddress, {
        algorithms: ['HS256' as 'ES256K'],
      }),
      'INVALID_ARGUMENT',
    )
  })
})

describe('ethereumAddressOfPublicKey guards its argument', () => {
  // A missing or non-bytes key argument is the caller's mistake; bytes that are no key, a bad key.
  it.each([null, undefined, 'abc'])('%s: INVALID_ARGUMENT', (value) => {
    expect(() => ethereumAddressOfPublicKey(value as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
  it.each([new Uint8Array(64), new Uint8Array(65), new Uint8Array(33).fill(2)])(
    '%s: KEY_INVALID',
    (value) => {
      expect(() => ethereumAddressOfPublicKey(value as never)).toThrowError(
        expect.objectContaining({ code: 'KEY_INVALID' }),
      )
    },
  )
})

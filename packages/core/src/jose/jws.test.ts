import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { type CivitasErrorCode, isCivitasError } from '../errors/index.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { importJwk, jwkThumbprint } from '../keys/jwk.js'
import { localSigner } from '../keys/signer.js'
import { decodeJws, decodeJwt } from './decode.js'
import {
  ethereumAddressOfPublicKey,
  verifyDecodedJwsWithEthereumAddress,
  verifyJwsWithEthereumAddress,
} from './ethereum.js'
import vectors from './fixtures/rfc-jws.json' with { type: 'json' }
import { signJws } from './sign.js'
import { verifyDecodedJws, verifyJws } from './verify.js'

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

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** A validly signed JWS with any header: what another producer could send us. */
async function signWithRawHeader(header: Record<string, unknown>, privateJwk: Jwk): Promise<string> {
  const input = `${base64urlEncode(JSON.stringify(header))}.${base64urlEncode('{}')}`
  const signature = await localSigner(privateJwk).sign(new TextEncoder().encode(input))
  return `${input}.${base64urlEncode(signature)}`
}

describe('RFC 7515 Appendix A.3: ES256', () => {
  const v = vectors.rfc7515_a3_es256
  it('verifies the RFC signature, which has a high S value', async () => {
    const result = await verifyJws(v.jws, v.publicJwk)
    expect(result.alg).toBe('ES256')
    expect(text(result.payload)).toBe(v.payloadUtf8)
  })
  it('verifies the equivalent low-S signature', async () => {
    await expect(verifyJws(v.lowS, v.publicJwk)).resolves.toMatchObject({ alg: 'ES256' })
  })
  it('rejects the same signature DER-encoded (RFC 7518 §3.4 wants R||S)', async () => {
    await rejects(verifyJws(v.der, v.publicJwk), 'SIGNATURE_INVALID')
  })
  it('signs with the RFC key and verifies its own signature', async () => {
    const signer = localSigner({ ...v.publicJwk, d: v.d })
    const jws = await signJws(base64urlDecode(v.jws.split('.')[1]!), signer)
    expect(jws.split('.')[0]).toBe('eyJhbGciOiJFUzI1NiJ9')
    await expect(verifyJws(jws, v.publicJwk)).resolves.toMatchObject({ alg: 'ES256' })
  })
})

describe('RFC 8037 Appendix A: EdDSA with Ed25519', () => {
  const v = vectors.rfc8037_a4_ed25519
  it('A.4: verifies the RFC signature', async () => {
    const result = await verifyJws(v.jws, v.publicJwk)
    expect(text(result.payload)).toBe(v.payloadUtf8)
  })
  it('A.4: Ed25519 is deterministic, so signing reproduces the RFC signature byte for byte', async () => {
    const jws = await signJws(v.payloadUtf8, localSigner({ ...v.publicJwk, d: v.d }))
    expect(jws).toBe(v.jws)
  })
  it('A.3: RFC 7638 thumbprint', async () => {
    expect(await jwkThumbprint(v.publicJwk)).toBe(v.thumbprint)
  })
})

describe('RFC 8812: ES256K over secp256k1', () => {
  const v = vectors.rfc8812_es256k_did_jwt
  it('verifies a did-jwt ES256K token with a plain secp256k1 JWK', async () => {
    const result = await verifyJws(v.jws, v.publicJwk)
    expect(result.alg).toBe('ES256K')
  })
  it('verifies the same token against the Ethereum address of its key', async () => {
    await expect(verifyJwsWithEthereumAddress(v.jws, v.ethereumAddress)).resolves.toMatchObject({
      alg: 'ES256K',
    })
    await rejects(verifyJwsWithEthereumAddress(v.jws, `0x${'11'.repeat(20)}`), 'SIGNATURE_INVALID')
  })
  it('accepts a high-S ES256K signature (RFC 8812 does not require low S)', async () => {
    const [h, p, s] = v.jws.split('.') as [string, string, string]
    const sig = base64urlDecode(s)
    const n = secp256k1.Point.CURVE().n
    const sValue = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`)
    const flipped = (n - sValue).toString(16).padStart(64, '0')
    const highS = `${h}.${p}.${base64urlEncode(new Uint8Array([...sig.subarray(0, 32), ...Buffer.from(flipped, 'hex')]))}`
    await expect(verifyJws(highS, v.publicJwk)).resolves.toMatchObject({ alg: 'ES256K' })
  })
})

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
    await rejects(verifyJwsWithEthereumAddress(jws, 'not-an-address'), 'KEY_INVALID')
  })
  it('ES256K-R is not a JOSE-registered algorithm: verifyJws with a JWK refuses it', async () => {
    await rejects(verifyJws(await es256kR({}), v.publicJwk), 'UNSUPPORTED_ALG')
  })
  it('derives the Ethereum address of a public key', () => {
    const pub = secp256k1.getPublicKey(Buffer.from(v.privateKeyHex, 'hex'), false)
    expect(ethereumAddressOfPublicKey(pub)).toBe(v.ethereumAddress)
  })
})

describe('RFC 7520 cookbook: algorithms outside the Civitas allow-list are refused, not half-supported', () => {
  it('§4.4 HS256 is refused even with its own symmetric key', async () => {
    const v = vectors.rfc7520_4_4_hs256
    await rejects(verifyJws(v.jws, v.key as Jwk), 'UNSUPPORTED_ALG')
  })
  it('§4.1 RS256 and §4.3 ES512 are refused', async () => {
    await rejects(
      verifyJws(vectors.rfc7520_4_1_rs256.jws, vectors.rfc7515_a3_es256.publicJwk),
      'UNSUPPORTED_ALG',
    )
    await rejects(
      verifyJws(vectors.rfc7520_4_3_es512.jws, vectors.rfc7520_4_3_es512.publicJwk),
      'UNSUPPORTED_ALG',
    )
  })
})

describe('sign and verify round trip for every algorithm', () => {
  for (const alg of ['ES256', 'ES256K', 'ES384', 'EdDSA'] as SignatureAlgorithm[]) {
    it(`${alg}: signs a JWT with kid and typ, verifies it, and refuses a tampered payload`, async () => {
      const keys = await generateKeyPair(alg)
      const jws = await signJws(
        { sub: 'x', n: 1 },
        localSigner(keys.privateJwk, { kid: 'did:example:1#k' }),
        {
          typ: 'JWT',
        },
      )
      const decoded = decodeJwt(jws)
      expect(decoded.header).toEqual({ alg, kid: 'did:example:1#k', typ: 'JWT' })
      expect(decoded.payload).toEqual({ sub: 'x', n: 1 })
      await expect(verifyJws(jws, keys.publicJwk)).resolves.toMatchObject({ alg })
      const [h, , s] = jws.split('.')
      await rejects(
        verifyJws(`${h}.${base64urlEncode('{"sub":"y","n":1}')}.${s}`, keys.publicJwk),
        'SIGNATURE_INVALID',
      )
      const other = await generateKeyPair(alg)
      await rejects(verifyJws(jws, other.publicJwk), 'SIGNATURE_INVALID')
    })
  }

  it('honours a narrower allow-list', async () => {
    const keys = await generateKeyPair('EdDSA')
    const jws = await signJws({}, localSigner(keys.privateJwk))
    await rejects(verifyJws(jws, keys.publicJwk, { algorithms: ['ES256'] }), 'UNSUPPORTED_ALG')
    await rejects(
      verifyJws(jws, keys.publicJwk, { algorithms: ['HS256' as SignatureAlgorithm] }),
      'INVALID_ARGUMENT',
    )
  })

  it('refuses a signer whose alg is overridden in the header or that returns a DER signature', async () => {
    const keys = await generateKeyPair('ES256')
    const signer = localSigner(keys.privateJwk)
    await rejects(signJws({}, signer, { alg: 'ES384' }), 'ALG_KEY_MISMATCH')
    const derSigner = { alg: 'ES256' as const, sign: async () => new Uint8Array(71) }
    await rejects(signJws({}, derSigner), 'SIGNER_FAILED')
    const failing = {
      alg: 'ES256' as const,
      sign: async () => {
        throw new Error('HSM offline')
      },
    }
    await rejects(signJws({}, failing), 'SIGNER_FAILED')
  })
})

describe('bad input: each failure has its own code', () => {
  const v = vectors.rfc7515_a3_es256
  const [h, p, s] = v.jws.split('.') as [string, string, string]

  it('truncated JWS: INVALID_JWS', async () => {
    await rejects(verifyJws(`${h}.${p}`, v.publicJwk), 'INVALID_JWS')
    await rejects(verifyJws(`${h}.${p}.`, v.publicJwk), 'INVALID_JWS')
    await rejects(verifyJws(`${h}.${p}.${s}.x`, v.publicJwk), 'INVALID_JWS')
    await rejects(verifyJws('', v.publicJwk), 'INVALID_JWS')
    await rejects(verifyJws(42 as unknown as string, v.publicJwk), 'INVALID_JWS')
  })

  it('non-base64url segments: INVALID_ENCODING', async () => {
    await rejects(verifyJws(`${h}.${p}.${s.slice(0, -2)}+/`, v.publicJwk), 'INVALID_ENCODING')
    await rejects(verifyJws(`${h}=.${p}.${s}`, v.publicJwk), 'INVALID_ENCODING')
    await rejects(verifyJws(`${h}.${p}!.${s}`, v.publicJwk), 'INVALID_ENCODING')
    await rejects(verifyJws(`${base64urlEncode('not json')}.${p}.${s}`, v.publicJwk), 'INVALID_ENCODING')
    await rejects(verifyJws(`${base64urlEncode('[1]')}.${p}.${s}`, v.publicJwk), 'INVALID_ENCODING')
  })

  it('alg none: UNSECURED_JWS, whatever the case and even with a signature', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const header = base64urlEncode(JSON.stringify({ alg }))
      await rejects(verifyJws(`${header}.${p}.${s}`, v.publicJwk), 'UNSECURED_JWS')
    }
  })

  it('HS256 with a public key as the HMAC secret: UNSUPPORTED_ALG', async () => {
    const { createHmac } = await import('node:crypto')
    const header = base64urlEncode(JSON.stringify({ alg: 'HS256' }))
    // The classic confusion attack: MAC with the verifier's public key bytes.
    const mac = createHmac('sha256', JSON.stringify(v.publicJwk)).update(`${header}.${p}`).digest('base64url')
    await rejects(verifyJws(`${header}.${p}.${mac}`, v.publicJwk), 'UNSUPPORTED_ALG')
  })

  it('alg that does not match the key: ALG_KEY_MISMATCH', async () => {
    const ed = await generateKeyPair('EdDSA')
    await rejects(verifyJws(v.jws, ed.publicJwk), 'ALG_KEY_MISMATCH')
    await rejects(verifyJws(v.jws, { ...v.publicJwk, alg: 'ES384' }), 'ALG_KEY_MISMATCH')
  })

  it('unknown curve: UNSUPPORTED_CURVE', async () => {
    await rejects(verifyJws(v.jws, { ...v.publicJwk, crv: 'brainpoolP256r1' }), 'UNSUPPORTED_CURVE')
    await rejects(verifyJws(v.jws, { kty: 'OKP', crv: 'X25519', x: v.publicJwk.x }), 'UNSUPPORTED_CURVE')
  })

  it('malformed or off-curve key: KEY_INVALID', async () => {
    await rejects(verifyJws(v.jws, { ...v.publicJwk, x: 'AAAA' }), 'KEY_INVALID')
    await rejects(verifyJws(v.jws, { ...v.publicJwk, y: v.publicJwk.x }), 'KEY_INVALID')
    await rejects(verifyJws(v.jws, { kty: 'EC', crv: 'P-256' }), 'KEY_INVALID')
    await rejects(verifyJws(v.jws, null as unknown as Jwk), 'KEY_INVALID')
  })

  it('a 10 MB token: INPUT_TOO_LARGE before any parsing', async () => {
    const huge = `${h}.${'A'.repeat(10 * 1024 * 1024)}.${s}`
    await rejects(verifyJws(huge, v.publicJwk), 'INPUT_TOO_LARGE')
    await rejects(() => decodeJws(huge), 'INPUT_TOO_LARGE')
  })

  it('unknown critical header: INVALID_JWS (RFC 7515 §4.1.11)', async () => {
    const keys = await generateKeyPair('ES256')
    const jws = await signWithRawHeader({ alg: 'ES256', crit: ['exp'], exp: 1 }, keys.privateJwk)
    await rejects(verifyJws(jws, keys.publicJwk), 'INVALID_JWS')
  })

  it('signJws refuses to produce crit or b64 headers that verifiers would refuse: INVALID_ARGUMENT', async () => {
    const keys = await generateKeyPair('ES256')
    await rejects(signJws({}, localSigner(keys.privateJwk), { crit: ['exp'], exp: 1 }), 'INVALID_ARGUMENT')
    await rejects(signJws('x', localSigner(keys.privateJwk), { b64: false }), 'INVALID_ARGUMENT')
  })

  it('a JWT whose payload is not a JSON object: INVALID_JWS', () => {
    const jws = `${h}.${base64urlEncode('[1,2]')}.${s}`
    expect(() => decodeJwt(jws)).toThrowError(expect.objectContaining({ code: 'INVALID_JWS' }))
  })
})

describe('strict base64url: one spelling per value (RFC 4648 §3.5)', () => {
  const v = vectors.rfc7515_a3_es256
  const [h, p, s] = v.jws.split('.') as [string, string, string]
  // 64 signature bytes are 86 characters: the last one carries 2 data bits and 4 unused bits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const respelled = alphabet[alphabet.indexOf(s.at(-1)!) | 1]!

  it('a signature re-spelled with non-zero unused bits is INVALID_ENCODING, not the same signature', async () => {
    const other = `${s.slice(0, -1)}${respelled}`
    // A lax decoder (Node's Buffer) reads both spellings as the same 64 bytes.
    expect(other).not.toBe(s)
    expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(s, 'base64url'))
    await rejects(verifyJws(`${h}.${p}.${s.slice(0, -1)}${respelled}`, v.publicJwk), 'INVALID_ENCODING')
  })
  it('non-canonical tails of both lengths are refused; canonical ones decode', () => {
    expect(base64urlDecode('AA')).toEqual(new Uint8Array([0]))
    expect(base64urlDecode('AAA')).toEqual(new Uint8Array([0, 0]))
    expect(() => base64urlDecode('AB')).toThrowError(expect.objectContaining({ code: 'INVALID_ENCODING' }))
    expect(() => base64urlDecode('AAB')).toThrowError(expect.objectContaining({ code: 'INVALID_ENCODING' }))
    expect(() => base64urlDecode('A')).toThrowError(expect.objectContaining({ code: 'INVALID_ENCODING' }))
  })
})

describe('keys the platform alone would accept: small-order Ed25519, non-string members', () => {
  it('an Ed25519 key of small order is KEY_INVALID (OpenSSL alone accepts R = identity, S = 0 for any message)', async () => {
    const identity = new Uint8Array(32)
    identity[0] = 1
    const forgedSig = new Uint8Array(64)
    forgedSig[0] = 1
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(identity) }
    const forged = `${base64urlEncode('{"alg":"EdDSA"}')}.${base64urlEncode('{"admin":true}')}.${base64urlEncode(forgedSig)}`
    await rejects(verifyJws(forged, jwk), 'KEY_INVALID')
    await rejects(() => importJwk(jwk), 'KEY_INVALID')
  })
  it('a JWK whose members are not strings never reaches the cached platform key', async () => {
    const keys = await generateKeyPair('ES256')
    const jws = await signJws({}, localSigner(keys.privateJwk))
    await verifyJws(jws, keys.publicJwk)
    const arrays = { ...keys.publicJwk, x: [keys.publicJwk.x], y: [keys.publicJwk.y] } as unknown as Jwk
    await rejects(verifyJws(jws, arrays), 'KEY_INVALID')
  })
})

describe('verifyDecodedJws checks the decoded bytes it returns', () => {
  it('a decoded token paired with another valid token does not verify', async () => {
    const keys = await generateKeyPair('ES256')
    const signer = localSigner(keys.privateJwk)
    const genuine = await signJws({ role: 'user' }, signer)
    const [h, , s] = genuine.split('.')
    const forged = decodeJws(`${h}.${base64urlEncode('{"role":"admin"}')}.${s}`)
    await rejects(verifyDecodedJws(forged, genuine, keys.publicJwk), 'SIGNATURE_INVALID')
  })
  it('anything but a decodeJws result is INVALID_ARGUMENT', async () => {
    const keys = await generateKeyPair('ES256')
    for (const bad of [null, {}, { header: { alg: 'ES256' }, signingInput: 'a.b', signature: 'c' }]) {
      await rejects(verifyDecodedJws(bad as never, '', keys.publicJwk), 'INVALID_ARGUMENT')
      await rejects(
        () => verifyDecodedJwsWithEthereumAddress(bad as never, `0x${'11'.repeat(20)}`),
        'INVALID_ARGUMENT',
      )
    }
  })
})

describe('key confusion beyond the curve: "use" and "key_ops" (RFC 7517 §4.2, §4.3)', () => {
  it('a key published for encryption or without the "verify" operation is ALG_KEY_MISMATCH', async () => {
    const keys = await generateKeyPair('ES256')
    const jws = await signJws({}, localSigner(keys.privateJwk))
    await rejects(verifyJws(jws, { ...keys.publicJwk, use: 'enc' }), 'ALG_KEY_MISMATCH')
    await rejects(verifyJws(jws, { ...keys.publicJwk, key_ops: ['encrypt'] }), 'ALG_KEY_MISMATCH')
    await expect(
      verifyJws(jws, { ...keys.publicJwk, use: 'sig', key_ops: ['verify'] }),
    ).resolves.toMatchObject({ alg: 'ES256' })
  })
})

describe('input guards on options and headers', () => {
  it('a maxLength that is not a positive integer is INVALID_ARGUMENT (NaN would disable the limit)', () => {
    for (const maxLength of [Number.NaN, -1, 0, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => decodeJws('a.b.c', { maxLength })).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      )
    }
  })
  it('a header that sets "alg" to undefined cannot strip the algorithm from the token', async () => {
    const keys = await generateKeyPair('ES256')
    await rejects(signJws({}, localSigner(keys.privateJwk), { alg: undefined }), 'ALG_KEY_MISMATCH')
  })
  it('"b64": false marked critical (RFC 7797) is not understood: INVALID_JWS', async () => {
    const keys = await generateKeyPair('ES256')
    const jws = await signWithRawHeader({ alg: 'ES256', b64: false, crit: ['b64'] }, keys.privateJwk)
    await rejects(verifyJws(jws, keys.publicJwk), 'INVALID_JWS')
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

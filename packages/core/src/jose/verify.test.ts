import { constants, generateKeyPairSync, type KeyObject, sign as platformSign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode } from '../encoding/base64url.js'
import { type CivitasErrorCode, isCivitasError } from '../errors/index.js'
import type { Jwk, SignatureAlgorithm } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { importJwk, jwkThumbprint } from '../keys/jwk.js'
import { localSigner } from '../keys/signer.js'
import { decodeJws, decodeJwt } from './decode.js'
import { verifyDecodedJwsWithEthereumAddress, verifyJwsWithEthereumAddress } from './ethereum.js'
import vectors from './fixtures/rfc-jws.json' with { type: 'json' }
import { signJws } from './sign.js'
import { checkAlgorithm, verifyDecodedJws, verifyJws } from './verify.js'

const fixture = (path: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8'))

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

describe('RFC 7520 §4 cookbook (vendored verbatim): every signature example gets its right answer', () => {
  const cookbook = (file: string) => fixture(`rfc7520-cookbook/${file}`)
  it('§4.1 RS256 (RSASSA-PKCS1-v1_5) verifies with the cookbook RSA key', async () => {
    const v = cookbook('4_1.rsa_v15_signature.json')
    const result = await verifyJws(v.output.compact, v.input.key)
    expect(result.alg).toBe('RS256')
    expect(text(result.payload)).toBe(v.input.payload)
  })
  it('§4.3 ES512 (P-521) verifies with the cookbook EC key', async () => {
    const v = cookbook('4_3.ecdsa_signature.json')
    await expect(verifyJws(v.output.compact, v.input.key)).resolves.toMatchObject({ alg: 'ES512' })
  })
  it('§4.2 PS384 and §4.4 HS256 stay outside the allow-list: UNSUPPORTED_ALG, even with their own keys', async () => {
    for (const file of ['4_2.rsa-pss_signature.json', '4_4.hmac-sha2_integrity_protection.json']) {
      const v = cookbook(file)
      await rejects(verifyJws(v.output.compact, v.input.key), 'UNSUPPORTED_ALG')
    }
  })
  it('§4.8 multiple signatures: the RS256 one (protected header) verifies, the HS256 one is refused', async () => {
    const v = cookbook('4_8.multiple_signatures.json')
    const { payload, signatures } = v.output.json
    const keyOf = (kty: string) => v.input.key.find((k: Jwk) => k.kty === kty)
    const [rs256, , hs256] = signatures
    const rsCompact = `${rs256.protected}.${payload}.${rs256.signature}`
    await expect(verifyJws(rsCompact, keyOf('RSA'))).resolves.toMatchObject({ alg: 'RS256' })
    await rejects(
      verifyJws(`${hs256.protected}.${payload}.${hs256.signature}`, keyOf('oct')),
      'UNSUPPORTED_ALG',
    )
  })
  it('an RS256 token does not verify with the ES256 key of RFC 7515 A.3: ALG_KEY_MISMATCH', async () => {
    await rejects(
      verifyJws(cookbook('4_1.rsa_v15_signature.json').output.compact, vectors.rfc7515_a3_es256.publicJwk),
      'ALG_KEY_MISMATCH',
    )
  })
})

describe('vendored conformance vectors (fixtures/, the shared vectors byte for byte)', () => {
  async function outcome(jws: string, jwk: Jwk): Promise<string> {
    try {
      await verifyJws(jws, jwk)
      return 'valid'
    } catch (error) {
      if (isCivitasError(error)) return error.code
      throw error
    }
  }
  it('rfc7515-a3-es256: the high-S RFC signature and its low-S twin verify; DER does not', async () => {
    const v = fixture('rfc7515-a3-es256.json')
    const jwk = v.verification.publicKeyJwk
    expect(await outcome(v.input.jws, jwk)).toBe('valid')
    expect(v.variants.length).toBeGreaterThan(1)
    for (const variant of v.variants) {
      expect(await outcome(variant.jws, jwk)).toBe(variant.expected.valid ? 'valid' : 'SIGNATURE_INVALID')
    }
  })
  it('es256k-secp256k1-interop: did-jwt ES256K verifies with a plain JWK', async () => {
    const v = fixture('es256k-secp256k1-interop.json')
    expect(await outcome(v.input.jws, v.verification.publicKeyJwk)).toBe('valid')
  })
  it('rfc8037-a4-ed25519: verifies, re-signs byte for byte, thumbprint matches', async () => {
    const v = fixture('rfc8037-a4-ed25519.json')
    const jwk = v.verification.publicKeyJwk
    expect(await outcome(v.input.jws, jwk)).toBe('valid')
    const jws = await signJws(v.input.payloadUtf8, localSigner({ ...jwk, d: v.verification.privateKeyD }))
    expect(jws).toBe(v.input.jws)
    expect(await jwkThumbprint(jwk)).toBe(v.expected.jwkThumbprintSha256)
    const cookbook = fixture('rfc8037-a4-ed25519-jws.cookbook.json')
    expect(await outcome(cookbook.output.compact, cookbook.input.key)).toBe('valid')
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
    await rejects(verifyDecodedJws(forged, keys.publicJwk), 'SIGNATURE_INVALID')
  })
  it('anything but a decodeJws result is INVALID_ARGUMENT', async () => {
    const keys = await generateKeyPair('ES256')
    for (const bad of [null, {}, { header: { alg: 'ES256' }, signingInput: 'a.b', signature: 'c' }]) {
      await rejects(verifyDecodedJws(bad as never, keys.publicJwk), 'INVALID_ARGUMENT')
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

describe('verify-only algorithms of PKI issuers: ES512 (P-521), PS256 and RS256 (RFC 7518 §3.3-§3.5)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rsaJwk = rsa.publicKey.export({ format: 'jwk' }) as Jwk
  const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' })
  const p521Jwk = p521.publicKey.export({ format: 'jwk' }) as Jwk

  async function joseToken(alg: string, key: KeyObject): Promise<string> {
    return new CompactSign(new TextEncoder().encode('{"iss":"did:web:qtsp.example"}'))
      .setProtectedHeader({ alg, typ: 'JWT' })
      .sign(key)
  }

  for (const [alg, key, jwk] of [
    ['ES512', p521.privateKey, p521Jwk],
    ['PS256', rsa.privateKey, rsaJwk],
    ['RS256', rsa.privateKey, rsaJwk],
  ] as const) {
    it(`${alg}: a token from panva/jose verifies; a tampered one and another key do not`, async () => {
      const jws = await joseToken(alg, key)
      await expect(verifyJws(jws, jwk)).resolves.toMatchObject({ alg })
      const [h, , s] = jws.split('.')
      await rejects(verifyJws(`${h}.${base64urlEncode('{"iss":"x"}')}.${s}`, jwk), 'SIGNATURE_INVALID')
      const other =
        alg === 'ES512'
          ? generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey
          : generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
      await rejects(verifyJws(jws, other.export({ format: 'jwk' }) as Jwk), 'SIGNATURE_INVALID')
    })
  }

  it('an RSA key pinned to one algorithm by "alg" refuses the other: ALG_KEY_MISMATCH', async () => {
    const ps = await joseToken('PS256', rsa.privateKey)
    await rejects(verifyJws(ps, { ...rsaJwk, alg: 'RS256' }), 'ALG_KEY_MISMATCH')
    await expect(verifyJws(ps, { ...rsaJwk, alg: 'PS256' })).resolves.toMatchObject({ alg: 'PS256' })
    await rejects(verifyJws(ps, { ...rsaJwk, alg: 'RS384' }), 'UNSUPPORTED_ALG')
  })

  it('an ES512 token cannot be checked with an RSA key, nor RS256 with a P-521 key: ALG_KEY_MISMATCH', async () => {
    await rejects(verifyJws(await joseToken('ES512', p521.privateKey), rsaJwk), 'ALG_KEY_MISMATCH')
    await rejects(verifyJws(await joseToken('RS256', rsa.privateKey), p521Jwk), 'ALG_KEY_MISMATCH')
  })

  it('PS256 salt must be as long as the hash (RFC 7518 §3.5): a zero-length salt is SIGNATURE_INVALID', async () => {
    const input = `${base64urlEncode('{"alg":"PS256"}')}.${base64urlEncode('{}')}`
    const sign = (saltLength: number) =>
      platformSign('sha256', Buffer.from(input), {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength,
      })
    await expect(verifyJws(`${input}.${base64urlEncode(sign(32))}`, rsaJwk)).resolves.toBeDefined()
    await rejects(verifyJws(`${input}.${base64urlEncode(sign(0))}`, rsaJwk), 'SIGNATURE_INVALID')
  })

  it('an RSA signature shorter than the modulus (a leading zero dropped) is SIGNATURE_INVALID', async () => {
    const jws = await joseToken('RS256', rsa.privateKey)
    const [h, p, s] = jws.split('.') as [string, string, string]
    await rejects(
      verifyJws(`${h}.${p}.${base64urlEncode(base64urlDecode(s).subarray(1))}`, rsaJwk),
      'SIGNATURE_INVALID',
    )
    await rejects(verifyJws(`${h}.${p}.${base64urlEncode(new Uint8Array(257))}`, rsaJwk), 'SIGNATURE_INVALID')
  })

  it('RSA keys that would make forgery easy or verification slow are KEY_INVALID', async () => {
    const jws = await joseToken('RS256', rsa.privateKey)
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      format: 'jwk',
    }) as Jwk
    const n = base64urlDecode(rsaJwk.n as string)
    for (const key of [
      small,
      { ...rsaJwk, e: 'AQ' }, // e = 1: every "signature" is its own padded message
      { ...rsaJwk, e: 'AAEAAQ' }, // leading zero octet: one key, two spellings
      { ...rsaJwk, e: 'AQAA' }, // even exponent
      { ...rsaJwk, n: base64urlEncode(new Uint8Array([0, ...n])) },
      { ...rsaJwk, n: base64urlEncode(new Uint8Array(1025).fill(0xff)) }, // 8200 bits
      { kty: 'RSA', e: 'AQAB' },
      { kty: 'RSA', n: rsaJwk.n, e: 5 },
    ] as Jwk[]) {
      await rejects(verifyJws(jws, key), 'KEY_INVALID')
    }
  })

  it('a P-521 key with short coordinates or off the curve is KEY_INVALID', async () => {
    const jws = await joseToken('ES512', p521.privateKey)
    await rejects(verifyJws(jws, { ...p521Jwk, x: base64urlEncode(new Uint8Array(65)) }), 'KEY_INVALID')
    await rejects(verifyJws(jws, { ...p521Jwk, y: p521Jwk.x }), 'KEY_INVALID')
  })

  it('a caller allow-list still rules: RS256 outside it is UNSUPPORTED_ALG, RS384 is never supported', async () => {
    await rejects(
      verifyJws(await joseToken('RS256', rsa.privateKey), rsaJwk, { algorithms: ['ES256'] }),
      'UNSUPPORTED_ALG',
    )
    await rejects(verifyJws(await joseToken('RS384', rsa.privateKey), rsaJwk), 'UNSUPPORTED_ALG')
    await rejects(verifyJws('x.y.z', rsaJwk, { algorithms: ['RS384' as 'RS256'] }), 'INVALID_ARGUMENT')
  })
})

describe('checkAlgorithm guards its allow-list', () => {
  it('an allow-list that is not an array is INVALID_ARGUMENT (a string would match substrings)', () => {
    expect(() => checkAlgorithm('ES256', 'ES256K' as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => checkAlgorithm({ toString: null } as never, ['ES256'])).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED_ALG' }),
    )
  })
})

import { base58 } from '@scure/base'
import type { VerificationMethod } from 'did-resolver'
import { describe, expect, it } from 'vitest'
import {
  ethereumAddressFromVerificationMethod,
  publicJwkFromVerificationMethod,
} from './verification-method.js'

// Key material in every verification-method representation the DID methods we resolve use:
// JsonWebKey2020 (publicKeyJwk), Multikey / Ed25519VerificationKey2020 (publicKeyMultibase),
// Ed25519VerificationKey2018 / EcdsaSecp256k1VerificationKey2019 (publicKeyBase58, W3C CCG
// vectors), ethr-did-resolver's publicKeyHex, and EcdsaSecp256k1RecoveryMethod2020.

const ED25519_JWK = { kty: 'OKP', crv: 'Ed25519', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' }
const ED25519_MULTIBASE = 'z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
const ED25519_BASE58 = '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS' // CCG vector, seed 00…00
// secp256k1 (W3C CCG vector did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme)
const SECP256K1_BASE58 = '23o6Sau8NxxzXcgSc3PLcNxrzrZpbLeBn1izfv3jbKhuv'
const SECP256K1_JWK = {
  kty: 'EC',
  crv: 'secp256k1',
  x: 'h0wVx_2iDlOcblulc8E5iEw1EYh5n1RYtLQfeSTyNc0',
  y: 'O2EATIGbu6DezKFptj5scAIRntgfecanVNXxat1rnwE',
}

const vm = (fields: Partial<VerificationMethod> & { type: string }): VerificationMethod => ({
  id: 'did:example:123#key-1',
  controller: 'did:example:123',
  ...fields,
})

describe('publicJwkFromVerificationMethod', () => {
  it('JsonWebKey2020 publicKeyJwk → the public members (alg pin kept)', () => {
    expect(
      publicJwkFromVerificationMethod(vm({ type: 'JsonWebKey2020', publicKeyJwk: ED25519_JWK })),
    ).toEqual(ED25519_JWK)
    expect(
      publicJwkFromVerificationMethod(
        vm({ type: 'JsonWebKey2020', publicKeyJwk: { ...ED25519_JWK, alg: 'EdDSA', kid: 'x' } }),
      ),
    ).toEqual({ ...ED25519_JWK, alg: 'EdDSA' })
  })

  it('Multikey and Ed25519VerificationKey2020 publicKeyMultibase (multicodec-prefixed)', () => {
    for (const type of ['Multikey', 'Ed25519VerificationKey2020']) {
      expect(publicJwkFromVerificationMethod(vm({ type, publicKeyMultibase: ED25519_MULTIBASE }))).toEqual(
        ED25519_JWK,
      )
    }
  })

  it('Ed25519VerificationKey2018 and EcdsaSecp256k1VerificationKey2019 publicKeyBase58', () => {
    const ed = publicJwkFromVerificationMethod(
      vm({ type: 'Ed25519VerificationKey2018', publicKeyBase58: ED25519_BASE58 }),
    )
    expect(ed).toEqual(ED25519_JWK)
    // …and the CCG vector's X25519KeyAgreementKey2019 for the same seed.
    expect(
      publicJwkFromVerificationMethod(
        vm({
          type: 'X25519KeyAgreementKey2019',
          publicKeyBase58: '7By6kV2t2d188odEM4ExAve1UithKT6dLva4dwsDT3ak',
        }),
      ),
    ).toEqual({ kty: 'OKP', crv: 'X25519', x: 'W_Vcc7guviK-gPNDBmevVw-uJVamQV5rMNQGUwCqlH0' })
    expect(
      publicJwkFromVerificationMethod(
        vm({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyBase58: SECP256K1_BASE58 }),
      ),
    ).toEqual(SECP256K1_JWK)
  })

  it("ethr-did-resolver's publicKeyHex, compressed or uncompressed, with or without 0x", () => {
    const compressed = Buffer.from(base58.decode(SECP256K1_BASE58)).toString('hex')
    for (const publicKeyHex of [compressed, `0x${compressed}`]) {
      expect(
        publicJwkFromVerificationMethod(vm({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyHex })),
      ).toEqual(SECP256K1_JWK)
    }
    const uncompressed = `04${Buffer.from(SECP256K1_JWK.x, 'base64url').toString('hex')}${Buffer.from(SECP256K1_JWK.y, 'base64url').toString('hex')}`
    expect(
      publicJwkFromVerificationMethod(
        vm({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyHex: uncompressed }),
      ),
    ).toEqual(SECP256K1_JWK)
  })

  it.each([
    [
      'no key material → KEY_NOT_FOUND',
      vm({ type: 'EcdsaSecp256k1RecoveryMethod2020', blockchainAccountId: `eip155:1:0x${'1'.repeat(40)}` }),
      'KEY_NOT_FOUND',
    ],
    [
      'two representations at once → KEY_INVALID',
      vm({ type: 'JsonWebKey2020', publicKeyJwk: ED25519_JWK, publicKeyMultibase: ED25519_MULTIBASE }),
      'KEY_INVALID',
    ],
    [
      'a private JWK → KEY_INVALID',
      vm({ type: 'JsonWebKey2020', publicKeyJwk: { ...ED25519_JWK, d: ED25519_JWK.x } }),
      'KEY_INVALID',
    ],
    [
      'base58 for a type with no known curve → UNSUPPORTED_CURVE',
      vm({ type: 'SomethingNew2030', publicKeyBase58: ED25519_BASE58 }),
      'UNSUPPORTED_CURVE',
    ],
    [
      'publicKeyHex that is not hex → KEY_INVALID',
      vm({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyHex: 'zz' }),
      'KEY_INVALID',
    ],
    [
      'publicKeyBase58 with a bad character → KEY_INVALID',
      vm({ type: 'Ed25519VerificationKey2018', publicKeyBase58: '0OIl' }),
      'KEY_INVALID',
    ],
    [
      'Ed25519VerificationKey2020 holding a secp256k1 key → KEY_INVALID',
      vm({
        type: 'Ed25519VerificationKey2020',
        publicKeyMultibase: 'zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
      }),
      'KEY_INVALID',
    ],
    [
      'multibase not base58btc → DID_INVALID',
      vm({ type: 'Multikey', publicKeyMultibase: 'uAAAA' }),
      'DID_INVALID',
    ],
    [
      'secp256k1 key of the wrong length → KEY_INVALID',
      vm({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyHex: '02abcd' }),
      'KEY_INVALID',
    ],
  ])('%s', (_what, method, code) => {
    expect(() => publicJwkFromVerificationMethod(method)).toThrow(expect.objectContaining({ code }))
  })

  it('guards its input (INVALID_ARGUMENT / KEY_INVALID)', () => {
    expect(() => publicJwkFromVerificationMethod(null as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() => publicJwkFromVerificationMethod({ id: 'x' } as never)).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
  })

  it('an inherited property name as "crv" is an unsupported curve, not a lookup on Object.prototype', () => {
    for (const crv of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const method = vm({ type: 'JsonWebKey2020', publicKeyJwk: { kty: 'EC', crv, x: 'AA', y: 'AA' } })
      expect(() => publicJwkFromVerificationMethod(method), crv).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED_CURVE' }),
      )
      // …and as a verification method type, which names the curve of a base58 key.
      expect(
        () => publicJwkFromVerificationMethod(vm({ type: crv, publicKeyBase58: ED25519_BASE58 })),
        crv,
      ).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_CURVE' }))
    }
  })
})

describe('ethereumAddressFromVerificationMethod', () => {
  const address = '0xB9C5714089478a327F09197987f16f9E5d936E8a'
  it('reads CAIP-10 blockchainAccountId, the legacy form, and ethereumAddress (lower-cased)', () => {
    const type = 'EcdsaSecp256k1RecoveryMethod2020'
    expect(
      ethereumAddressFromVerificationMethod(vm({ type, blockchainAccountId: `eip155:1337:${address}` })),
    ).toBe(address.toLowerCase())
    expect(
      ethereumAddressFromVerificationMethod(vm({ type, blockchainAccountId: `${address}@eip155:1` })),
    ).toBe(address.toLowerCase())
    expect(ethereumAddressFromVerificationMethod(vm({ type, ethereumAddress: address }))).toBe(
      address.toLowerCase(),
    )
    expect(
      ethereumAddressFromVerificationMethod(vm({ type: 'JsonWebKey2020', publicKeyJwk: ED25519_JWK })),
    ).toBeUndefined()
  })
  it('rejects a non-eip155, malformed or non-string account id as a bad document (DID_DOCUMENT_INVALID)', () => {
    for (const blockchainAccountId of [
      'bip122:000000000019d6689c085ae165831e93:128Lkh3S7CkDTBZ8W7BbpsN3YYizJMp8p6',
      'eip155:1:0x12',
      { toString: null },
      42,
    ]) {
      expect(() =>
        ethereumAddressFromVerificationMethod(vm({ type: 'X', blockchainAccountId } as never)),
      ).toThrow(expect.objectContaining({ code: 'DID_DOCUMENT_INVALID' }))
    }
    expect(() =>
      ethereumAddressFromVerificationMethod(vm({ type: 'X', ethereumAddress: '0xnope' } as never)),
    ).toThrow(expect.objectContaining({ code: 'DID_DOCUMENT_INVALID' }))
  })
})

describe('hostile verification methods from remote documents: a CivitasError, never a raw TypeError', () => {
  const hostile = { toString: null } as unknown as string
  it.each([
    [
      'an id that cannot be printed',
      vm({ id: hostile, type: 'Ed25519VerificationKey2018', publicKeyBase58: 'x0' }),
    ],
    ['a type that cannot be printed', vm({ type: hostile, publicKeyBase58: ED25519_BASE58 })],
    ['an object as publicKeyBase58', vm({ type: 'Ed25519VerificationKey2018', publicKeyBase58: hostile })],
    ['an object as publicKeyHex', vm({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyHex: hostile })],
    ['an inherited type name', vm({ type: 'constructor', publicKeyBase58: ED25519_BASE58 })],
    [
      'a multibase key of the wrong curve, with a hostile type',
      vm({ type: 'Ed25519VerificationKey2020', publicKeyJwk: { ...SECP256K1_JWK, crv: hostile } }),
    ],
  ])('publicJwkFromVerificationMethod: %s', (_what, method) => {
    expect(() => publicJwkFromVerificationMethod(method)).toThrow(
      expect.objectContaining({ name: 'CivitasError' }),
    )
  })

  it('ethereumAddressFromVerificationMethod: a blockchainAccountId that cannot be printed → DID_DOCUMENT_INVALID', () => {
    const method = vm({ type: 'EcdsaSecp256k1RecoveryMethod2020', blockchainAccountId: hostile })
    expect(() => ethereumAddressFromVerificationMethod(method)).toThrow(
      expect.objectContaining({ code: 'DID_DOCUMENT_INVALID' }),
    )
  })
})

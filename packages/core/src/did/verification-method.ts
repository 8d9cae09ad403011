import { base58 } from '@scure/base'
import type { VerificationMethod } from 'did-resolver'
import { CivitasError, describeValue } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { decodeMulticodecPublicKey } from './key-codecs.js'
import { decodeMultibaseBase58btc } from './multibase.js'
import { assertPublicJwk } from './public-jwk.js'
import { rawPublicKeyToJwk } from './raw-key.js'

/**
 * Key material of DID document verification methods, whatever representation the DID method
 * chose: publicKeyJwk (JsonWebKey2020), publicKeyMultibase (Multikey, *2020 suites),
 * publicKeyBase58 (*2018 / *2019 suites) or publicKeyHex (ethr-did-resolver), and the
 * Ethereum address of EcdsaSecp256k1RecoveryMethod2020.
 */

// Which curve a raw (un-prefixed) base58 or hex key is on is only said by the method's type.
const CURVE_FOR_TYPE: Record<string, string> = {
  Ed25519VerificationKey2018: 'Ed25519',
  Ed25519SignatureVerification: 'Ed25519',
  X25519KeyAgreementKey2019: 'X25519',
  EcdsaSecp256k1VerificationKey2019: 'secp256k1',
  EcdsaSecp256k1RecoveryMethod2020: 'secp256k1',
  Secp256k1VerificationKey2018: 'secp256k1',
  Secp256k1SignatureVerificationKey2018: 'secp256k1',
  EcdsaPublicKeySecp256k1: 'secp256k1',
}

// Types whose publicKeyMultibase must carry a key of one particular curve.
const MULTIBASE_CURVE_FOR_TYPE: Record<string, string> = {
  Ed25519VerificationKey2020: 'Ed25519',
  X25519KeyAgreementKey2020: 'X25519',
}

const HEX = /^(?:0x)?((?:[0-9a-fA-F]{2})+)$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
// CAIP-10: eip155:<chain id>:<address>; legacy (did-resolver <= 3): <address>@eip155:<chain id>.
const CAIP10_EIP155 = /^eip155:[0-9]{1,32}:(0x[0-9a-fA-F]{40})$/
const LEGACY_ACCOUNT_ID = /^(0x[0-9a-fA-F]{40})@eip155:[0-9]{1,32}$/

const KEY_PROPERTIES = ['publicKeyJwk', 'publicKeyMultibase', 'publicKeyBase58', 'publicKeyHex'] as const

function guard(vm: unknown): asserts vm is VerificationMethod {
  if (!isRecord(vm)) {
    throw new CivitasError('INVALID_ARGUMENT', 'a verification method must be an object')
  }
  if (typeof vm.type !== 'string') {
    throw new CivitasError('KEY_INVALID', 'verification method has no "type"')
  }
}

function curveForType(vm: VerificationMethod, property: string): string {
  // vm.type comes from a remote document: never let "constructor" pick an inherited member.
  const crv = Object.hasOwn(CURVE_FOR_TYPE, vm.type) ? CURVE_FOR_TYPE[vm.type] : undefined
  if (!crv) {
    throw new CivitasError(
      'UNSUPPORTED_CURVE',
      `cannot tell the curve of a ${describeValue(vm.type)} ${property} key`,
      {
        details: { type: vm.type, id: vm.id },
      },
    )
  }
  return crv
}

function wrap<T>(vm: VerificationMethod, fn: () => T): T {
  try {
    return fn()
  } catch (cause) {
    if (cause instanceof CivitasError) {
      throw new CivitasError(
        cause.code,
        `verification method ${describeValue(vm.id, 120)}: ${cause.message}`,
        {
          cause,
          details: { id: vm.id, type: vm.type },
        },
      )
    }
    throw new CivitasError(
      'KEY_INVALID',
      `verification method ${describeValue(vm.id, 120)} has an unreadable key`,
      {
        cause,
      },
    )
  }
}

/**
 * The public JWK of a verification method, validated (right length, point on the curve, no
 * private members). Throws KEY_NOT_FOUND when the method carries no public key (e.g. an
 * EcdsaSecp256k1RecoveryMethod2020 with only an account id: see
 * {@link ethereumAddressFromVerificationMethod}), KEY_INVALID / UNSUPPORTED_CURVE otherwise.
 */
export function publicJwkFromVerificationMethod(vm: VerificationMethod): Jwk {
  guard(vm)
  const present = KEY_PROPERTIES.filter((property) => vm[property] !== undefined)
  if (present.length === 0) {
    throw new CivitasError(
      'KEY_NOT_FOUND',
      `verification method ${describeValue(vm.id, 120)} carries no public key`,
      {
        details: { id: vm.id, type: vm.type },
      },
    )
  }
  // Two representations could hold two different keys; which one a verifier picks must not
  // be a guess.
  if (present.length > 1) {
    throw new CivitasError(
      'KEY_INVALID',
      `verification method ${describeValue(vm.id, 120)} has several keys (${present})`,
    )
  }
  return wrap(vm, () => {
    if (vm.publicKeyJwk !== undefined) {
      const jwk: Jwk = assertPublicJwk(vm.publicKeyJwk)
      // A JWK may pin its algorithm, use and operations (RFC 7517 §4.2-4.4); keep them for
      // the JWS check, which refuses a key pinned to another algorithm or to encryption.
      const { alg, use, key_ops: keyOps } = vm.publicKeyJwk as Jwk
      if (alg !== undefined) jwk.alg = alg
      if (use !== undefined) jwk.use = use
      if (keyOps !== undefined) jwk.key_ops = keyOps
      return jwk
    }
    if (vm.publicKeyMultibase !== undefined) {
      const { jwk } = decodeMulticodecPublicKey(
        decodeMultibaseBase58btc(vm.publicKeyMultibase, 'publicKeyMultibase'),
      )
      const expected = Object.hasOwn(MULTIBASE_CURVE_FOR_TYPE, vm.type)
        ? MULTIBASE_CURVE_FOR_TYPE[vm.type]
        : undefined
      if (expected && jwk.crv !== expected) {
        throw new CivitasError(
          'KEY_INVALID',
          `a ${describeValue(vm.type)} must hold a ${expected} key, not ${describeValue(jwk.crv)}`,
        )
      }
      return jwk
    }
    if (vm.publicKeyBase58 !== undefined) {
      const crv = curveForType(vm, 'publicKeyBase58')
      if (typeof vm.publicKeyBase58 !== 'string') {
        throw new CivitasError('KEY_INVALID', 'publicKeyBase58 must be a string')
      }
      let bytes: Uint8Array
      try {
        bytes = base58.decode(vm.publicKeyBase58)
      } catch (cause) {
        throw new CivitasError('KEY_INVALID', 'publicKeyBase58 is not base58btc', { cause })
      }
      return rawPublicKeyToJwk(crv, bytes)
    }
    const crv = curveForType(vm, 'publicKeyHex')
    const hex = typeof vm.publicKeyHex === 'string' ? HEX.exec(vm.publicKeyHex) : null
    if (!hex) throw new CivitasError('KEY_INVALID', 'publicKeyHex is not hex')
    return rawPublicKeyToJwk(crv, Uint8Array.from(Buffer.from(hex[1]!, 'hex')))
  })
}

/**
 * The Ethereum address (lower-case) a verification method names through `blockchainAccountId`
 * (CAIP-10 `eip155:<chain>:0x...`, or the legacy `0x...@eip155:<chain>`) or
 * `ethereumAddress`; `undefined` when it names none. A malformed one is DID_DOCUMENT_INVALID:
 * it is a member of the document, not a key.
 */
export function ethereumAddressFromVerificationMethod(vm: VerificationMethod): string | undefined {
  guard(vm)
  const { blockchainAccountId, ethereumAddress } = vm
  if (blockchainAccountId !== undefined) {
    const id = typeof blockchainAccountId === 'string' ? blockchainAccountId : ''
    const address = CAIP10_EIP155.exec(id)?.[1] ?? LEGACY_ACCOUNT_ID.exec(id)?.[1]
    if (!address) {
      throw new CivitasError(
        'DID_DOCUMENT_INVALID',
        `blockchainAccountId ${describeValue(blockchainAccountId, 120)} is not an eip155 account`,
        { details: { id: describeValue(vm.id) } },
      )
    }
    return address.toLowerCase()
  }
  if (ethereumAddress !== undefined) {
    if (typeof ethereumAddress !== 'string' || !ADDRESS.test(ethereumAddress)) {
      throw new CivitasError('DID_DOCUMENT_INVALID', 'ethereumAddress is not an Ethereum address', {
        details: { id: describeValue(vm.id) },
      })
    }
    return ethereumAddress.toLowerCase()
  }
  return undefined
}

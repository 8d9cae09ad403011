import { type DIDDocument, parse, type Resolvable, type VerificationMethod } from 'did-resolver'
import { base64urlDecode } from '../encoding/base64url.js'
import { CivitasError, describeValue, isCivitasError } from '../errors/index.js'
import { assertFiniteNumber, hasOwn, isRecord } from '../guards/index.js'
import { assertDecodedJws, type DecodedJws, decodeJws, type JwsHeader } from '../jose/decode.js'
import {
  type EthereumJwsAlgorithm,
  ethereumAddressOfPublicKey,
  verifyDecodedJwsWithEthereumAddress,
} from '../jose/ethereum.js'
import { checkAlgorithm, checkKeyUse, verifyDecodedJws } from '../jose/verify.js'
import {
  type Jwk,
  VERIFICATION_ALGORITHMS,
  type VerificationAlgorithm,
  verificationAlgorithmsForJwk,
} from '../keys/algorithms.js'
import { resolveDid } from './resolver.js'
import {
  ethereumAddressFromVerificationMethod,
  publicJwkFromVerificationMethod,
} from './verification-method.js'

/** The verification relationships a JWS signer can be checked against. */
export type JwsPurpose = 'assertionMethod' | 'authentication'

/** Every JWS algorithm a DID key can verify: our verification algorithms plus did-jwt's ES256K-R. */
export type DidJwsAlgorithm = VerificationAlgorithm | 'ES256K-R'

export interface VerifyJwsWithDidOptions {
  resolver: Resolvable
  /** The expected signer. Required when the header has no DID URL `kid`. May carry a version query (`?versionId=`). */
  did?: string
  /** The relationship the key must be in. Default `assertionMethod` (credentials); `authentication` for presentations / KB. */
  purpose?: JwsPurpose
  /** Allowed algorithms. Default: ES256, ES256K, ES384, EdDSA, ES512, PS256, RS256 and ES256K-R. */
  algorithms?: readonly DidJwsAlgorithm[]
  /** Longest compact JWS accepted, in characters (see decodeJws). */
  maxLength?: number
  /**
   * When the key must have been valid (NumericDate, seconds), e.g. the credential's issuance
   * time as the verifier established it. The caller chooses it, never the token. The
   * document is resolved as it stood then (`?versionTime=`: did:ethr honours it; did:key,
   * did:jwk and did:web have no history and ignore it). Not together with a query in `did`.
   */
  versionTime?: number
}

export interface VerifiedJwsWithDid {
  header: JwsHeader
  payload: Uint8Array
  verificationMethod: VerificationMethod
  didDocument: DIDDocument
}

const ALL_ALGORITHMS: readonly DidJwsAlgorithm[] = [...VERIFICATION_ALGORITHMS, 'ES256K-R']
const PURPOSES = new Set<string>(['assertionMethod', 'authentication'])
// 9999-12-31T23:59:59Z: the last second an XML Schema dateTime has a four-digit year for.
const MAX_NUMERIC_DATE = 253_402_300_799

/** The DID URL query that picks the document version: the caller's, never the token's. */
function versionQuery(query: string | undefined, versionTime: number | undefined): string {
  if (versionTime !== undefined) {
    const iso = new Date(Math.floor(versionTime) * 1000).toISOString().replace('.000Z', 'Z')
    return `?versionTime=${iso}`
  }
  return query ? `?${query}` : ''
}

function absolute(id: string, did: string): string {
  return id.startsWith('#') ? `${did}${id}` : id
}

/**
 * Most keys tried for a JWS without `kid`. Real documents hold a handful of keys; without the
 * bound, a document listing thousands makes one token cost thousands of signature checks.
 */
export const MAX_CANDIDATE_KEYS = 16

function documentInvalid(message: string, details: Record<string, unknown>): CivitasError {
  return new CivitasError('DID_DOCUMENT_INVALID', message, { details })
}

/**
 * The distinct verification methods of `purpose`, references resolved against the document.
 * One pass over each list with a Map (a remote document may hold tens of thousands of
 * entries), a method named twice counts once, and two different methods sharing an id make
 * the document invalid: which of them a `kid` names must not be a guess.
 */
function methodsFor(document: DIDDocument, did: string, purpose: JwsPurpose): VerificationMethod[] {
  const declared = new Map<string, VerificationMethod>()
  if (Array.isArray(document.verificationMethod)) {
    for (const vm of document.verificationMethod as unknown[]) {
      if (!isRecord(vm) || typeof vm.id !== 'string') continue
      const id = absolute(vm.id, did)
      if (declared.has(id)) {
        throw documentInvalid(`two verification methods have the id ${describeValue(id, 120)}`, { id })
      }
      declared.set(id, vm as unknown as VerificationMethod)
    }
  }
  const relationship: unknown = hasOwn(document, purpose) ? document[purpose] : undefined
  if (!Array.isArray(relationship)) return []
  const methods = new Map<string, VerificationMethod>()
  for (const entry of relationship as unknown[]) {
    if (typeof entry === 'string') {
      const id = absolute(entry, did)
      if (methods.has(id)) continue
      const vm = declared.get(id)
      if (vm) methods.set(id, { ...vm, id })
    } else if (isRecord(entry) && typeof entry.id === 'string') {
      const id = absolute(entry.id, did)
      if (methods.has(id) || declared.has(id)) {
        throw documentInvalid(`two verification methods have the id ${describeValue(id, 120)}`, { id })
      }
      methods.set(id, { ...(entry as unknown as VerificationMethod), id })
    }
  }
  return [...methods.values()]
}

function isRecoveryOnly(vm: VerificationMethod): boolean {
  return (
    vm.publicKeyJwk === undefined &&
    vm.publicKeyMultibase === undefined &&
    vm.publicKeyBase58 === undefined &&
    vm.publicKeyHex === undefined &&
    (vm.blockchainAccountId !== undefined || vm.ethereumAddress !== undefined)
  )
}

function addressOfSecp256k1Jwk(jwk: Jwk): string {
  const point = new Uint8Array(65)
  point[0] = 0x04
  point.set(base64urlDecode(jwk.x as string, 'x'), 1)
  point.set(base64urlDecode(jwk.y as string, 'y'), 33)
  return ethereumAddressOfPublicKey(point)
}

/** Verifies the decoded JWS with one verification method, or throws why it cannot. */
async function verifyWithMethod(
  decoded: DecodedJws,
  vm: VerificationMethod,
  algorithms: readonly DidJwsAlgorithm[],
): Promise<void> {
  const alg = decoded.header.alg
  const ethereumAlgorithms = algorithms.filter(
    (a): a is EthereumJwsAlgorithm => a === 'ES256K' || a === 'ES256K-R',
  )
  if (isRecoveryOnly(vm)) {
    if (alg !== 'ES256K' && alg !== 'ES256K-R') {
      throw new CivitasError('ALG_KEY_MISMATCH', `${alg} cannot be verified with an Ethereum address`, {
        details: { alg, id: vm.id },
      })
    }
    const address = ethereumAddressFromVerificationMethod(vm) as string
    verifyDecodedJwsWithEthereumAddress(decoded, address, ethereumAlgorithms)
    return
  }
  const jwk = publicJwkFromVerificationMethod(vm)
  if (alg === 'ES256K-R') {
    // did-jwt's recoverable signature over a secp256k1 key: the key's address is what it proves.
    if (
      jwk.crv !== 'secp256k1' ||
      (jwk.alg !== undefined && jwk.alg !== 'ES256K' && jwk.alg !== 'ES256K-R')
    ) {
      throw new CivitasError('ALG_KEY_MISMATCH', `ES256K-R cannot be verified with a ${jwk.crv} key`, {
        details: { crv: jwk.crv, jwkAlg: jwk.alg },
      })
    }
    checkKeyUse(jwk)
    verifyDecodedJwsWithEthereumAddress(decoded, addressOfSecp256k1Jwk(jwk), ['ES256K-R'])
    return
  }
  const signatureAlgorithms = algorithms.filter((a): a is VerificationAlgorithm => a !== 'ES256K-R')
  await verifyDecodedJws(decoded, jwk, signatureAlgorithms)
}

function keyAlgorithms(vm: VerificationMethod): readonly string[] {
  try {
    if (isRecoveryOnly(vm)) return ['ES256K']
    return verificationAlgorithmsForJwk(publicJwkFromVerificationMethod(vm))
  } catch {
    return []
  }
}

/**
 * Verifies a compact JWS signed by a DID's key. The DID comes from the header `kid` when it is
 * a DID URL (else from `did`); the key must be in the DID document's `purpose` relationship
 * (default assertionMethod). A `kid` picks that one key (`#frag` is relative to the DID);
 * without one, every key of the relationship is tried. Keys are checked with `verifyJws`, or
 * by Ethereum address for EcdsaSecp256k1RecoveryMethod2020 (did:ethr's controller).
 *
 * Throws a {@link CivitasError}: INVALID_ARGUMENT, INVALID_JWS, INPUT_TOO_LARGE,
 * UNSECURED_JWS, UNSUPPORTED_ALG, DID_INVALID, DID_METHOD_UNSUPPORTED, DID_NOT_FOUND,
 * DID_DEACTIVATED, RESOLVER_UNAVAILABLE, DID_DOCUMENT_INVALID, KEY_NOT_FOUND, KEY_INVALID,
 * ALG_KEY_MISMATCH or SIGNATURE_INVALID.
 */
export async function verifyJwsWithDid(
  jws: string,
  options: VerifyJwsWithDidOptions,
): Promise<VerifiedJwsWithDid> {
  const algorithms = checkOptions(options)
  return verifyChecked(decodeJws(jws, { maxLength: options.maxLength }), options, algorithms)
}

/**
 * {@link verifyJwsWithDid} for a JWS the caller has already decoded with `decodeJws`
 * (the credential verifiers do), so the hot path parses each token once.
 */
export async function verifyDecodedJwsWithDid(
  decoded: DecodedJws,
  options: VerifyJwsWithDidOptions,
): Promise<VerifiedJwsWithDid> {
  assertDecodedJws(decoded)
  return verifyChecked(decoded, options, checkOptions(options))
}

function checkOptions(options: VerifyJwsWithDidOptions): readonly DidJwsAlgorithm[] {
  if (
    !options ||
    typeof options !== 'object' ||
    !options.resolver ||
    typeof options.resolver.resolve !== 'function'
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'verifyJwsWithDid needs { resolver }')
  }
  const purpose = options.purpose ?? 'assertionMethod'
  if (!PURPOSES.has(purpose))
    throw new CivitasError('INVALID_ARGUMENT', `purpose must be assertionMethod or authentication`)
  const algorithms = options.algorithms ?? ALL_ALGORITHMS
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((a) => ALL_ALGORITHMS.includes(a))
  ) {
    throw new CivitasError('INVALID_ARGUMENT', `algorithms must be a non-empty subset of ${ALL_ALGORITHMS}`)
  }
  if (options.did !== undefined && (typeof options.did !== 'string' || !parse(options.did))) {
    throw new CivitasError('DID_INVALID', 'options.did is not a DID')
  }
  if (options.versionTime !== undefined) {
    assertFiniteNumber(options.versionTime, 'options.versionTime', { min: 0, max: MAX_NUMERIC_DATE })
    if (parse(options.did ?? '')?.query !== undefined) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        'options.versionTime and a query in options.did both choose the document version: give one',
      )
    }
  }
  return algorithms
}

async function verifyChecked(
  decoded: DecodedJws,
  options: VerifyJwsWithDidOptions,
  algorithms: readonly DidJwsAlgorithm[],
): Promise<VerifiedJwsWithDid> {
  const purpose = options.purpose ?? 'assertionMethod'
  // Refuse a disallowed algorithm before any network lookup.
  checkAlgorithm(decoded.header.alg, algorithms)

  const expected = options.did === undefined ? undefined : parse(options.did)
  const kid = decoded.header.kid
  let target = expected
  let keyId: string | undefined
  if (kid?.startsWith('did:')) {
    const parsedKid = parse(kid)
    if (!parsedKid) {
      throw new CivitasError('DID_INVALID', `JWS "kid" ${describeValue(kid, 120)} is not a DID URL`, {
        details: { kid },
      })
    }
    if (expected && parsedKid.did !== expected.did) {
      throw new CivitasError(
        'KEY_NOT_FOUND',
        `JWS "kid" belongs to ${describeValue(parsedKid.did, 120)}, not to ${describeValue(expected.did, 120)}`,
        { details: { kid, did: expected.did } },
      )
    }
    // Only the caller may pin a document version (options.did's query, options.versionTime). A query in
    // the kid is the signer's choice: honouring it would let a revoked or rotated-out key
    // pick the historical document in which it was still valid.
    target = expected ?? parsedKid
    keyId = parsedKid.fragment === undefined ? undefined : `${parsedKid.did}#${parsedKid.fragment}`
  } else if (kid?.startsWith('#') && expected) {
    keyId = `${expected.did}${kid}`
  }
  // Any other kid (a thumbprint, a bare name) says nothing the DID document can confirm; the
  // key is then looked for among all keys of the relationship.
  if (!target) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'no signer DID: the JWS "kid" is not a DID URL and options.did is not set',
    )
  }

  const didUrl = `${target.did}${versionQuery(expected?.query, options.versionTime)}`
  const { didDocument } = await resolveDid(options.resolver, didUrl)
  const did = target.did
  const named = describeValue(did, 120)
  if (didDocument.id !== did) {
    throw new CivitasError(
      'DID_DOCUMENT_INVALID',
      `resolved document is for ${describeValue(didDocument.id, 120)}, not ${named}`,
      { details: { did } },
    )
  }
  const methods = methodsFor(didDocument, did, purpose)
  const candidates = keyId === undefined ? methods : methods.filter((vm) => vm.id === keyId)
  if (candidates.length === 0) {
    throw new CivitasError(
      'KEY_NOT_FOUND',
      keyId === undefined
        ? `${named} has no ${purpose} key`
        : `${describeValue(keyId, 160)} is not a ${purpose} key of ${named}`,
      { details: { did, kid: keyId, purpose } },
    )
  }

  if (keyId !== undefined) {
    const [vm] = candidates as [VerificationMethod]
    await verifyWithMethod(decoded, vm, algorithms)
    return { header: decoded.header, payload: decoded.payload, verificationMethod: vm, didDocument }
  }
  if (candidates.length > MAX_CANDIDATE_KEYS) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `${named} has ${candidates.length} ${purpose} keys; a JWS without "kid" is checked against at most ${MAX_CANDIDATE_KEYS}`,
      { details: { did, purpose, keys: candidates.length, limit: MAX_CANDIDATE_KEYS } },
    )
  }
  const alg = decoded.header.alg
  const fitting = candidates.filter((vm) => {
    const keyAlgs = keyAlgorithms(vm)
    return keyAlgs.includes(alg) || (alg === 'ES256K-R' && keyAlgs.includes('ES256K'))
  })
  if (fitting.length === 0) {
    throw new CivitasError('KEY_NOT_FOUND', `${named} has no ${purpose} key for ${alg}`, {
      details: { did, alg, purpose },
    })
  }
  let lastError: unknown
  for (const vm of fitting) {
    try {
      await verifyWithMethod(decoded, vm, algorithms)
      return { header: decoded.header, payload: decoded.payload, verificationMethod: vm, didDocument }
    } catch (error) {
      if (!isCivitasError(error)) throw error
      lastError = error
    }
  }
  throw new CivitasError('SIGNATURE_INVALID', `no ${purpose} key of ${named} verifies the JWS`, {
    cause: lastError,
    details: { did, alg, tried: fitting.length },
  })
}

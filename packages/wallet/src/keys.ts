import { randomUUID } from 'node:crypto'
import {
  CivitasError,
  describeValue,
  didJwkFromJwk,
  didKeyFromJwk,
  generateKeyPair,
  isRecord,
  type Jwk,
  jwkThumbprint,
  localSigner,
  type SignatureAlgorithm,
  type Signer,
} from '@civitas/core'

/** Algorithms a holder key can have. */
export type HolderAlgorithm = 'ES256' | 'EdDSA' | 'ES256K'

/**
 * `key`: W3C did:key (multicodec). `jwk`: did:jwk. `key-ebsi`: EBSI's natural-person
 * did:key (`jwk_jcs-pub`, multicodec 0xeb51 over the JCS public JWK).
 */
export type HolderDidMethod = 'key' | 'jwk' | 'key-ebsi'

export interface CreateKeyOptions {
  alg?: HolderAlgorithm
  did?: HolderDidMethod
}

/** A holder key as the wallet shows it: never the private part. */
export interface HolderKey {
  readonly id: string
  readonly alg: HolderAlgorithm
  readonly didMethod: HolderDidMethod
  readonly did: string
  /** The verification method id to put in a JWS `kid`. */
  readonly kid: string
  readonly publicJwk: Jwk
  /** RFC 7638 thumbprint of the public key: how credentials are matched to keys. */
  readonly thumbprint: string
  readonly createdAt: string
}

/** The encrypted key record: the public view plus the private JWK. */
export interface KeyRecord extends HolderKey {
  readonly privateJwk: Jwk
}

const ALGORITHMS: readonly HolderAlgorithm[] = ['ES256', 'EdDSA', 'ES256K']
const METHODS: readonly HolderDidMethod[] = ['key', 'jwk', 'key-ebsi']

function didFor(publicJwk: Jwk, method: HolderDidMethod): { did: string; kid: string } {
  if (method === 'jwk') {
    const did = didJwkFromJwk(publicJwk)
    return { did, kid: `${did}#0` }
  }
  const did = didKeyFromJwk(publicJwk, { format: method === 'key' ? 'multicodec' : 'jwk_jcs-pub' })
  // did:key verification methods are `did#<multibase>` for both encodings.
  return { did, kid: `${did}#${did.slice('did:key:'.length)}` }
}

export async function newKeyRecord(options: CreateKeyOptions = {}): Promise<KeyRecord> {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  const alg = (options.alg ?? 'ES256') as HolderAlgorithm
  const didMethod = (options.did ?? 'key') as HolderDidMethod
  if (!ALGORITHMS.includes(alg)) {
    throw new CivitasError(
      'UNSUPPORTED_ALG',
      `a holder key is ES256, EdDSA or ES256K, not ${describeValue(alg)}`,
    )
  }
  if (!METHODS.includes(didMethod)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `did must be "key", "jwk" or "key-ebsi", not ${describeValue(didMethod)}`,
    )
  }
  const pair = await generateKeyPair(alg as SignatureAlgorithm)
  const { did, kid } = didFor(pair.publicJwk, didMethod)
  return {
    id: randomUUID(),
    alg,
    didMethod,
    did,
    kid,
    publicJwk: pair.publicJwk,
    privateJwk: pair.privateJwk,
    thumbprint: await jwkThumbprint(pair.publicJwk),
    createdAt: new Date().toISOString(),
  }
}

export function publicView(record: KeyRecord): HolderKey {
  const { privateJwk: _private, ...view } = record
  return Object.freeze({ ...view, publicJwk: Object.freeze({ ...view.publicJwk }) })
}

/** Checks a key record read back (from the store or an archive). */
export function checkKeyRecord(
  value: unknown,
  what: string,
  code: 'RECORD_TAMPERED' | 'ARCHIVE_INVALID',
): KeyRecord {
  const ok =
    isRecord(value) &&
    typeof value.id === 'string' &&
    value.id.length > 0 &&
    value.id.length <= 256 &&
    ALGORITHMS.includes(value.alg as HolderAlgorithm) &&
    METHODS.includes(value.didMethod as HolderDidMethod) &&
    typeof value.did === 'string' &&
    typeof value.kid === 'string' &&
    isRecord(value.publicJwk) &&
    isRecord(value.privateJwk) &&
    typeof value.thumbprint === 'string' &&
    typeof value.createdAt === 'string'
  if (!ok) throw new CivitasError(code, `${what} is not a holder key record`)
  return value as unknown as KeyRecord
}

/** A core `Signer` for the key, with its verification method as `kid`. */
export function signerFor(record: KeyRecord): Signer {
  return localSigner(record.privateJwk, { kid: record.kid })
}

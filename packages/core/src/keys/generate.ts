import { generateKeyPairSync } from 'node:crypto'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { CURVES, isSignatureAlgorithm, type Jwk, type SignatureAlgorithm } from './algorithms.js'
import { toPublicJwk } from './jwk.js'

export interface GeneratedKeyPair {
  readonly alg: SignatureAlgorithm
  readonly privateJwk: Jwk
  readonly publicJwk: Jwk
}

/** Generates a key pair for `alg` with the platform's CSPRNG and returns it as JWKs. */
export async function generateKeyPair(alg: SignatureAlgorithm): Promise<GeneratedKeyPair> {
  if (!isSignatureAlgorithm(alg)) {
    throw new CivitasError('UNSUPPORTED_ALG', `cannot generate keys for ${describeValue(alg)}`, {
      details: { alg: typeof alg === 'string' ? alg : describeValue(alg) },
    })
  }
  const { nodeCurve } = CURVES[alg]
  const { privateKey } =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: nodeCurve })
  const exported = privateKey.export({ format: 'jwk' }) as Jwk
  const publicJwk = toPublicJwk(exported)
  return Object.freeze({ alg, privateJwk: { ...publicJwk, d: exported.d }, publicJwk })
}

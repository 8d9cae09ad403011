/**
 * JWS verification throughput: @civitas/core's verifyJws next to did-jwt's verifyJWS
 * (signature only), and verifyJwsWithDid (kid → DID document → key → signature) next to
 * did-jwt's verifyJWT (the full JWT path did-jwt-vc uses), on the same tokens with the same
 * in-memory resolver, in the same run. Run with `pnpm bench` (BENCH_MS=3000 for steadier numbers).
 */
import {
  generateKeyPair,
  localSigner,
  type SignatureAlgorithm,
  signJws,
  verifyJws,
  verifyJwsWithDid,
} from '@civitas/core'
import { verifyJWS, verifyJWT } from 'did-jwt'
import { formatOps, formatRatio, markdownTable, measure } from './measure.js'

const algorithms: SignatureAlgorithm[] = ['ES256', 'ES256K', 'EdDSA']
const rows: string[][] = []

for (const alg of algorithms) {
  const keys = await generateKeyPair(alg)
  const did = `did:example:${alg.toLowerCase()}`
  const kid = `${did}#key-1`
  const now = Math.floor(Date.now() / 1000)
  const jws = await signJws(
    { iss: did, sub: 'did:example:holder', iat: now, exp: now + 3600 },
    localSigner(keys.privateJwk, { kid }),
    {
      typ: 'JWT',
    },
  )
  const verificationMethod = {
    id: kid,
    type: 'JsonWebKey2020',
    controller: did,
    publicKeyJwk: keys.publicJwk as Record<string, unknown>,
  }
  // did-jwt needs a resolver; an in-memory one keeps resolution out of the measurement.
  const didDocument = {
    id: did,
    verificationMethod: [verificationMethod],
    assertionMethod: [kid],
    authentication: [kid],
  }
  const resolver = {
    resolve: async () => ({ didDocument, didDocumentMetadata: {}, didResolutionMetadata: {} }),
  }
  // Both libraries must accept the token before we time them.
  await verifyJws(jws, keys.publicJwk)
  await verifyJWT(jws, { resolver: resolver as never })
  verifyJWS(jws, verificationMethod as never)
  await verifyJwsWithDid(jws, { resolver: resolver as never })

  const ours = await measure(`civitas verifyJws ${alg}`, () => verifyJws(jws, keys.publicJwk))
  const oursParallel = await measure(`civitas verifyJws ${alg} x16`, () => verifyJws(jws, keys.publicJwk), {
    concurrency: 16,
  })
  const oursWithDid = await measure(`civitas verifyJwsWithDid ${alg}`, () =>
    verifyJwsWithDid(jws, { resolver: resolver as never }),
  )
  const theirsJwt = await measure(`did-jwt verifyJWT ${alg}`, () =>
    verifyJWT(jws, { resolver: resolver as never }),
  )
  const theirsJws = await measure(`did-jwt verifyJWS ${alg}`, () =>
    verifyJWS(jws, verificationMethod as never),
  )
  rows.push([
    alg,
    formatOps(ours.opsPerSecond),
    formatOps(oursParallel.opsPerSecond),
    formatOps(theirsJws.opsPerSecond),
    formatRatio(ours.opsPerSecond / theirsJws.opsPerSecond),
    formatOps(oursWithDid.opsPerSecond),
    formatOps(theirsJwt.opsPerSecond),
    formatRatio(oursWithDid.opsPerSecond / theirsJwt.opsPerSecond),
  ])
}

console.log(`JWS verification, ops/s (Node ${process.version}, ${process.arch}, one process)\n`)
console.log(
  markdownTable(
    [
      'alg',
      'civitas verifyJws',
      'civitas, 16 in flight',
      'did-jwt verifyJWS',
      'ratio',
      'civitas verifyJwsWithDid',
      'did-jwt verifyJWT',
      'ratio (with DID)',
    ],
    rows,
  ),
)

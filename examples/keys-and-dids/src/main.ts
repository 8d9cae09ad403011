/**
 * The first Civitas walk-through: make keys, turn them into DIDs a wallet can use
 * (did:key, did:jwk, and EBSI's did:key for natural persons), resolve those DIDs back
 * to their documents, then sign a JWS with one key and verify it with the key found
 * in the resolved document. Nothing here touches a network or a ledger.
 */
import {
  createResolver,
  didJwkFromJwk,
  didKeyFromJwk,
  generateKeyPair,
  localSigner,
  type SignatureAlgorithm,
  signJws,
  verifyJws,
  verifyJwsWithDid,
} from '@civitas/core'

const say = (line = '') => console.log(line)
const resolver = createResolver()

say('Civitas: keys, DIDs and signatures')
say('==================================')
for (const alg of ['ES256', 'ES256K', 'EdDSA'] as SignatureAlgorithm[]) {
  const keys = await generateKeyPair(alg)
  const didKey = didKeyFromJwk(keys.publicJwk, { format: 'multicodec' })
  const didJwk = didJwkFromJwk(keys.publicJwk)
  say()
  say(`${alg} key pair (${keys.publicJwk.crv})`)
  say(`  did:key  ${didKey}`)
  say(`  did:jwk  ${didJwk.slice(0, 72)}...`)

  const resolution = await resolver.resolve(didKey)
  const method = resolution.didDocument?.verificationMethod?.[0]
  say(`  resolved ${didKey.slice(0, 32)}... -> ${method?.type} ${method?.id.slice(-12)}`)
  const jwkDocument = (await resolver.resolve(didJwk)).didDocument
  say(
    `  resolved did:jwk -> ${jwkDocument?.verificationMethod?.[0]?.id.slice(-2)} in ${Object.keys(
      jwkDocument ?? {},
    )
      .filter(
        (k) =>
          Array.isArray(jwkDocument?.[k as keyof typeof jwkDocument]) &&
          k !== 'verificationMethod' &&
          k !== '@context',
      )
      .join(', ')}`,
  )

  const signer = localSigner(keys.privateJwk, { kid: method?.id })
  const jws = await signJws({ iss: didKey, msg: `hello from ${alg}` }, signer, { typ: 'JWT' })
  say(`  signed   ${jws.slice(0, 60)}...`)
  const checked = await verifyJwsWithDid(jws, { resolver, did: didKey })
  say(`  verified with the key from the DID document: ${checked.verificationMethod.id.slice(-12)}`)
  const tampered = `${jws.slice(0, jws.lastIndexOf('.') - 4)}AAAA${jws.slice(jws.lastIndexOf('.'))}`
  try {
    await verifyJws(tampered, keys.publicJwk)
    throw new Error('a tampered token verified: this must never happen')
  } catch (error) {
    say(`  tampered payload refused: ${(error as { code?: string }).code}`)
  }
}

const natural = await generateKeyPair('ES256')
const ebsiDid = didKeyFromJwk(natural.publicJwk, { format: 'jwk_jcs-pub' })
const ebsiDocument = (await resolver.resolve(ebsiDid)).didDocument
say()
say('EBSI natural person (did:key, jwk_jcs-pub)')
say(`  ${ebsiDid.slice(0, 72)}...`)
say(
  `  document has ${ebsiDocument?.verificationMethod?.length} verification method, no keyAgreement: ${ebsiDocument?.keyAgreement === undefined}`,
)
say()
say('Done. Next: `pnpm test` runs the conformance suite.')

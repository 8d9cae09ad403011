/**
 * Credential-format throughput: issue and verify ops/s for jwt_vc_json, vc+jwt and
 * dc+sd-jwt, next to did-jwt-vc (jwt_vc_json) and @sd-jwt/sd-jwt-vc (dc+sd-jwt) on the same
 * inputs, in the same run. ES256 throughout (EBSI's mandatory algorithm). DID resolution
 * is served from memory on both sides so that only the format work is measured.
 * Run with `pnpm bench:formats` (BENCH_MS=3000 for steadier numbers).
 */
import {
  base64urlDecode,
  didJwkFromJwk,
  generateKeyPair,
  issueJwtVc,
  issueJwtVp,
  issueSdJwtVc,
  localSigner,
  presentSdJwt,
  type VerifyJwtVcOptions,
  verifyJwtVc,
  verifyJwtVp,
  verifySdJwt,
} from '@civitas/core'
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { ES256Signer } from 'did-jwt'
import { createVerifiableCredentialJwt, verifyCredential, verifyPresentation } from 'did-jwt-vc'
import { formatOps, formatRatio, markdownTable, measure } from './measure.js'

const issuerKeys = await generateKeyPair('ES256')
const holderKeys = await generateKeyPair('ES256')
const issuerDid = didJwkFromJwk(issuerKeys.publicJwk)
const holderDid = didJwkFromJwk(holderKeys.publicJwk)
const issuerSigner = localSigner(issuerKeys.privateJwk, { kid: `${issuerDid}#0` })
const holderSigner = localSigner(holderKeys.privateJwk, { kid: `${holderDid}#0` })

function didDocument(did: string, publicJwk: unknown) {
  const id = `${did}#0`
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: [{ id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicJwk }],
    assertionMethod: [id],
    authentication: [id],
  }
}
const documents = new Map([
  [issuerDid, didDocument(issuerDid, issuerKeys.publicJwk)],
  [holderDid, didDocument(holderDid, holderKeys.publicJwk)],
])
// One in-memory resolver for both libraries: resolution is not what is measured.
const resolver = {
  resolve: async (didUrl: string) => ({
    didDocument: documents.get(didUrl.split(/[#?]/)[0]!) ?? null,
    didDocumentMetadata: {},
    didResolutionMetadata: { contentType: 'application/did+ld+json' },
  }),
} as unknown as NonNullable<VerifyJwtVcOptions['resolver']>

const now = Math.floor(Date.now() / 1000)
const subject = { id: holderDid, degree: { type: 'MasterDegree', name: 'MSc Informatics' }, grade: 'A' }
const credential11 = {
  '@context': ['https://www.w3.org/2018/credentials/v1'],
  id: 'urn:uuid:2f2d1f0e-7a58-4bd4-8c3d-1d2b9f7b0a11',
  type: ['VerifiableCredential', 'VerifiableDiploma'],
  issuer: issuerDid,
  issuanceDate: new Date((now - 60) * 1000).toISOString(),
  expirationDate: new Date((now + 86_400) * 1000).toISOString(),
  credentialSubject: subject,
}
const credential20 = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: 'urn:uuid:2f2d1f0e-7a58-4bd4-8c3d-1d2b9f7b0a12',
  type: ['VerifiableCredential', 'VerifiableDiploma'],
  issuer: issuerDid,
  validFrom: new Date((now - 60) * 1000).toISOString(),
  validUntil: new Date((now + 86_400) * 1000).toISOString(),
  credentialSubject: subject,
}
const theirIssuer = {
  did: issuerDid,
  alg: 'ES256',
  signer: ES256Signer(base64urlDecode(issuerKeys.privateJwk.d!)),
}
const theirPayload = {
  sub: holderDid,
  nbf: now - 60,
  exp: now + 86_400,
  jti: credential11.id,
  vc: {
    '@context': credential11['@context'],
    type: credential11.type,
    credentialSubject: { ...subject, id: undefined },
  },
}

// dc+sd-jwt: a PID-like credential, 6 selectively disclosable claims, presented with 3 and a KB-JWT.
const pidClaims = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1964-08-12',
  address: { street_address: 'Heidestraße 17', locality: 'Köln', country: 'DE' },
  nationalities: ['DE'],
}
const frame = {
  _sd: ['given_name', 'family_name', 'birthdate', 'address'],
  address: { _sd: ['street_address', 'locality'] },
}
const nonce = 'n-4d1f0c'
const audience = 'https://verifier.example.eu'
const issueOurSdJwt = () =>
  issueSdJwtVc(
    {
      vct: 'urn:eudi:pid:1',
      iss: 'https://pid-provider.example.eu',
      exp: now + 86_400,
      cnf: { jwk: holderKeys.publicJwk },
      claims: pidClaims,
      disclosable: frame,
    },
    { signer: issuerSigner },
  )
const theirs = new SDJwtVcInstance({
  signer: await ES256.getSigner(issuerKeys.privateJwk),
  verifier: await ES256.getVerifier(issuerKeys.publicJwk),
  signAlg: 'ES256',
  hasher: digest,
  hashAlg: 'sha-256',
  saltGenerator: generateSalt,
  kbSigner: await ES256.getSigner(holderKeys.privateJwk),
  kbSignAlg: 'ES256',
  kbVerifier: await ES256.getVerifier(holderKeys.publicJwk),
})
const issueTheirSdJwt = () =>
  theirs.issue(
    {
      iss: 'https://pid-provider.example.eu',
      iat: now,
      exp: now + 86_400,
      vct: 'urn:eudi:pid:1',
      cnf: { jwk: holderKeys.publicJwk },
      ...pidClaims,
    },
    frame as never,
  )

// Build every token once, and check each library accepts what it is about to be timed on.
const ourVc11 = await issueJwtVc(credential11, { format: 'jwt_vc_json', signer: issuerSigner })
const ourVc20 = await issueJwtVc(credential20, { format: 'vc+jwt', signer: issuerSigner })
const theirVc = await createVerifiableCredentialJwt(theirPayload, theirIssuer)
const vpBody = { '@context': credential11['@context'], type: ['VerifiablePresentation'], holder: holderDid }
const ourVp = await issueJwtVp(
  { ...vpBody, verifiableCredential: [ourVc11] },
  { format: 'jwt_vc_json', signer: holderSigner, nonce, audience },
)
const ourSdJwt = await issueOurSdJwt()
const ourSdPresentation = await presentSdJwt(ourSdJwt, {
  disclose: { given_name: true, address: { locality: true } },
  keyBinding: { signer: holderSigner, nonce, audience },
})
const theirSdJwt = await issueTheirSdJwt()
const theirSdPresentation = await theirs.present(
  theirSdJwt,
  { given_name: true, address: { locality: true } },
  { kb: { payload: { iat: now, aud: audience, nonce } } },
)
const verifyOurSd = () =>
  verifySdJwt(ourSdPresentation, { resolver, publicJwk: issuerKeys.publicJwk, nonce, audience })
for (const [name, check] of [
  ['verifyJwtVc jwt_vc_json', async () => (await verifyJwtVc(ourVc11, { resolver })).verified],
  ['verifyJwtVc their jwt_vc_json', async () => (await verifyJwtVc(theirVc, { resolver })).verified],
  ['verifyJwtVc vc+jwt', async () => (await verifyJwtVc(ourVc20, { resolver })).verified],
  ['verifyJwtVp', async () => (await verifyJwtVp(ourVp, { resolver, nonce, audience })).verified],
  ['verifySdJwt', async () => (await verifyOurSd()).verified],
  [
    'verifySdJwt theirs',
    async () =>
      (await verifySdJwt(theirSdPresentation, { publicJwk: issuerKeys.publicJwk, nonce, audience })).verified,
  ],
] as const) {
  if (!(await check())) throw new Error(`${name} does not verify`)
}
await verifyCredential(ourVc11, resolver as never)
await verifyCredential(theirVc, resolver as never)
await verifyPresentation(ourVp, resolver as never, { challenge: nonce, domain: audience })
await theirs.verify(ourSdPresentation, { keyBindingNonce: nonce })
await theirs.verify(theirSdPresentation, { keyBindingNonce: nonce })

interface Row {
  format: string
  operation: string
  ours: () => unknown
  peerName: string
  peer?: () => unknown
}

const cases: Row[] = [
  {
    format: 'jwt_vc_json',
    operation: 'issue credential',
    ours: () => issueJwtVc(credential11, { format: 'jwt_vc_json', signer: issuerSigner }),
    peerName: 'did-jwt-vc',
    peer: () => createVerifiableCredentialJwt(theirPayload, theirIssuer),
  },
  {
    format: 'jwt_vc_json',
    operation: 'verify credential (DID)',
    ours: () => verifyJwtVc(ourVc11, { resolver }),
    peerName: 'did-jwt-vc',
    peer: () => verifyCredential(ourVc11, resolver as never),
  },
  {
    format: 'jwt_vc_json',
    operation: 'verify presentation + 1 credential',
    ours: () => verifyJwtVp(ourVp, { resolver, nonce, audience }),
    peerName: 'did-jwt-vc',
    // did-jwt-vc's verifyPresentation leaves the enclosed credential unchecked: verify it
    // too, so both sides do the same work (two signatures) on the same token.
    peer: async () => {
      await verifyPresentation(ourVp, resolver as never, { challenge: nonce, domain: audience })
      await verifyCredential(ourVc11, resolver as never)
    },
  },
  {
    format: 'vc+jwt',
    operation: 'issue credential',
    ours: () => issueJwtVc(credential20, { format: 'vc+jwt', signer: issuerSigner }),
    peerName: '—',
  },
  {
    format: 'vc+jwt',
    operation: 'verify credential (DID)',
    ours: () => verifyJwtVc(ourVc20, { resolver }),
    peerName: '—',
  },
  {
    format: 'dc+sd-jwt',
    operation: 'issue (6 disclosures)',
    ours: issueOurSdJwt,
    peerName: '@sd-jwt/sd-jwt-vc',
    peer: issueTheirSdJwt,
  },
  {
    format: 'dc+sd-jwt',
    operation: 'present 3 + KB-JWT',
    ours: () =>
      presentSdJwt(ourSdJwt, {
        disclose: { given_name: true, address: { locality: true } },
        keyBinding: { signer: holderSigner, nonce, audience },
      }),
    peerName: '@sd-jwt/sd-jwt-vc',
    peer: () =>
      theirs.present(
        theirSdJwt,
        { given_name: true, address: { locality: true } },
        { kb: { payload: { iat: now, aud: audience, nonce } } },
      ),
  },
  {
    format: 'dc+sd-jwt',
    operation: 'verify presentation + KB-JWT (JWK)',
    ours: () => verifySdJwt(ourSdPresentation, { publicJwk: issuerKeys.publicJwk, nonce, audience }),
    peerName: '@sd-jwt/sd-jwt-vc',
    peer: () => theirs.verify(ourSdPresentation, { keyBindingNonce: nonce }),
  },
]

const rows: string[][] = []
for (const c of cases) {
  const ours = await measure(`civitas ${c.format} ${c.operation}`, c.ours)
  // Verification awaits WebCrypto, which runs on libuv's pool: show what a busy server gets.
  const parallel = c.operation.startsWith('verify')
    ? await measure(`civitas ${c.format} ${c.operation} x16`, c.ours, { concurrency: 16 })
    : undefined
  const peer = c.peer ? await measure(`${c.peerName} ${c.format} ${c.operation}`, c.peer) : undefined
  rows.push([
    c.format,
    c.operation,
    formatOps(ours.opsPerSecond),
    parallel ? formatOps(parallel.opsPerSecond) : '—',
    c.peerName,
    peer ? formatOps(peer.opsPerSecond) : '—',
    peer ? formatRatio(ours.opsPerSecond / peer.opsPerSecond) : '—',
  ])
}

console.log(`Credential formats, ES256, ops/s (Node ${process.version}, ${process.arch}, one process)\n`)
console.log(
  markdownTable(
    ['format', 'operation', 'civitas', 'civitas, 16 in flight', 'peer', 'peer ops/s', 'ratio'],
    rows,
  ),
)

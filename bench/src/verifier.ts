/**
 * @civitas/verifier: the full verification of a jwt_vc_json presentation with one credential
 * (holder and issuer signatures, times, data model, status words read on chain, the
 * accreditation chain walked to a trusted Root TAO, the registered JSON Schema, holder
 * binding), warm caches, next to did-jwt-vc's verifyPresentation + verifyCredential (which
 * check signatures only) and to core's verifyJwtVp (our signature-only path). Then RPC calls
 * counted at the provider: 1,000 status checks on one list, and a cold did:ethr resolution
 * of an identity with 20 changes. Run: `pnpm bench:verifier` (BENCH_MS=3000 for steadier numbers).
 */

import { createHash, randomInt } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  base64urlEncode,
  createResolver,
  didKeyFromJwk,
  generateKeyPair,
  issueJwtVc,
  issueJwtVp,
  type Jwk,
  localSigner,
  verifyJwtVp,
} from '@civitas/core'
import { connectRegistries, ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { createVerifier } from '@civitas/verifier'
import { verifyCredential, verifyPresentation } from 'did-jwt-vc'
import { FetchRequest, getBytes, JsonRpcProvider, Network, type Wallet } from 'ethers'
import { formatOps, formatRatio, markdownTable, measure } from './measure.js'

const ROUNDS = 5
const ROUND_MS = Math.max(200, Math.round(Number(process.env.BENCH_MS ?? 1500) / ROUNDS))

/** A JSON-RPC provider that counts the calls it sends (batch members one by one). */
class CountingProvider extends JsonRpcProvider {
  calls = 0
  constructor(url: string, chainId: number) {
    const network = Network.from(chainId)
    super(new FetchRequest(url), network, { staticNetwork: network, cacheTimeout: -1 })
  }
  override async _send(payload: Parameters<JsonRpcProvider['_send']>[0]) {
    this.calls += Array.isArray(payload) ? payload.length : 1
    return super._send(payload)
  }
}

function privateJwkOf(wallet: Wallet): Jwk {
  const point = getBytes(wallet.signingKey.publicKey)
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64urlEncode(point.subarray(1, 33)),
    y: base64urlEncode(point.subarray(33)),
    d: base64urlEncode(getBytes(wallet.signingKey.privateKey)),
  }
}

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    credentialSubject: {
      type: 'object',
      required: ['id', 'degree'],
      properties: { id: { type: 'string' }, degree: { type: 'string' } },
    },
  },
}
const schemaBytes = Buffer.from(JSON.stringify(schema))
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/schema+json' }).end(schemaBytes)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const schemaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/diploma.json`

const chain: LocalChain = await startLocalChain({ networkName: 'civitas', accounts: 6 })
try {
  const [governance, ministry, agency, university, changer] = chain.wallets as Wallet[]
  const network = 'civitas'
  const did = (w: Wallet) => `did:ethr:${network}:${w.address}`
  const doc = { documentHash: `0x${'ab'.repeat(32)}`, documentUri: 'https://accreditations.example/1' }
  const registries = (w: Wallet) => connectRegistries(chain.manifest, w)
  const root = await registries(governance!).trustedIssuers.appointRootTao(ministry!.address, {
    types: ['VerifiableDiploma'],
    ...doc,
  })
  const tao = await registries(ministry!).trustedIssuers.accredit(agency!.address, 'TAO', root.index, {
    types: ['VerifiableDiploma'],
    ...doc,
  })
  await registries(agency!).trustedIssuers.accredit(university!.address, 'TrustedIssuer', tao.index, {
    types: ['VerifiableDiploma'],
    ...doc,
  })
  await registries(university!).status.createList(1, 'revocation')
  await registries(governance!).schemas.addVersion(
    'urn:civitas:bench:diploma',
    `0x${createHash('sha256').update(schemaBytes).digest('hex')}`,
    schemaUrl,
  )

  const universityDid = did(university!)
  // Two issuer keys of the same did:ethr: the default controller key (an Ethereum address:
  // ES256K signatures are verified by public-key recovery) and an Ed25519 assertion key
  // published as an attribute (verified with the key itself).
  const ed25519 = await generateKeyPair('EdDSA')
  await registries(university!).did.setAttribute(
    university!.address,
    'did/pub/Ed25519/veriKey/hex',
    `0x${Buffer.from(ed25519.publicJwk.x!, 'base64url').toString('hex')}`,
    365 * 86_400,
  )
  const probe = createResolver({ web: false, ethr: { networks: [ethrNetworkFromManifest(chain.manifest)] } })
  const edMethod = (await probe.resolve(universityDid)).didDocument?.verificationMethod?.find(
    (vm) => vm.type === 'Ed25519VerificationKey2018',
  )
  if (!edMethod) throw new Error('the Ed25519 key is not in the DID document')
  const issuerKeys = [
    {
      label: 'ES256K (controller address)',
      signer: localSigner(privateJwkOf(university!), { kid: `${universityDid}#controller` }),
    },
    { label: 'EdDSA (Ed25519 attribute key)', signer: localSigner(ed25519.privateJwk, { kid: edMethod.id }) },
  ]
  const universitySigner = issuerKeys[0]!.signer
  const holderKeys = await generateKeyPair('ES256')
  const holderDid = didKeyFromJwk(holderKeys.publicJwk)
  const holderSigner = localSigner(holderKeys.privateJwk, { kid: `${holderDid}#${holderDid.slice(8)}` })
  const statusEntry = (index: number) => ({
    id: `https://uni.example/status/1#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: 'https://uni.example/status/1',
    statusChain: {
      chainId: chain.chainId,
      registry: chain.contracts.StatusRegistry,
      owner: university!.address,
      listId: '1',
    },
  })
  // Issued now: after the keys were published (the key valid at issuance signs).
  const issuedAt = () => Math.floor(Date.now() / 1000)
  const diploma = (index: number, signer = universitySigner) =>
    issueJwtVc(
      {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        id: `urn:uuid:${crypto.randomUUID()}`,
        type: ['VerifiableCredential', 'VerifiableDiploma'],
        issuer: universityDid,
        issuanceDate: new Date(issuedAt() * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        credentialSubject: { id: holderDid, degree: 'MSc' },
        credentialStatus: statusEntry(index),
        credentialSchema: { id: 'urn:civitas:bench:diploma', type: 'JsonSchema' },
      },
      { format: 'jwt_vc_json', signer, iat: issuedAt() },
    )
  const nonce = 'bench-nonce'
  const audience = 'https://border.example'

  // One resolver for all three sides, warm: DID resolution is not what is compared.
  const resolver = createResolver({
    web: false,
    cache: { ttlMs: 3_600_000 },
    ethr: { networks: [ethrNetworkFromManifest(chain.manifest)] },
  })
  const verifier = createVerifier({
    resolver,
    chain: { manifest: chain.manifest },
    trust: { rootTaos: [did(ministry!)] },
  })
  const rows: string[][] = []
  for (const { label, signer } of issuerKeys) {
    const vc = await diploma(randomInt(0, 131_072), signer)
    const vp = await issueJwtVp(
      {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        holder: holderDid,
        verifiableCredential: [vc],
      },
      { format: 'jwt_vc_json', signer: holderSigner, nonce, audience, expiresInSeconds: 3_600 },
    )
    const full = await verifier.verifyPresentation(vp, { nonce, audience })
    if (!full.verified) throw new Error(`the presentation does not verify: ${JSON.stringify(full.errors)}`)
    if (full.checks.length < 14) throw new Error('not every check ran')
    const signaturesOnly = await verifyJwtVp(vp, { resolver, nonce, audience })
    if (!signaturesOnly.verified) throw new Error(JSON.stringify(signaturesOnly.errors))
    await verifyPresentation(vp, resolver as never, { challenge: nonce, domain: audience })
    await verifyCredential(vc, resolver as never)

    // Interleaved rounds: on a shared machine the load drifts, and measuring one case after
    // the other would charge the drift to whichever ran later.
    const cases = {
      full: { run: () => verifier.verifyPresentation(vp, { nonce, audience }), concurrency: 1 },
      full16: { run: () => verifier.verifyPresentation(vp, { nonce, audience }), concurrency: 16 },
      signatures: { run: () => verifyJwtVp(vp, { resolver, nonce, audience }), concurrency: 1 },
      signatures16: { run: () => verifyJwtVp(vp, { resolver, nonce, audience }), concurrency: 16 },
      peer: {
        run: async () => {
          await verifyPresentation(vp, resolver as never, { challenge: nonce, domain: audience })
          await verifyCredential(vc, resolver as never)
        },
        concurrency: 1,
      },
    }
    const operations: Record<string, number> = {}
    const seconds: Record<string, number> = {}
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, { run, concurrency }] of Object.entries(cases)) {
        const m = await measure(name, run, { concurrency, durationMs: ROUND_MS })
        operations[name] = (operations[name] ?? 0) + m.iterations
        seconds[name] = (seconds[name] ?? 0) + m.iterations / m.opsPerSecond
      }
    }
    const ops = (name: string) => operations[name]! / seconds[name]!
    const civitasFull = { opsPerSecond: ops('full') }
    const civitasFull16 = { opsPerSecond: ops('full16') }
    const civitasSignatures = { opsPerSecond: ops('signatures') }
    const civitasSignatures16 = { opsPerSecond: ops('signatures16') }
    const peer = { opsPerSecond: ops('peer') }
    rows.push([
      label,
      formatOps(civitasFull.opsPerSecond),
      formatOps(civitasFull16.opsPerSecond),
      formatOps(civitasSignatures.opsPerSecond),
      formatOps(civitasSignatures16.opsPerSecond),
      formatOps(peer.opsPerSecond),
      formatRatio(civitasFull.opsPerSecond / peer.opsPerSecond),
      `${formatRatio(civitasSignatures.opsPerSecond / civitasFull.opsPerSecond)} / ${formatRatio(civitasSignatures16.opsPerSecond / civitasFull16.opsPerSecond)}`,
    ])
  }
  console.log('\n## jwt_vc_json presentation with one credential, warm caches\n')
  console.log(
    markdownTable(
      [
        'issuer key',
        'civitas, all checks',
        'all checks, 16 in flight',
        'core verifyJwtVp',
        'verifyJwtVp, 16 in flight',
        'did-jwt-vc',
        'all checks vs did-jwt-vc',
        'cost of all checks (1 / 16 in flight)',
      ],
      rows,
    ),
  )

  // ── RPC calls: 1,000 status checks on one list ───────────────────────────────
  const indices = new Set<number>()
  while (indices.size < 1_000) indices.add(randomInt(0, 131_072))
  const credentials = await Promise.all([...indices].map((index) => diploma(index)))
  for (const headTtlMs of [60_000, 1_000]) {
    const counting = new CountingProvider(chain.rpcUrl, chain.chainId)
    const statusVerifier = createVerifier({
      resolver,
      chain: { manifest: chain.manifest, provider: counting, headTtlMs },
      trust: { rootTaos: [did(ministry!)] },
      policy: { checks: { trust: false, schema: false } },
    })
    const started = performance.now()
    await statusVerifier.verifyMany(credentials, { concurrency: 16 })
    const elapsed = performance.now() - started
    console.log(
      `1,000 status checks on one list, headTtlMs ${headTtlMs}: ${counting.calls} RPC calls in ${Math.round(elapsed)} ms ` +
        '(one getWords per list and block, one eth_blockNumber per head interval; goal <= 2)',
    )
  }

  // ── RPC calls: cold did:ethr resolution of an identity with 20 changes ───────
  const changerRegistry = registries(changer!).did
  for (let i = 0; i < 20; i++) {
    await changerRegistry.setAttribute(
      changer!.address,
      'did/svc/LinkedDomains',
      `https://c${i}.example`,
      86_400,
    )
  }
  const cold = new CountingProvider(chain.rpcUrl, chain.chainId)
  const coldResolver = createResolver({
    web: false,
    cache: false,
    ethr: {
      networks: [
        { name: network, chainId: chain.chainId, registry: chain.contracts.DIDRegistry, provider: cold },
      ],
    },
  })
  const resolved = await coldResolver.resolve(did(changer!))
  if (!resolved.didDocument) throw new Error('the changed DID does not resolve')
  console.log(`cold did:ethr resolution, 20 changes: ${cold.calls} RPC calls (goal <= 3)`)
} finally {
  await chain.stop()
  server.close()
}

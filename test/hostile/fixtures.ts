import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@civitas/core'
import * as registry from '@civitas/registry-contracts'
import { parse } from 'did-resolver'
import { Wallet } from 'ethers'

/** A 127.0.0.1 port nothing listens on: every RPC to it is refused at once. */
/**
 * A local port where no node answers: held by a server that drops every connection, for the
 * process's lifetime. A port merely found free and closed again can be taken meanwhile by an
 * anvil another test file starts, and then the "unreachable" node answers.
 */
export async function closedPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy())
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.unref()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
}

const ADDRESS = '0x1111111111111111111111111111111111111111'
const OTHER = '0x2222222222222222222222222222222222222222'
const BYTES32 = `0x${'ab'.repeat(32)}`

/** A fetch that answers 404 to everything: did:web lookups never leave the process. */
const fetch404: typeof fetch = async () => new Response('not found', { status: 404 })

/** Valid tokens, keys and clients: the baseline each hostile value is substituted into. */
export async function buildFixtures() {
  const keys = await core.generateKeyPair('ES256')
  const holderKeys = await core.generateKeyPair('ES256')
  const issuerDid = core.didKeyFromJwk(keys.publicJwk)
  const holderDid = core.didKeyFromJwk(holderKeys.publicJwk)
  const kid = `${issuerDid}#${issuerDid.slice('did:key:'.length)}`
  const holderKid = `${holderDid}#${holderDid.slice('did:key:'.length)}`
  const signer = core.localSigner(keys.privateJwk, { kid })
  const holderSigner = core.localSigner(holderKeys.privateJwk, { kid: holderKid })
  const resolver = core.createResolver({ web: { fetch: fetch404 } })

  const credential11 = {
    '@context': [core.VCDM_1_1_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: issuerDid,
    issuanceDate: '2024-01-01T00:00:00Z',
    credentialSubject: { id: holderDid, name: 'Ada' },
  }
  const credential20 = {
    '@context': [core.VCDM_2_0_CONTEXT],
    type: ['VerifiableCredential'],
    issuer: issuerDid,
    validFrom: '2024-01-01T00:00:00Z',
    credentialSubject: { id: holderDid, name: 'Ada' },
  }
  const vcJwt = await core.issueJwtVc(credential11, { format: 'jwt_vc_json', signer })
  const vc2Jwt = await core.issueJwtVc(credential20, { format: 'vc+jwt', signer })
  const presentation = {
    '@context': [core.VCDM_1_1_CONTEXT],
    type: ['VerifiablePresentation'],
    holder: holderDid,
    verifiableCredential: [vcJwt],
  }
  const vpJwt = await core.issueJwtVp(presentation, {
    format: 'jwt_vc_json',
    signer: holderSigner,
    nonce: 'n-1',
    audience: 'https://verifier.example',
  })
  const sdJwt = await core.issueSdJwtVc(
    {
      vct: 'urn:example:pid',
      iss: issuerDid,
      claims: { given_name: 'Ada', address: { locality: 'Turin' } },
      disclosable: ['/given_name', '/address/locality'],
      cnf: { jwk: holderKeys.publicJwk },
    },
    { signer },
  )
  const sdJwtJson = core.sdJwtToJson(sdJwt, 'flattened')
  const statusUri = 'https://issuer.example/status/1'
  const statusToken = await core.issueStatusListToken(
    { iss: issuerDid, sub: statusUri, statuses: [0, 1, 0, 1], bits: 1 },
    { signer },
  )
  const encodedList = core.encodeBitstringStatusList(new Uint8Array(core.BITSTRING_STATUS_LIST_MIN_ENTRIES))
  const tokenList = core.encodeTokenStatusList([0, 1, 1, 0], { bits: 1 })

  const presentedSdJwt = await core.presentSdJwt(sdJwt, {
    disclose: ['/given_name'],
    keyBinding: { signer: holderSigner, nonce: 'n-1', audience: 'https://verifier.example' },
  })
  const vcSdJwt = await core.issueVcSdJwt(credential20, {
    signer,
    disclosable: ['/credentialSubject/name'],
  })
  const vpSdJwt = await core.issueVpSdJwt(
    {
      '@context': [core.VCDM_2_0_CONTEXT],
      type: ['VerifiablePresentation'],
      holder: holderDid,
      verifiableCredential: [core.envelopeVcSdJwt(vcSdJwt)],
    },
    { signer: holderSigner, nonce: 'n-1', audience: 'https://verifier.example' },
  )
  const secp = await core.generateKeyPair('ES256K')
  const secp256k1Uncompressed = new Uint8Array([
    4,
    ...core.base64urlDecode(secp.publicJwk.x as string),
    ...core.base64urlDecode(secp.publicJwk.y as string),
  ])
  const es256kAddress = core.ethereumAddressOfPublicKey(secp256k1Uncompressed)
  const es256kJws = await core.signJws({ a: 1 }, core.localSigner(secp.privateJwk))

  const port = await closedPort()
  const rpcUrl = `http://127.0.0.1:${port}`
  const provider = registry.createRegistryProvider(rpcUrl, 31337, { timeoutMs: 1_000 })
  const wallet = new Wallet(`0x${'11'.repeat(32)}`, provider)
  const detachedWallet = new Wallet(`0x${'22'.repeat(32)}`)
  const clientOptions = { readTimeoutMs: 1_000, receiptTimeoutMs: 1_000 }
  const none = { address: ADDRESS, transactionHash: `0x${'00'.repeat(32)}`, blockNumber: 1 }
  const manifest: registry.RegistryManifest = {
    version: 1,
    network: { name: 'local', chainId: 31337, rpcUrl },
    deployer: ADDRESS,
    governance: ADDRESS,
    contracts: {
      DIDRegistry: none,
      StatusRegistry: none,
      TrustedIssuersRegistry: none,
      SchemaRegistry: none,
    },
  }
  const ethrNetwork = { name: 'local', chainId: 31337, rpcUrl, registry: ADDRESS }
  const workDir = mkdtempSync(join(tmpdir(), 'civitas-hostile-'))
  const manifestPath = join(workDir, 'manifest.json')
  await registry.writeManifest(manifestPath, manifest)
  const grant = {
    types: ['VerifiableDiploma'],
    documentHash: BYTES32,
    documentUri: 'https://accreditation.example/1',
  }

  return {
    ADDRESS,
    OTHER,
    BYTES32,
    keys,
    holderKeys,
    issuerDid,
    holderDid,
    kid,
    signer,
    holderSigner,
    resolver,
    fetch404,
    credential11,
    credential20,
    vcJwt,
    vc2Jwt,
    presentation,
    vpJwt,
    sdJwt,
    sdJwtJson,
    presentedSdJwt,
    vcSdJwt,
    vpSdJwt,
    secpSigner: core.localSigner(secp.privateJwk),
    secp256k1Uncompressed,
    es256kAddress,
    es256kJws,
    statusUri,
    statusToken,
    encodedList,
    tokenList,
    rpcUrl,
    provider,
    wallet,
    detachedWallet,
    clientOptions,
    manifest,
    manifestPath,
    /** writeManifest probes write here, never over the manifest readManifest reads. */
    scratchManifestPath: join(workDir, 'scratch-manifest.json'),
    workDir,
    ethrNetwork,
    parsedEthrDid: parse(`did:ethr:local:${ADDRESS}`),
    parsedWebDid: parse('did:web:issuer.example'),
    grant,
  }
}

export type Fixtures = Awaited<ReturnType<typeof buildFixtures>>

/**
 * A small Civitas world for the verifier tests, on a real anvil chain with the real
 * registries and real HTTP servers on 127.0.0.1: governance appoints a ministry as Root TAO,
 * the ministry accredits an agency (TAO), the agency accredits a university for
 * `VerifiableDiploma`. The university has a revocation and a suspension list on chain and
 * publishes them as signed Bitstring Status List credentials (and a Token Status List) over
 * HTTP; a diploma schema is registered in the SchemaRegistry and served over HTTP.
 *
 * Until the issuer SDK exists, credentials are issued with core's issueJwtVc / issueSdJwtVc
 * and status entries in the shape of BRIEF-STATUS-SHAPE (W3C entries and `status_list`, each
 * with `statusChain`).
 */
import { createHash, randomInt } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  base64urlEncode,
  didKeyFromJwk,
  encodeBitstringStatusListBytes,
  generateKeyPair,
  issueJwtVc,
  issueJwtVp,
  issueSdJwtVc,
  issueStatusListToken,
  type Jwk,
  localSigner,
  type Signer,
} from '@civitas/core'
import { connectRegistries, type RegistryClients, wordsToBitstring } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { getBytes, type Wallet } from 'ethers'

export const YEAR = 365 * 86_400
export const DIPLOMA = 'VerifiableDiploma'
export const PID = 'urn:eudi:pid:1'
export const REVOCATION_LIST = 1
export const SUSPENSION_LIST = 2
export const TOKEN_LIST = 3

export function privateJwkOf(wallet: Wallet): Jwk {
  const point = getBytes(wallet.signingKey.publicKey)
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: base64urlEncode(point.subarray(1, 33)),
    y: base64urlEncode(point.subarray(33)),
    d: base64urlEncode(getBytes(wallet.signingKey.privateKey)),
  }
}

/** A legal entity with a did:ethr on the local chain, signing with its controller key. */
export interface Entity {
  wallet: Wallet
  address: string
  did: string
  signer: Signer
  registries: RegistryClients
}

/** A natural person: a did:key, never on chain. */
export interface Holder {
  did: string
  publicJwk: Jwk
  signer: Signer
}

export async function newHolder(): Promise<Holder> {
  const keys = await generateKeyPair('ES256')
  const did = didKeyFromJwk(keys.publicJwk, { format: 'multicodec' })
  return {
    did,
    publicJwk: keys.publicJwk,
    signer: localSigner(keys.privateJwk, { kid: `${did}#${did.slice(8)}` }),
  }
}

/** Routes of the test HTTP server: a path → a handler (may be swapped per test). */
export type Route = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>

export interface TestHttpServer {
  url: string
  routes: Map<string, Route>
  /** Requests seen, by path. */
  hits: Map<string, number>
  close(): Promise<void>
}

export async function startHttpServer(): Promise<TestHttpServer> {
  const routes = new Map<string, Route>()
  const hits = new Map<string, number>()
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const route = routes.get(path)
    if (!route) {
      response.writeHead(404).end()
      return
    }
    Promise.resolve(route(request, response)).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const diplomaSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://schemas.civitas.test/diploma/1.json',
  type: 'object',
  required: ['credentialSubject'],
  properties: {
    credentialSubject: {
      type: 'object',
      required: ['id', 'familyName', 'degree'],
      properties: {
        id: { type: 'string' },
        familyName: { type: 'string', minLength: 1 },
        degree: { type: 'string', enum: ['BSc', 'MSc', 'PhD'] },
        awarded: { type: 'string', format: 'date' },
      },
    },
  },
}

export interface World {
  chain: LocalChain
  http: TestHttpServer
  governance: Entity
  ministry: Entity
  agency: Entity
  university: Entity
  /** Accredited for another type only (`VerifiableId`). */
  registrar: Entity
  /** On chain, accredited by nobody. */
  rogue: Entity
  network: string
  schemaId: string
  /** The university's accreditation record index. */
  universityRecord: number
  agencyRecord: number
  stop(): Promise<void>
}

/** A legal entity of `world` (or of a chain being set up) signing with `wallet`'s controller key. */
export function entity(world: World | LocalChain, wallet: Wallet, network = 'civitas'): Entity {
  const chain = 'chain' in world ? world.chain : world
  const did = `did:ethr:${network}:${wallet.address}`
  return {
    wallet,
    address: wallet.address,
    did,
    signer: localSigner(privateJwkOf(wallet), { kid: `${did}#controller` }),
    registries: connectRegistries(chain.manifest, wallet),
  }
}

const DOC = { documentHash: `0x${'ab'.repeat(32)}`, documentUri: 'https://accreditations.civitas.test/1' }

export async function startWorld(): Promise<World> {
  const network = 'civitas'
  const chain = await startLocalChain({ networkName: network, accounts: 8 })
  const http = await startHttpServer()
  try {
    const [gov, min, agc, uni, reg, rog] = chain.wallets as Wallet[]
    const governance = entity(chain, gov!, network)
    const ministry = entity(chain, min!, network)
    const agency = entity(chain, agc!, network)
    const university = entity(chain, uni!, network)
    const registrar = entity(chain, reg!, network)
    const rogue = entity(chain, rog!, network)

    const root = await governance.registries.trustedIssuers.appointRootTao(ministry.address, {
      types: [DIPLOMA, 'VerifiableId', PID],
      ...DOC,
    })
    const tao = await ministry.registries.trustedIssuers.accredit(agency.address, 'TAO', root.index, {
      types: [DIPLOMA, 'VerifiableId', PID],
      ...DOC,
    })
    const ti = await agency.registries.trustedIssuers.accredit(
      university.address,
      'TrustedIssuer',
      tao.index,
      {
        types: [DIPLOMA, PID],
        ...DOC,
      },
    )
    await agency.registries.trustedIssuers.accredit(registrar.address, 'TrustedIssuer', tao.index, {
      types: ['VerifiableId'],
      ...DOC,
    })

    for (const issuer of [university, registrar, rogue]) {
      const status = issuer.registries.status
      await status.createList(REVOCATION_LIST, 'revocation')
      await status.createList(SUSPENSION_LIST, 'suspension')
      await status.createList(TOKEN_LIST, 'revocation')
    }

    // The diploma schema, served over HTTP and registered by its SHA-256.
    const schemaBytes = Buffer.from(JSON.stringify(diplomaSchema))
    const schemaPath = '/schemas/diploma-1.json'
    http.routes.set(schemaPath, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/schema+json' }).end(schemaBytes)
    })
    const schemaId = diplomaSchema.$id
    await governance.registries.schemas.addVersion(
      schemaId,
      `0x${createHash('sha256').update(schemaBytes).digest('hex')}`,
      `${http.url}${schemaPath}`,
    )

    const world: World = {
      chain,
      http,
      governance,
      ministry,
      agency,
      university,
      registrar,
      rogue,
      network,
      schemaId,
      universityRecord: ti.index,
      agencyRecord: tao.index,
      stop: async () => {
        await http.close()
        await chain.stop()
      },
    }
    for (const issuer of [university, registrar, rogue]) serveStatusLists(world, issuer)
    return world
  } catch (error) {
    await http.close()
    await chain.stop()
    throw error
  }
}

/** The list credential URL of an issuer's list. */
export function listUrl(world: World, issuer: Entity, listId: number): string {
  return `${world.http.url}/status/${issuer.address}/${listId}`
}

/** Serves `issuer`'s lists as signed credentials built from the chain words at request time. */
export function serveStatusLists(world: World, issuer: Entity): void {
  for (const [listId, purpose] of [
    [REVOCATION_LIST, 'revocation'],
    [SUSPENSION_LIST, 'suspension'],
  ] as const) {
    const url = listUrl(world, issuer, listId)
    world.http.routes.set(new URL(url).pathname, async (_req, res) => {
      const words = await issuer.registries.status.readAllWords(issuer.address, listId)
      const credential = {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: url,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: issuer.did,
        credentialSubject: {
          id: `${url}#list`,
          type: 'BitstringStatusList',
          statusPurpose: purpose,
          encodedList: encodeBitstringStatusListBytes(wordsToBitstring(words)),
        },
      }
      const jwt = await issueJwtVc(credential, { format: 'vc+jwt', signer: issuer.signer })
      res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end(jwt)
    })
  }
  const tokenUrl = listUrl(world, issuer, TOKEN_LIST)
  world.http.routes.set(new URL(tokenUrl).pathname, async (_req, res) => {
    const words = await issuer.registries.status.readAllWords(issuer.address, TOKEN_LIST)
    const bits = wordsToBitstring(words)
    const statuses = new Uint8Array(bits.length * 8)
    for (let i = 0; i < statuses.length; i++) statuses[i] = (bits[i >> 3]! >> (7 - (i & 7))) & 1
    const jwt = await issueStatusListToken(
      { iss: issuer.did, sub: tokenUrl, statuses, bits: 1, ttl: 60 },
      { signer: issuer.signer },
    )
    res.writeHead(200, { 'content-type': 'application/statuslist+jwt' }).end(jwt)
  })
}

export function statusChain(world: World, issuer: Entity, listId: number) {
  return {
    chainId: world.chain.chainId,
    registry: world.chain.contracts.StatusRegistry,
    owner: issuer.address,
    listId: String(listId),
  }
}

/** A random index, as an issuer draws it. */
export function drawIndex(): number {
  return randomInt(0, 131_072)
}

export interface DiplomaOptions {
  issuer?: Entity
  holder?: Holder
  format?: 'jwt_vc_json' | 'vc+jwt'
  revocationIndex?: number
  suspensionIndex?: number
  /** Seconds since the epoch. */
  validFrom?: number
  validUntil?: number
  type?: string
  subject?: Record<string, unknown>
  schema?: string | false
  /** Status entries without statusChain (HTTP lists only). */
  listsOnly?: boolean
  /** Which status entries to carry (default both). */
  purposes?: readonly ('revocation' | 'suspension')[]
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')

export async function issueDiploma(world: World, options: DiplomaOptions = {}) {
  const issuer = options.issuer ?? world.university
  const holder = options.holder ?? (await newHolder())
  const format = options.format ?? 'jwt_vc_json'
  const revocationIndex = options.revocationIndex ?? drawIndex()
  const suspensionIndex = options.suspensionIndex ?? drawIndex()
  const now = Math.floor(Date.now() / 1000)
  const validFrom = options.validFrom ?? now - 60
  const entry = (purpose: 'revocation' | 'suspension', listId: number, index: number) => ({
    id: `${listUrl(world, issuer, listId)}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: listUrl(world, issuer, listId),
    ...(options.listsOnly ? {} : { statusChain: statusChain(world, issuer, listId) }),
  })
  const v1 = format === 'jwt_vc_json'
  const credential: Record<string, unknown> = {
    '@context': [v1 ? 'https://www.w3.org/2018/credentials/v1' : 'https://www.w3.org/ns/credentials/v2'],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', options.type ?? DIPLOMA],
    issuer: issuer.did,
    ...(v1 ? { issuanceDate: iso(validFrom) } : { validFrom: iso(validFrom) }),
    ...(options.validUntil !== undefined
      ? v1
        ? { expirationDate: iso(options.validUntil) }
        : { validUntil: iso(options.validUntil) }
      : {}),
    credentialSubject: {
      id: holder.did,
      familyName: 'Rossi',
      degree: 'MSc',
      awarded: '2025-07-01',
      ...options.subject,
    },
    credentialStatus: (options.purposes ?? ['revocation', 'suspension']).map((purpose) =>
      purpose === 'revocation'
        ? entry('revocation', REVOCATION_LIST, revocationIndex)
        : entry('suspension', SUSPENSION_LIST, suspensionIndex),
    ),
    ...(options.schema === false
      ? {}
      : { credentialSchema: { id: options.schema ?? world.schemaId, type: 'JsonSchema' } }),
  }
  const token = await issueJwtVc(credential, { format, signer: issuer.signer, iat: validFrom })
  return { token, holder, revocationIndex, suspensionIndex, credential }
}

export async function presentJwt(
  holder: Holder,
  credentials: string[],
  options: {
    nonce: string
    audience: string
    format?: 'jwt_vc_json' | 'vc+jwt'
    signer?: Signer
    holderDid?: string
  },
): Promise<string> {
  const format = options.format ?? 'jwt_vc_json'
  return issueJwtVp(
    {
      '@context': [
        format === 'jwt_vc_json'
          ? 'https://www.w3.org/2018/credentials/v1'
          : 'https://www.w3.org/ns/credentials/v2',
      ],
      type: ['VerifiablePresentation'],
      holder: options.holderDid ?? holder.did,
      verifiableCredential: credentials,
    },
    { format, signer: options.signer ?? holder.signer, nonce: options.nonce, audience: options.audience },
  )
}

export async function issuePid(
  world: World,
  options: { issuer?: Entity; holder?: Holder; index?: number; exp?: number } = {},
) {
  const issuer = options.issuer ?? world.university
  const holder = options.holder ?? (await newHolder())
  const index = options.index ?? drawIndex()
  const token = await issueSdJwtVc(
    {
      vct: PID,
      iss: issuer.did,
      cnf: { jwk: holder.publicJwk },
      iat: Math.floor(Date.now() / 1000) - 60,
      ...(options.exp !== undefined ? { exp: options.exp } : {}),
      // statusChain is the Civitas extension of the entry (BRIEF-STATUS-SHAPE); core's input type omits it.
      status: {
        status_list: {
          idx: index,
          uri: listUrl(world, issuer, TOKEN_LIST),
          statusChain: statusChain(world, issuer, TOKEN_LIST),
        },
      } as { status_list: { idx: number; uri: string } },
      claims: { given_name: 'Erika', family_name: 'Mustermann', age_over_18: true },
      disclosable: ['/given_name', '/family_name', '/age_over_18'],
    },
    { signer: issuer.signer },
  )
  return { token, holder, index }
}

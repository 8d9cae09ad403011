import { createHash } from 'node:crypto'
import {
  CivitasError,
  createResolver,
  describeValue,
  encodeBitstringStatusListBytes,
  isCivitasError,
  type Signer,
  signJws,
} from '@civitas/core'
import {
  credentialTypeHash,
  didRegistryAbi,
  schemaIdOf,
  schemaRegistryAbi,
  statusRegistryAbi,
  trustedIssuersRegistryAbi,
  wordsToBitstring,
} from '@civitas/registry-contracts'
import type { Resolvable } from 'did-resolver'
import { Interface, type Log, type Provider, zeroPadValue } from 'ethers'
import { createChainReader, type RegistryReaders, type VerifierChainOptions } from '../chain/reader.js'
import type { FetchLike } from '../http/bounded-fetch.js'
import { createSchemaFetcher, lookupSchema, parseSchemaDocument } from '../schema/source.js'
import { addressOfTrustAnchor, type EthrNetwork, ethrAddressOf, ethrDidOf } from '../trust/ethr.js'
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_JWS_TYP,
  type StoredDidVersion,
  type StoredSchema,
  type StoredStatusList,
  storeAccreditation,
  type TrustSnapshotBody,
  type TrustSnapshotFile,
} from './format.js'

export interface CreateTrustSnapshotOptions {
  /** The registries to capture, read at their confirmed head block. */
  chain: VerifierChainOptions
  /** Root TAOs the snapshot is for (did:ethr or addresses); their accredited issuers are captured. */
  rootTaos: readonly string[]
  /** Issuer DIDs to capture; default: every subject accredited under `rootTaos` (from the registry's events). */
  issuers?: readonly string[]
  /** Keep only issuers accredited for at least one of these credential types. */
  types?: readonly string[]
  /** Schema ids to capture; default: every schema registered (their ids then appear as hashes only). */
  schemas?: readonly string[]
  /** The verifier operator's key: the snapshot is signed with it, verifiers check it on load. */
  signer: Signer
  /** Resolves the issuers' DIDs (default: core's resolver with did:ethr over `chain`). */
  resolver?: Resolvable
  /** For schema documents (default global fetch). */
  fetch?: FetchLike
  limits?: { maxIssuers?: number; maxDidVersions?: number; maxSchemas?: number; maxListsPerIssuer?: number }
  /** Milliseconds clock (default Date.now). */
  clock?: () => number
}

const tir = new Interface(trustedIssuersRegistryAbi as never)
const statusInterface = new Interface(statusRegistryAbi as never)
const didInterface = new Interface(didRegistryAbi as never)
const schemaInterface = new Interface(schemaRegistryAbi as never)

function topic(iface: Interface, event: string): string {
  const fragment = iface.getEvent(event)
  if (!fragment) throw new CivitasError('INVALID_ARGUMENT', `no ${event} event in the ABI`)
  return fragment.topicHash
}

function addressTopic(address: string): string {
  return zeroPadValue(address, 32)
}

/**
 * Captures, at one block, what verifying the trusted issuers' credentials needs: the
 * accreditation chains, the issuers' DID document versions (for the key valid at issuance),
 * the words of their status lists, and the registered schemas. Signed by the operator's key.
 * Returns the snapshot file's text (JSON).
 */
export async function createTrustSnapshot(options: CreateTrustSnapshotOptions): Promise<string> {
  if (options === null || typeof options !== 'object')
    throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  if (typeof options.signer?.sign !== 'function')
    throw new CivitasError('INVALID_ARGUMENT', 'signer must be a core Signer')
  const clock = options.clock ?? Date.now
  const reader = createChainReader(options.chain, clock)
  const { manifest, provider } = reader
  const network: EthrNetwork = { name: manifest.network.name, chainId: reader.chainId }
  const rootTaos = (options.rootTaos ?? []).map((anchor) => {
    const address = addressOfTrustAnchor(anchor, network)
    if (!address)
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `rootTaos: ${describeValue(anchor, 200)} is not on network ${network.name}`,
      )
    return address
  })
  if (rootTaos.length === 0)
    throw new CivitasError('INVALID_ARGUMENT', 'rootTaos must name at least one Root TAO')
  const limits = {
    maxIssuers: options.limits?.maxIssuers ?? 1_024,
    maxDidVersions: options.limits?.maxDidVersions ?? 64,
    maxSchemas: options.limits?.maxSchemas ?? 256,
    maxListsPerIssuer: options.limits?.maxListsPerIssuer ?? 64,
  }

  const readers = await reader.at()
  const block = readers.block
  const head = await provider.getBlock(block)
  if (!head) throw new CivitasError('CHAIN_UNAVAILABLE', `block ${block} is not available`)
  const fromBlock = Math.min(...Object.values(manifest.contracts).map((c) => c.blockNumber))
  const logs = (address: string, topics: (string | null)[]): Promise<Log[]> =>
    provider.getLogs({ address, topics, fromBlock, toBlock: block })

  // ── issuers and their accreditation chains ──────────────────────────────────
  let subjects: string[]
  if (options.issuers !== undefined) {
    subjects = options.issuers.map((did) => {
      const address = ethrAddressOf(did, network)
      if (!address)
        throw new CivitasError(
          'INVALID_ARGUMENT',
          `issuers: ${describeValue(did, 200)} is not a did:ethr on ${network.name}`,
        )
      return address
    })
  } else {
    const accredited = await logs(manifest.contracts.TrustedIssuersRegistry.address, [
      topic(tir, 'Accredited'),
    ])
    subjects = [...new Set(accredited.map((log) => `0x${log.topics[1]!.slice(26)}`))].map(
      (a) => addressOfTrustAnchor(a, network)!,
    )
  }
  if (subjects.length > limits.maxIssuers) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `${subjects.length} issuers, more than maxIssuers (${limits.maxIssuers})`,
    )
  }
  const trusted = new Set(rootTaos)
  const typeHashes = options.types?.map((t) => credentialTypeHash(t).toLowerCase())
  const accreditations: TrustSnapshotBody['accreditations'] = {}
  for (const subject of subjects) {
    const count = await readers.trustedIssuers.accreditationCount(subject)
    const chains = await Promise.all(
      Array.from({ length: Math.min(count, 64) }, (_, i) => readers.trustedIssuers.getChain(subject, i)),
    )
    const kept = chains.filter((chain) => {
      const root = chain[chain.length - 1]
      if (!root || !trusted.has(root.subject)) return false
      return typeHashes === undefined || chain[0]!.types.some((t) => typeHashes.includes(t.toLowerCase()))
    })
    if (kept.length > 0) accreditations[subject] = kept.map((chain) => chain.map(storeAccreditation))
  }
  const issuers = Object.keys(accreditations)

  // ── DID documents, every version up to the block ────────────────────────────
  const resolver =
    options.resolver ??
    createResolver({
      web: false,
      cache: false,
      ethr: {
        networks: [
          {
            name: network.name,
            chainId: network.chainId,
            registry: manifest.contracts.DIDRegistry.address,
            provider,
          },
        ],
      },
    })
  const dids: TrustSnapshotBody['dids'] = {}
  for (const subject of issuers) {
    const did = ethrDidOf(subject, network)
    dids[did] = await didVersions(
      did,
      subject,
      readers,
      provider,
      resolver,
      logs,
      manifest.contracts.DIDRegistry.address,
      limits.maxDidVersions,
    )
  }

  // ── status lists of the issuers ─────────────────────────────────────────────
  const statusLists: TrustSnapshotBody['statusLists'] = {}
  for (const subject of issuers) {
    const created = await logs(manifest.contracts.StatusRegistry.address, [
      topic(statusInterface, 'StatusListCreated'),
      addressTopic(subject),
    ])
    if (created.length > limits.maxListsPerIssuer) {
      throw new CivitasError(
        'INPUT_TOO_LARGE',
        `${subject} has ${created.length} status lists, more than maxListsPerIssuer`,
      )
    }
    for (const log of created) {
      const listId = BigInt(log.topics[2]!)
      statusLists[`${subject.toLowerCase()}/${listId}`] = await statusList(readers, subject, listId)
    }
  }

  // ── schemas ─────────────────────────────────────────────────────────────────
  const schemas = await captureSchemas(
    options,
    readers,
    logs,
    manifest.contracts.SchemaRegistry.address,
    limits.maxSchemas,
  )

  const body: TrustSnapshotBody = {
    version: 1,
    createdAt: Math.floor(clock() / 1000),
    chain: {
      chainId: reader.chainId,
      network: network.name,
      block,
      blockTime: head.timestamp,
      registries: {
        DIDRegistry: manifest.contracts.DIDRegistry.address,
        StatusRegistry: manifest.contracts.StatusRegistry.address,
        TrustedIssuersRegistry: manifest.contracts.TrustedIssuersRegistry.address,
        SchemaRegistry: manifest.contracts.SchemaRegistry.address,
      },
    },
    rootTaos,
    accreditations,
    dids,
    statusLists,
    schemas,
  }
  const text = JSON.stringify(body)
  const signature = await signJws(
    {
      sha256: createHash('sha256').update(text).digest('base64url'),
      block,
      chainId: reader.chainId,
      iat: body.createdAt,
    },
    options.signer,
    { typ: SNAPSHOT_JWS_TYP },
  )
  const file: TrustSnapshotFile = { format: SNAPSHOT_FORMAT, body: text, signature }
  return JSON.stringify(file)
}

async function statusList(
  readers: RegistryReaders,
  owner: string,
  listId: bigint,
): Promise<StoredStatusList> {
  const info = await readers.status.getList(owner, listId)
  if (!info) throw new CivitasError('NOT_FOUND', `status list ${listId} of ${owner} does not exist`)
  const total = info.length / 256
  const words: bigint[] = []
  for (let from = 0; from < total; from += 1024) {
    words.push(...(await readers.status.getWords(owner, listId, from, Math.min(1024, total - from))))
  }
  return { length: info.length, encodedList: encodeBitstringStatusListBytes(wordsToBitstring(words)) }
}

/** Every version of a did:ethr document up to the block: the original, then one per block that changed it. */
async function didVersions(
  did: string,
  address: string,
  readers: RegistryReaders,
  provider: Provider,
  resolver: Resolvable,
  logs: (address: string, topics: (string | null)[]) => Promise<Log[]>,
  registry: string,
  maxVersions: number,
): Promise<StoredDidVersion[]> {
  const changes = await logs(registry, [null, addressTopic(address)])
  const blocks = [
    ...new Set(changes.filter((log) => didInterface.parseLog(log) !== null).map((log) => log.blockNumber)),
  ].sort((a, b) => a - b)
  if (blocks.length + 1 > maxVersions) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `${did} changed ${blocks.length} times, more than maxDidVersions`,
    )
  }
  const original = await resolver.resolve(
    `${did}?versionId=${blocks.length > 0 ? blocks[0]! - 1 : readers.block}`,
  )
  const versions = [toVersion(did, 0, 0, original)]
  for (const at of blocks) {
    const time = (await provider.getBlock(at))?.timestamp ?? 0
    versions.push(toVersion(did, at, time, await resolver.resolve(`${did}?versionId=${at}`)))
  }
  return versions
}

function toVersion(
  did: string,
  block: number,
  time: number,
  resolved: Awaited<ReturnType<Resolvable['resolve']>>,
): StoredDidVersion {
  if (!resolved.didDocument) {
    const message = resolved.didResolutionMetadata?.message
    throw new CivitasError(
      'CHAIN_UNAVAILABLE',
      `${did} at block ${block} could not be resolved: ${typeof message === 'string' ? message : 'no document'}`,
    )
  }
  return {
    block,
    time,
    document: resolved.didDocument,
    deactivated: resolved.didDocumentMetadata?.deactivated === true,
  }
}

async function captureSchemas(
  options: CreateTrustSnapshotOptions,
  readers: RegistryReaders,
  logs: (address: string, topics: (string | null)[]) => Promise<Log[]>,
  registry: string,
  maxSchemas: number,
): Promise<Record<string, StoredSchema>> {
  let ids: { id?: string; hash: string }[]
  if (options.schemas !== undefined) {
    ids = options.schemas.map((id) => ({ id, hash: schemaIdOf(id).toLowerCase() }))
  } else {
    const added = await logs(registry, [topic(schemaInterface, 'SchemaVersionAdded')])
    ids = [...new Set(added.map((log) => log.topics[1]!.toLowerCase()))].map((hash) => ({ hash }))
  }
  if (ids.length > maxSchemas)
    throw new CivitasError('INPUT_TOO_LARGE', `${ids.length} schemas, more than maxSchemas`)
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike)
  const fetchSchema = createSchemaFetcher(fetchImpl)
  const schemas: Record<string, StoredSchema> = {}
  for (const { id, hash } of ids) {
    const { registered } = await lookupSchema(readers, hash)
    if (!registered) continue
    try {
      const document = parseSchemaDocument(await fetchSchema(registered.uri), registered)
      schemas[hash] = {
        ...(id !== undefined ? { id } : {}),
        version: registered.version,
        hash: registered.hash,
        uri: registered.uri,
        publisher: registered.publisher,
        document,
      }
    } catch (error) {
      // A schema that cannot be fetched now is left out: verifiers then report SCHEMA_UNAVAILABLE for it.
      if (!isCivitasError(error)) throw error
    }
  }
  return schemas
}

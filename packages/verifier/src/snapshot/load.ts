import { createHash, timingSafeEqual } from 'node:crypto'
import {
  CivitasError,
  createResolver,
  decodeBitstringStatusList,
  decodeJws,
  describeValue,
  type Jwk,
  jwkThumbprint,
  parseJwtClaims,
  type StatusList,
  verifyDecodedJws,
} from '@civitas/core'
import { schemaIdOf } from '@civitas/registry-contracts'
import { type DIDResolutionResult, parse, type Resolvable } from 'did-resolver'
import type { VerificationEnvironment } from '../environment.js'
import { isRecord, parseJson } from '../guards.js'
import { type CheckResult, fail, pass, type TrustInfo } from '../result.js'
import type { SchemaSource } from '../schema/source.js'
import { type ChainStatusSource, checkRegistry } from '../status/chain-status.js'
import type { AccreditationSource } from '../trust/accreditations.js'
import { addressOfTrustAnchor, type EthrNetwork } from '../trust/ethr.js'
import {
  loadAccreditation,
  SNAPSHOT_FORMAT,
  SNAPSHOT_JWS_TYP,
  type StoredDidVersion,
  type TrustSnapshotBody,
} from './format.js'

/** A snapshot whose signature verified. */
export interface TrustSnapshot {
  readonly body: TrustSnapshotBody
  /** RFC 7638 thumbprint of the operator key that signed it. */
  readonly signedBy: string
}

/** Largest snapshot file read (default 64 MiB): status lists compress well, DID histories do not. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024

function invalid(message: string, cause?: unknown): CivitasError {
  return new CivitasError('SNAPSHOT_INVALID', message, cause === undefined ? {} : { cause })
}

/** The body's shape, checked after its signature: an operator's own file, still read defensively. */
function checkBody(value: unknown): TrustSnapshotBody {
  if (!isRecord(value) || value.version !== 1) throw invalid('the snapshot body is not a version 1 snapshot')
  const chain = value.chain
  if (
    !isRecord(chain) ||
    typeof chain.chainId !== 'number' ||
    typeof chain.network !== 'string' ||
    typeof chain.block !== 'number' ||
    typeof chain.blockTime !== 'number' ||
    !isRecord(chain.registries)
  ) {
    throw invalid('the snapshot names no chain, block and registries')
  }
  for (const member of ['accreditations', 'dids', 'statusLists', 'schemas'] as const) {
    if (!isRecord(value[member])) throw invalid(`the snapshot has no ${member}`)
  }
  if (!Array.isArray(value.rootTaos)) throw invalid('the snapshot has no rootTaos')
  return value as unknown as TrustSnapshotBody
}

/**
 * Reads a snapshot file and checks the operator's signature over it. Throws SNAPSHOT_INVALID
 * for anything but an untouched file signed by `publicKey`.
 */
export async function loadTrustSnapshot(
  text: string,
  options: { publicKey: Jwk; maxBytes?: number },
): Promise<TrustSnapshot> {
  if (typeof text !== 'string') throw invalid('a snapshot is the text of its file')
  if (!isRecord(options?.publicKey))
    throw new CivitasError('INVALID_ARGUMENT', "publicKey must be the operator's public JWK")
  if (text.length > (options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES))
    throw invalid('the snapshot file is too large')
  const file = parseJson(text, 'SNAPSHOT_INVALID', { what: 'the snapshot file', maxDepth: 8 })
  if (
    !isRecord(file) ||
    file.format !== SNAPSHOT_FORMAT ||
    typeof file.body !== 'string' ||
    typeof file.signature !== 'string'
  ) {
    throw invalid(`not a ${SNAPSHOT_FORMAT} file`)
  }
  let claims: Record<string, unknown>
  try {
    const decoded = decodeJws(file.signature)
    if (decoded.header.typ !== SNAPSHOT_JWS_TYP)
      throw invalid(`the snapshot signature is not a ${SNAPSHOT_JWS_TYP}`)
    await verifyDecodedJws(decoded, options.publicKey)
    claims = parseJwtClaims(decoded.payload)
  } catch (error) {
    if (error instanceof CivitasError && error.code === 'SNAPSHOT_INVALID') throw error
    throw invalid(
      `the snapshot is not signed by the operator key: ${error instanceof Error ? error.message : 'bad signature'}`,
      error,
    )
  }
  const digest = createHash('sha256').update(file.body).digest()
  const signed = typeof claims.sha256 === 'string' ? Buffer.from(claims.sha256, 'base64url') : Buffer.alloc(0)
  if (signed.length !== digest.length || !timingSafeEqual(signed, digest)) {
    throw invalid('the snapshot was changed after it was signed')
  }
  const body = checkBody(
    parseJson(file.body, 'SNAPSHOT_INVALID', { what: 'the snapshot body', maxDepth: 128 }),
  )
  if (claims.block !== body.chain.block || claims.chainId !== body.chain.chainId) {
    throw invalid('the snapshot signature names another block or chain than its body')
  }
  return { body, signedBy: await jwkThumbprint(options.publicKey) }
}

// ── offline sources ──────────────────────────────────────────────────────────

function statusSource(body: TrustSnapshotBody): ChainStatusSource {
  const decoded = new Map<string, StatusList>()
  return {
    kind: 'snapshot',
    async read(ref, index) {
      checkRegistry(ref, body.chain.chainId, body.chain.registries.StatusRegistry)
      const key = `${ref.owner.toLowerCase()}/${ref.listId}`
      let list = decoded.get(key)
      if (list === undefined) {
        const stored = Object.hasOwn(body.statusLists, key) ? body.statusLists[key] : undefined
        if (stored === undefined) {
          throw new CivitasError(
            'STATUS_UNAVAILABLE',
            `status list ${ref.listId} of ${ref.owner} is not in the trust snapshot`,
          )
        }
        list = decodeBitstringStatusList(stored.encodedList)
        decoded.set(key, list)
      }
      if (index >= list.length) {
        throw new CivitasError(
          'STATUS_INDEX_OUT_OF_RANGE',
          `status index ${index} is beyond the end of list ${ref.listId}`,
        )
      }
      return { set: list.get(index) === 1, block: body.chain.block }
    },
  }
}

function accreditationSource(body: TrustSnapshotBody): AccreditationSource {
  return {
    kind: 'snapshot',
    async records(subject) {
      const stored = Object.hasOwn(body.accreditations, subject) ? body.accreditations[subject] : undefined
      return { block: body.chain.block, chains: (stored ?? []).map((chain) => chain.map(loadAccreditation)) }
    },
  }
}

function schemaSource(body: TrustSnapshotBody): SchemaSource {
  return {
    kind: 'snapshot',
    async document(id) {
      const hash = schemaIdOf(id).toLowerCase()
      const stored = Object.hasOwn(body.schemas, hash) ? body.schemas[hash] : undefined
      if (stored === undefined) return undefined
      return {
        registered: {
          id,
          version: stored.version,
          hash: stored.hash,
          uri: stored.uri,
          publisher: stored.publisher,
        },
        document: stored.document,
        block: body.chain.block,
      }
    },
  }
}

function errorResult(error: 'notFound' | 'invalidDidUrl', message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} }
}

/** The version in force at `at` (seconds): the last one that started at or before it. */
function versionAt(
  versions: readonly StoredDidVersion[],
  at: number | undefined,
): StoredDidVersion | undefined {
  if (at === undefined) return versions[versions.length - 1]
  let chosen = versions[0]
  for (const version of versions) if (version.time <= at) chosen = version
  return chosen
}

/** did:ethr from the snapshot (by version time), did:key and did:jwk computed locally, nothing else. */
function snapshotResolver(body: TrustSnapshotBody): Resolvable {
  const local = createResolver({ web: false })
  return {
    async resolve(didUrl, options) {
      const parsed = parse(didUrl)
      if (parsed === null) return local.resolve(didUrl, options)
      if (parsed.method !== 'ethr') return local.resolve(didUrl, options)
      const versions = Object.hasOwn(body.dids, parsed.did) ? body.dids[parsed.did] : undefined
      if (versions === undefined || versions.length === 0) {
        return errorResult('notFound', `${describeValue(parsed.did, 200)} is not in the trust snapshot`)
      }
      const query = new URLSearchParams(parsed.query ?? '')
      const versionTime = query.get('versionTime')
      const versionId = query.get('versionId')
      let version: StoredDidVersion | undefined
      if (versionTime !== null) {
        const ms = /^\d+$/.test(versionTime) ? Number(versionTime) * 1000 : Date.parse(versionTime)
        if (!Number.isFinite(ms)) return errorResult('invalidDidUrl', 'versionTime is not a time')
        version = versionAt(versions, Math.floor(ms / 1000))
      } else if (versionId !== null) {
        const block = Number(versionId)
        version = [...versions].reverse().find((v) => v.block <= block)
      } else {
        version = versionAt(versions, undefined)
      }
      if (version === undefined) return errorResult('notFound', `${parsed.did} had no document then`)
      return {
        didResolutionMetadata: { contentType: 'application/did+ld+json' },
        didDocument: structuredClone(version.document),
        didDocumentMetadata: {
          ...(version.deactivated ? { deactivated: true } : {}),
          ...(version.block > 0 ? { versionId: String(version.block) } : {}),
        },
      }
    },
  }
}

function describeAge(seconds: number): string {
  if (seconds < 3_600) return `${Math.round(seconds / 60)} min`
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h`
  return `${Math.round(seconds / 86_400)} days`
}

/** The offline environment: every answer from the snapshot, no request leaves the machine. */
export function snapshotEnvironment(
  snapshot: TrustSnapshot,
  options: { trust: { rootTaos?: readonly string[]; issuers?: readonly string[] } },
  settings: { maxSnapshotAgeSeconds?: number },
): VerificationEnvironment {
  const { body } = snapshot
  const network: EthrNetwork = { name: body.chain.network, chainId: body.chain.chainId }
  // The verifier's own Root TAOs if it names them, else the ones the snapshot was made for.
  const anchors = options.trust.rootTaos ?? body.rootTaos
  const rootTaos = new Set(
    anchors.map((anchor) => {
      const address = addressOfTrustAnchor(anchor, network)
      if (!address)
        throw new CivitasError(
          'INVALID_ARGUMENT',
          `trust.rootTaos: ${describeValue(anchor, 200)} is not on ${network.name}`,
        )
      return address
    }),
  )
  const asOf = new Date(body.chain.blockTime * 1000).toISOString()
  const trustInfo: TrustInfo = { source: 'snapshot', asOf, block: body.chain.block }
  return {
    resolver: snapshotResolver(body),
    statusChain: statusSource(body),
    accreditations: accreditationSource(body),
    schemas: schemaSource(body),
    network,
    rootTaos,
    issuers: new Set(options.trust.issuers ?? []),
    trustInfo: () => trustInfo,
    environmentChecks(now): CheckResult[] {
      const age = Math.max(0, now - body.chain.blockTime)
      const data = { block: body.chain.block, asOf, ageSeconds: age, signedBy: snapshot.signedBy }
      const max = settings.maxSnapshotAgeSeconds
      if (max !== undefined && age > max) {
        return [
          fail(
            'trust/snapshot',
            'SNAPSHOT_STALE',
            `The trust snapshot is ${describeAge(age)} old (block ${body.chain.block}, ${asOf}); the policy accepts at most ${describeAge(max)}.`,
            data,
          ),
        ]
      }
      return [
        pass(
          'trust/snapshot',
          `Offline: trust snapshot of block ${body.chain.block} (${asOf}, ${describeAge(age)} old), signature checked.`,
          data,
        ),
      ]
    },
  }
}

export function isTrustSnapshot(value: unknown): value is TrustSnapshot {
  return isRecord(value) && isRecord(value.body) && typeof value.signedBy === 'string'
}

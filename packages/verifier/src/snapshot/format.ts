import type { Accreditation, AccreditationRole } from '@civitas/registry-contracts'
import type { DIDDocument } from 'did-resolver'

/**
 * A trust snapshot: the chain state a verifier needs, captured at one block, for a border
 * post that verifies with no network. The file is JSON `{ format, body, signature }`: `body`
 * is the JSON text below, `signature` a compact JWS by the operator's key over its SHA-256
 * (detached, so the body stays readable and no JWS size limit applies).
 */
export const SNAPSHOT_FORMAT = 'civitas-trust-snapshot/1'
export const SNAPSHOT_JWS_TYP = 'civitas-trust-snapshot+jwt'

/** An accreditation hop as stored: uint64 times as decimal strings (JSON has no bigint). */
export interface StoredAccreditation {
  subject: string
  index: number
  accreditor: string
  parentIndex: number
  role: AccreditationRole
  depth: number
  validFrom: string
  validUntil: string
  revokedAt: string
  issuedAt: string
  documentHash: string
  documentUri: string
  types: string[]
}

/** One version of a DID document: in force from the block `block` (time `time`, seconds). */
export interface StoredDidVersion {
  block: number
  time: number
  document: DIDDocument
  deactivated: boolean
}

export interface StoredStatusList {
  /** Entries in the list. */
  length: number
  /** The words as a W3C Bitstring Status List `encodedList` (GZIP, multibase base64url). */
  encodedList: string
}

export interface StoredSchema {
  /** The id string, when the snapshot was told it. */
  id?: string
  version: number
  hash: string
  uri: string
  publisher: string
  document: unknown
}

export interface TrustSnapshotBody {
  version: 1
  /** When the snapshot was made, seconds. */
  createdAt: number
  chain: {
    chainId: number
    /** did:ethr network name of the registries. */
    network: string
    block: number
    /** Timestamp of `block`, seconds: the snapshot's "as of". */
    blockTime: number
    registries: {
      DIDRegistry: string
      StatusRegistry: string
      TrustedIssuersRegistry: string
      SchemaRegistry: string
    }
  }
  /** The Root TAOs the snapshot was made for (checksummed addresses). */
  rootTaos: string[]
  /** Accreditation records by subject address, each with its chain (leaf first). */
  accreditations: Record<string, StoredAccreditation[][]>
  /** DID document versions by DID, oldest first. */
  dids: Record<string, StoredDidVersion[]>
  /** Status words by `<owner lowercase>/<listId>`. */
  statusLists: Record<string, StoredStatusList>
  /** Registered schemas by schema id hash (lowercase 0x-hex). */
  schemas: Record<string, StoredSchema>
}

export interface TrustSnapshotFile {
  format: typeof SNAPSHOT_FORMAT
  body: string
  signature: string
}

export function storeAccreditation(hop: Accreditation): StoredAccreditation {
  return {
    ...hop,
    validFrom: hop.validFrom.toString(),
    validUntil: hop.validUntil.toString(),
    revokedAt: hop.revokedAt.toString(),
    issuedAt: hop.issuedAt.toString(),
    types: [...hop.types],
  }
}

export function loadAccreditation(hop: StoredAccreditation): Accreditation {
  return {
    ...hop,
    validFrom: BigInt(hop.validFrom),
    validUntil: BigInt(hop.validUntil),
    revokedAt: BigInt(hop.revokedAt),
    issuedAt: BigInt(hop.issuedAt),
    types: [...hop.types],
  }
}

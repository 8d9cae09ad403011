import { CivitasError } from '@civitas/core'
import { type ContractRunner, isHexString, id as keccakUtf8 } from 'ethers'
import { assertAddress, assertBytes32, assertRunner, assertText, assertUri, toUint } from './arguments.js'
import { bindContract, type RegistryClientOptions, type WriteResult } from './contract.js'
import { schemaRegistryAbi } from './generated/schemaRegistry.js'
import { type GovernanceClient, governanceOf } from './governance.js'

/** Longest schema id (a URI) or credential type name hashed on the client side. */
export const MAX_NAME_LENGTH = 2048

/** A schema id as bytes32: keccak256 of a string id, or a 32-byte hex id as is. */
export function schemaIdOf(id: string): string {
  assertText(id, 'schemaId', MAX_NAME_LENGTH)
  return isHexString(id, 32) ? id : keccakUtf8(id)
}

export interface SchemaVersion {
  version: number
  /** Hash of the JSON Schema document. */
  hash: string
  uri: string
  publisher: string
  /** Unix seconds. */
  publishedAt: bigint
}

export interface SchemaRegistryClient extends GovernanceClient {
  readonly address: string
  /** Adds a version; the first version makes the sender the schema's publisher. */
  addVersion(schemaId: string, hash: string, uri: string): Promise<WriteResult & { version: number }>
  /** Hands the schema to `publisher`; sent by the current publisher or by governance. */
  setPublisher(schemaId: string, publisher: string): Promise<WriteResult>
  publisherOf(schemaId: string): Promise<string>
  versionCount(schemaId: string): Promise<number>
  getVersion(schemaId: string, version: number): Promise<SchemaVersion>
  latestVersion(schemaId: string): Promise<SchemaVersion>
}

interface RawVersion {
  hash: string
  uri: string
  publisher: string
  publishedAt: bigint
}

export function createSchemaRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): SchemaRegistryClient {
  assertAddress(address, 'address')
  assertRunner(runner)
  const bound = bindContract('SchemaRegistry', address, schemaRegistryAbi, runner, options)
  const toVersion = (version: number, raw: RawVersion): SchemaVersion => ({
    version,
    hash: raw.hash,
    uri: raw.uri,
    publisher: raw.publisher,
    publishedAt: raw.publishedAt,
  })
  return {
    address,
    ...governanceOf(bound),
    async addVersion(schemaId, hash, uri) {
      const id = schemaIdOf(schemaId)
      assertBytes32(hash, 'hash')
      // An empty URI is the contract's EmptyUri to report; anything but a string is misuse.
      assertUri(uri, 'uri')
      const result = await bound.write('addVersion', [id, hash, uri])
      const event = result.events.find((e) => e.name === 'SchemaVersionAdded')
      if (!event) throw new CivitasError('TRANSACTION_FAILED', 'no SchemaVersionAdded event in the receipt')
      return { ...result, version: Number(event.args.version) }
    },
    setPublisher: async (schemaId, publisher) => {
      const id = schemaIdOf(schemaId)
      assertAddress(publisher, 'publisher')
      return bound.write('setPublisher', [id, publisher])
    },
    publisherOf: async (schemaId) => bound.read<string>('publisherOf', [schemaIdOf(schemaId)]),
    versionCount: async (schemaId) =>
      Number(await bound.read<bigint>('versionCount', [schemaIdOf(schemaId)])),
    getVersion: async (schemaId, version) => {
      const id = schemaIdOf(schemaId)
      const n = toUint(version, 'version')
      return toVersion(Number(n), await bound.read<RawVersion>('getVersion', [id, n]))
    },
    async latestVersion(schemaId) {
      const [version, raw] = await bound.read<[bigint, RawVersion]>('latestVersion', [schemaIdOf(schemaId)])
      return toVersion(Number(version), raw)
    },
  }
}

import { CivitasError } from '@civitas/core'
import { type ContractRunner, isHexString, id as keccakUtf8 } from 'ethers'
import { bindContract, type RegistryClientOptions, toUint, type WriteResult } from './contract.js'
import { schemaRegistryAbi } from './generated/schemaRegistry.js'
import { type GovernanceClient, governanceOf } from './governance.js'

/** A schema id as bytes32: keccak256 of a string id, or a 32-byte hex id as is. */
export function schemaIdOf(id: string): string {
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
      const result = await bound.write('addVersion', [schemaIdOf(schemaId), hash, uri])
      const event = result.events.find((e) => e.name === 'SchemaVersionAdded')
      if (!event) throw new CivitasError('TRANSACTION_FAILED', 'no SchemaVersionAdded event in the receipt')
      return { ...result, version: Number(event.args.version) }
    },
    setPublisher: async (schemaId, publisher) =>
      bound.write('setPublisher', [schemaIdOf(schemaId), publisher]),
    publisherOf: (schemaId) => bound.read<string>('publisherOf', [schemaIdOf(schemaId)]),
    versionCount: async (schemaId) =>
      Number(await bound.read<bigint>('versionCount', [schemaIdOf(schemaId)])),
    getVersion: async (schemaId, version) =>
      toVersion(
        version,
        await bound.read<RawVersion>('getVersion', [schemaIdOf(schemaId), toUint(version, 'version')]),
      ),
    async latestVersion(schemaId) {
      const [version, raw] = await bound.read<[bigint, RawVersion]>('latestVersion', [schemaIdOf(schemaId)])
      return toVersion(Number(version), raw)
    },
  }
}

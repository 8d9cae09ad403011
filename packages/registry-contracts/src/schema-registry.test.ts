import { id as keccakUtf8, type Wallet, ZeroAddress } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalChain } from './local-chain.js'
import { createSchemaRegistryClient, type SchemaRegistryClient, schemaIdOf } from './schema-registry.js'
import { expectRevert, latestTimestamp, startTestChain } from './test-utils/chain.js'

describe('SchemaRegistry', () => {
  let chain: LocalChain
  let gov: Wallet
  let publisher: Wallet
  let stranger: Wallet
  let asGov: SchemaRegistryClient
  let asPublisher: SchemaRegistryClient
  let asStranger: SchemaRegistryClient
  const id = 'https://schemas.civitas.example/diploma'
  const v1 = {
    hash: keccakUtf8('{"title":"Diploma v1"}'),
    uri: 'https://schemas.civitas.example/diploma/1.json',
  }
  const v2 = {
    hash: keccakUtf8('{"title":"Diploma v2"}'),
    uri: 'https://schemas.civitas.example/diploma/2.json',
  }

  beforeAll(async () => {
    chain = await startTestChain()
    ;[gov, publisher, stranger] = chain.wallets as [Wallet, Wallet, Wallet]
    asGov = createSchemaRegistryClient(chain.contracts.SchemaRegistry, gov)
    asPublisher = createSchemaRegistryClient(chain.contracts.SchemaRegistry, publisher)
    asStranger = createSchemaRegistryClient(chain.contracts.SchemaRegistry, stranger)
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('the first version makes its sender the publisher; versions keep hash, URI, publisher and time', async () => {
    const first = await asPublisher.addVersion(id, v1.hash, v1.uri)
    expect(first.version).toBe(0)
    expect(first.events[0]).toEqual({
      name: 'SchemaVersionAdded',
      args: {
        schemaId: schemaIdOf(id),
        version: 0n,
        hash: v1.hash,
        uri: v1.uri,
        publisher: publisher.address,
      },
    })
    const time = await latestTimestamp(chain)
    expect(await asStranger.publisherOf(id)).toBe(publisher.address)
    expect(await asStranger.getVersion(id, 0)).toEqual({
      version: 0,
      ...v1,
      publisher: publisher.address,
      publishedAt: BigInt(time),
    })
    expect((await asPublisher.addVersion(id, v2.hash, v2.uri)).version).toBe(1)
    expect(await asStranger.versionCount(id)).toBe(2)
    expect(await asStranger.latestVersion(id)).toMatchObject({ version: 1, ...v2 })
  })

  it('only the publisher or governance adds versions', async () => {
    await expectRevert(asStranger.addVersion(id, v2.hash, v2.uri), 'UNAUTHORIZED', 'NotSchemaPublisher')
    const byGov = await asGov.addVersion(id, v2.hash, 'https://mirror.example/diploma/2.json')
    expect(byGov.events[0]!.args.publisher).toBe(gov.address)
    expect(await asStranger.publisherOf(id)).toBe(publisher.address)
  })

  it('the publisher hands a schema over; governance takes a squatted id back', async () => {
    const squatted = 'https://schemas.civitas.example/id-card'
    await asStranger.addVersion(squatted, v1.hash, 'https://squatter.example/id.json')
    await expectRevert(
      asPublisher.setPublisher(squatted, publisher.address),
      'UNAUTHORIZED',
      'NotSchemaPublisher',
    )
    await expectRevert(asGov.setPublisher(squatted, ZeroAddress), 'INVALID_ARGUMENT', 'ZeroAddress')
    await expectRevert(
      asGov.setPublisher('never published', publisher.address),
      'NOT_FOUND',
      'SchemaNotFound',
    )
    const moved = await asGov.setPublisher(squatted, publisher.address)
    expect(moved.events).toEqual([
      {
        name: 'SchemaPublisherChanged',
        args: { schemaId: schemaIdOf(squatted), publisher: publisher.address },
      },
    ])
    expect(await asStranger.publisherOf(squatted)).toBe(publisher.address)
    await expectRevert(asStranger.addVersion(squatted, v2.hash, v2.uri), 'UNAUTHORIZED', 'NotSchemaPublisher')
    await asPublisher.addVersion(squatted, v2.hash, v2.uri)
    expect(await asStranger.latestVersion(squatted)).toMatchObject({
      version: 1,
      publisher: publisher.address,
    })
    // The publisher itself may hand over too, and then loses the schema.
    await asPublisher.setPublisher(squatted, stranger.address)
    await expectRevert(
      asPublisher.addVersion(squatted, v1.hash, v1.uri),
      'UNAUTHORIZED',
      'NotSchemaPublisher',
    )
  })

  it('refuses empty ids, hashes and URIs; unknown schemas and versions are NOT_FOUND', async () => {
    const zero = `0x${'00'.repeat(32)}`
    await expectRevert(asPublisher.addVersion(zero, v1.hash, v1.uri), 'INVALID_ARGUMENT', 'InvalidSchemaId')
    await expectRevert(asPublisher.addVersion('other', zero, v1.uri), 'INVALID_ARGUMENT', 'InvalidSchemaHash')
    await expectRevert(asPublisher.addVersion('other', v1.hash, ''), 'INVALID_ARGUMENT', 'EmptyUri')
    await expectRevert(asStranger.getVersion('nope', 0), 'NOT_FOUND', 'SchemaNotFound')
    await expectRevert(asStranger.latestVersion('nope'), 'NOT_FOUND', 'SchemaNotFound')
    await expectRevert(asStranger.getVersion(id, 99), 'NOT_FOUND', 'VersionNotFound')
  })

  it('governance is two-step', async () => {
    await expectRevert(asStranger.transferOwnership(stranger.address), 'UNAUTHORIZED', 'NotOwner')
    await asGov.transferOwnership(stranger.address)
    await asStranger.acceptOwnership()
    expect(await asGov.owner()).toBe(stranger.address)
  })
})

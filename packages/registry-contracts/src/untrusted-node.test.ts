import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Interface, Wallet } from 'ethers'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRegistryProvider } from './contract.js'
import { statusRegistryAbi } from './generated/statusRegistry.js'
import { trustedIssuersRegistryAbi } from './generated/trustedIssuersRegistry.js'
import { createStatusRegistryClient, MIN_STATUS_LIST_LENGTH } from './status-registry.js'
import { createTrustedIssuersRegistryClient } from './trusted-issuers-registry.js'

/**
 * A JSON-RPC node that answers eth_call with whatever the test scripts, the way a broken or
 * hostile node would: the clients must check what comes back and stop, never loop on it.
 */
const ISSUER = '0x1111111111111111111111111111111111111111'
const REGISTRY = '0x2222222222222222222222222222222222222222'
const status = new Interface(statusRegistryAbi)
const trusted = new Interface(trustedIssuersRegistryAbi)

type Answer = (method: string, args: readonly unknown[]) => readonly unknown[]
let answer: Answer = () => {
  throw new Error('no answer scripted')
}
const calls: string[] = []
let server: Server
let rpcUrl: string

function reply(request: { id?: unknown; method?: unknown; params?: unknown }) {
  if (request.method !== 'eth_call') return { jsonrpc: '2.0', id: request.id, result: '0x7a69' }
  const [tx] = request.params as [{ data: string }]
  for (const iface of [status, trusted]) {
    const parsed = iface.parseTransaction({ data: tx.data })
    if (!parsed) continue
    calls.push(parsed.name)
    const result = iface.encodeFunctionResult(parsed.fragment, answer(parsed.name, parsed.args))
    return { jsonrpc: '2.0', id: request.id, result }
  }
  return { jsonrpc: '2.0', id: request.id, error: { code: -32000, message: 'unknown call' } }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      const parsed = JSON.parse(body) as unknown
      const out = Array.isArray(parsed) ? parsed.map(reply) : reply(parsed as never)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(out))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  rpcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
afterEach(() => {
  calls.length = 0
})

function statusClient() {
  const provider = createRegistryProvider(rpcUrl, 31337, { timeoutMs: 2_000 })
  return { client: createStatusRegistryClient(REGISTRY, provider, { readTimeoutMs: 2_000 }), provider }
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: unknown }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: unknown }
  }
  throw new Error('expected a rejection')
}

describe('StatusRegistry client: readAllWords does not trust the list length a node reports', () => {
  it('a node reporting 2**64 - 1 entries and no words: CHAIN_UNAVAILABLE, no word read', async () => {
    answer = (method) => (method === 'getList' ? [1, 2n ** 64n - 1n] : [[]])
    const { client, provider } = statusClient()
    expect(await rejection(client.readAllWords(ISSUER, 1))).toMatchObject({ code: 'CHAIN_UNAVAILABLE' })
    expect(calls).toEqual(['getList'])
    provider.destroy()
  })

  it('lengths no StatusRegistry can hold (not a multiple of 256, under the minimum, unknown purpose) are CHAIN_UNAVAILABLE', async () => {
    const { client, provider } = statusClient()
    for (const [purpose, length] of [
      [1, BigInt(MIN_STATUS_LIST_LENGTH) + 1n],
      [1, 256n],
      [1, 2n ** 32n + 256n],
      [7, BigInt(MIN_STATUS_LIST_LENGTH)],
    ] as const) {
      answer = () => [purpose, length]
      expect(await rejection(client.getList(ISSUER, 1))).toMatchObject({ code: 'CHAIN_UNAVAILABLE' })
    }
    provider.destroy()
  })

  it('a list longer than maxLength (default: what decoders accept) is INPUT_TOO_LARGE before any word is read', async () => {
    answer = (method) => (method === 'getList' ? [1, 2n ** 32n] : [[]])
    const { client, provider } = statusClient()
    expect(await rejection(client.readAllWords(ISSUER, 1))).toMatchObject({ code: 'INPUT_TOO_LARGE' })
    expect(await rejection(client.readAllWords(ISSUER, 1, { maxLength: 262_144 }))).toMatchObject({
      code: 'INPUT_TOO_LARGE',
    })
    expect(calls).toEqual(['getList', 'getList'])
    provider.destroy()
  })

  it('a node returning fewer words than asked stops the read at that chunk (CHAIN_UNAVAILABLE)', async () => {
    const { client, provider } = statusClient()
    // The largest list the contract holds, allowed by the caller: the first short chunk ends it.
    answer = (method) => (method === 'getList' ? [1, 2n ** 32n] : [[]])
    expect(await rejection(client.readAllWords(ISSUER, 1, { maxLength: 2 ** 32 }))).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
    })
    expect(calls).toEqual(['getList', 'getWords'])
    calls.length = 0
    answer = (method, args) =>
      method === 'getList'
        ? [1, BigInt(MIN_STATUS_LIST_LENGTH)]
        : [Array.from({ length: Number(args[3]) - 1 }, () => 0n)]
    expect(await rejection(client.readAllWords(ISSUER, 1))).toMatchObject({ code: 'CHAIN_UNAVAILABLE' })
    expect(calls).toEqual(['getList', 'getWords'])
    provider.destroy()
  })

  it('a consistent node is read in full', async () => {
    answer = (method, args) =>
      method === 'getList'
        ? [2, BigInt(MIN_STATUS_LIST_LENGTH)]
        : [Array.from({ length: Number(args[3]) }, (_, i) => BigInt(Number(args[2]) + i))]
    const { client, provider } = statusClient()
    const words = await client.readAllWords(ISSUER, 1)
    expect(words).toHaveLength(MIN_STATUS_LIST_LENGTH / 256)
    expect(words.at(-1)).toBe(511n)
    provider.destroy()
  })
})

describe('TrustedIssuersRegistry client: findAccreditation does not trust counts and chains a node reports', () => {
  function trustedClient() {
    const provider = createRegistryProvider(rpcUrl, 31337, { timeoutMs: 2_000 })
    return {
      client: createTrustedIssuersRegistryClient(REGISTRY, new Wallet(`0x${'11'.repeat(32)}`, provider), {
        readTimeoutMs: 2_000,
      }),
      provider,
    }
  }

  it('a count beyond a safe integer is CHAIN_UNAVAILABLE; one beyond maxRecords is INPUT_TOO_LARGE; no chain is read', async () => {
    const { client, provider } = trustedClient()
    answer = () => [2n ** 64n - 1n]
    expect(await rejection(client.findAccreditation(ISSUER, 'VerifiableDiploma'))).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
    })
    answer = () => [1_000n]
    expect(await rejection(client.findAccreditation(ISSUER, 'VerifiableDiploma'))).toMatchObject({
      code: 'INPUT_TOO_LARGE',
    })
    expect(calls).toEqual(['accreditationCount', 'accreditationCount'])
    provider.destroy()
  })

  it('an empty chain (no Root TAO to compare) is CHAIN_UNAVAILABLE, not a TypeError', async () => {
    const { client, provider } = trustedClient()
    answer = (method) => (method === 'accreditationCount' ? [1n] : [[]])
    expect(await rejection(client.findAccreditation(ISSUER, 'VerifiableDiploma'))).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
    })
    provider.destroy()
  })
})

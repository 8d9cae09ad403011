import { createServer, type Server, type Socket } from 'node:net'
import { isCivitasError } from '@civitas/core'
import { JsonRpcProvider, Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRegistryProvider } from './contract.js'
import { createDidRegistryClient } from './did-registry.js'
import type { LocalChain } from './local-chain.js'
import { createStatusRegistryClient } from './status-registry.js'
import { revert, snapshot, startTestChain } from './test-utils/chain.js'

/** A node that accepts connections and never answers: the case a timeout exists for. */
async function startSilentNode(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const ANY_ADDRESS = '0x00000000000000000000000000000000000000aa'

describe('registry clients fail closed on a silent node', () => {
  let silent: Awaited<ReturnType<typeof startSilentNode>>

  beforeAll(async () => {
    silent = await startSilentNode()
  })
  afterAll(async () => {
    await silent?.close()
  })

  it('a read times out as CHAIN_UNAVAILABLE at the client, whatever the provider waits', async () => {
    const provider = createRegistryProvider(silent.url, 31337, { timeoutMs: 600_000 })
    const client = createDidRegistryClient(ANY_ADDRESS, provider, { readTimeoutMs: 200 })
    const error = await client.identityOwner(ANY_ADDRESS).catch((e: unknown) => e)
    expect(isCivitasError(error, 'CHAIN_UNAVAILABLE')).toBe(true)
    expect((error as { details?: unknown }).details).toMatchObject({
      contract: 'DIDRegistry',
      method: 'identityOwner',
      timeoutMs: 200,
    })
    provider.destroy()
  })

  it('signing without a chainId asks the network, with the same timeout', async () => {
    // A provider that detects its network (no static network): ethers would wait for it forever.
    const provider = new JsonRpcProvider(silent.url)
    const client = createDidRegistryClient(ANY_ADDRESS, provider, { readTimeoutMs: 200 })
    const owner = Wallet.createRandom()
    const op = { type: 'Deactivate' as const, identity: owner.address }
    const error = await client.sign(owner, op, { deadline: 1n, nonce: 0n }).catch((e: unknown) => e)
    expect(isCivitasError(error, 'CHAIN_UNAVAILABLE')).toBe(true)
    provider.destroy()
  })

  it("createRegistryProvider's request timeout also ends in CHAIN_UNAVAILABLE", async () => {
    const provider = createRegistryProvider(silent.url, 31337, { timeoutMs: 200 })
    const client = createStatusRegistryClient(ANY_ADDRESS, provider)
    const error = await client.isSet(ANY_ADDRESS, 1, 1).catch((e: unknown) => e)
    expect(isCivitasError(error, 'CHAIN_UNAVAILABLE')).toBe(true)
    provider.destroy()
  })
})

describe('registry writes wait for their receipt, not forever', () => {
  let chain: LocalChain

  beforeAll(async () => {
    chain = await startTestChain()
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('a transaction that is never mined ends in CHAIN_UNAVAILABLE naming its hash', async () => {
    const snap = await snapshot(chain)
    const issuer = chain.wallets[1] as Wallet
    const client = createStatusRegistryClient(chain.contracts.StatusRegistry, issuer, {
      receiptTimeoutMs: 300,
    })
    await chain.provider.send('evm_setAutomine', [false])
    try {
      const error = await client.createList(1, 'revocation').catch((e: unknown) => e)
      expect(isCivitasError(error, 'CHAIN_UNAVAILABLE')).toBe(true)
      expect((error as { details?: { hash?: unknown } }).details?.hash).toMatch(/^0x[0-9a-f]{64}$/)
    } finally {
      await chain.provider.send('evm_setAutomine', [true])
      await revert(chain, snap)
    }
  })
})

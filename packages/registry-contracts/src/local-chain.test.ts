import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonRpcProvider, Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployRegistries, ethrNetworkFromManifest, parseManifest, readManifest } from './deploy.js'
import { didRegistryBytecode } from './generated/didRegistry.js'
import { type LocalChain, locateAnvil, startLocalChain } from './local-chain.js'

describe('startLocalChain', () => {
  let chain: LocalChain
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'civitas-chain-'))
    chain = await startLocalChain({ manifestPath: join(dir, 'manifest.json'), chainId: 1337 })
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('locates the anvil binary inside its npm platform package', () => {
    expect(locateAnvil()).toMatch(/@foundry-rs[/\\]anvil-[a-z0-9]+-[a-z0-9]+[/\\]bin[/\\]anvil(\.exe)?$/)
  })

  it('runs a node on a free port with the requested chain id', async () => {
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(chain.chainId).toBe(1337)
    expect(Number((await chain.provider.getNetwork()).chainId)).toBe(1337)
  })

  it('deploys the four registries with their compiled code', async () => {
    for (const address of Object.values(chain.contracts)) {
      expect(await chain.provider.getCode(address)).not.toBe('0x')
    }
    const deployed = await chain.provider.getCode(chain.contracts.DIDRegistry)
    // The runtime code is a suffix of the creation code (no constructor arguments here).
    expect(didRegistryBytecode.includes(deployed.slice(2, 200))).toBe(true)
  })

  it('writes the deployment manifest as JSON', async () => {
    const manifest = await readManifest(join(dir, 'manifest.json'))
    expect(manifest).toEqual(chain.manifest)
    expect(manifest.network).toEqual({ name: 'local', chainId: 1337, rpcUrl: chain.rpcUrl })
    expect(manifest.governance).toBe(chain.wallets[0]!.address)
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).version).toBe(1)
  })

  it('deployRegistries deploys to any JSON-RPC endpoint and writes the same manifest shape', async () => {
    const path = join(dir, 'second.json')
    const manifest = await deployRegistries(chain.rpcUrl, chain.wallets[1]!, {
      networkName: 'besu-like',
      governance: chain.wallets[2]!.address,
      manifestPath: path,
    })
    expect(await readManifest(path)).toEqual(manifest)
    expect(manifest.deployer).toBe(chain.wallets[1]!.address)
    expect(manifest.governance).toBe(chain.wallets[2]!.address)
    expect(manifest.contracts.DIDRegistry.address).not.toBe(chain.contracts.DIDRegistry)
  })

  it('deployRegistries connects a provider-less signer itself, and fails closed on a dead endpoint', async () => {
    const detached = new Wallet(chain.wallets[3]!.privateKey)
    const manifest = await deployRegistries(chain.rpcUrl, detached)
    expect(manifest.network).toEqual({ name: 'chain-1337', chainId: 1337, rpcUrl: chain.rpcUrl })
    expect(await chain.provider.getCode(manifest.contracts.SchemaRegistry.address)).not.toBe('0x')
    await expect(deployRegistries('http://127.0.0.1:9', detached)).rejects.toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
    })
    // A signer whose provider probes its network: ethers retries that forever on a dead node.
    const probing = new JsonRpcProvider('http://127.0.0.1:9')
    await expect(
      deployRegistries('http://127.0.0.1:9', detached.connect(probing), { rpcTimeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' })
    probing.destroy()
    await expect(readManifest(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(() => parseManifest({ version: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('turns a manifest into the did:ethr network config of the resolver', () => {
    expect(ethrNetworkFromManifest(chain.manifest)).toEqual({
      name: 'local',
      chainId: 1337,
      rpcUrl: chain.rpcUrl,
      registry: chain.contracts.DIDRegistry,
    })
    expect(
      ethrNetworkFromManifest(chain.manifest, { name: 'civitas', rpcUrl: 'http://node:8545' }),
    ).toMatchObject({
      name: 'civitas',
      rpcUrl: 'http://node:8545',
    })
  })

  it('stop() ends the node', async () => {
    const other = await startLocalChain({ deploy: false })
    await other.stop()
    await expect(fetch(other.rpcUrl, { method: 'POST' })).rejects.toThrow()
  })
})

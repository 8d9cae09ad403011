import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import {
  assertBoolean,
  assertInteger,
  assertString,
  CivitasError,
  isRecord,
  optionsRecord,
} from '@civitas/core'
import { HDNodeWallet, type JsonRpcProvider, Wallet } from 'ethers'
import { assertNetworkName } from './arguments.js'
import { createRegistryProvider, DEFAULT_RPC_TIMEOUT_MS, withTimeout } from './contract.js'
import { deployRegistries, type RegistryManifest, type RegistryName } from './deploy.js'
import { toRegistryError } from './errors.js'

/** anvil's default mnemonic: its accounts are public test keys, never use them elsewhere. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

/** The npm package that ships anvil's binary for this platform. */
const PLATFORM_PACKAGES: Record<string, string> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
}

/**
 * Finds the anvil binary: `CIVITAS_ANVIL_PATH` if set, else the binary inside the
 * platform package (not `@foundry-rs/anvil`'s postinstall, which downloads and which pnpm
 * does not run).
 */
export function locateAnvil(): string {
  const fromEnv = process.env.CIVITAS_ANVIL_PATH
  if (fromEnv) return fromEnv
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`]
  if (!pkg) {
    throw new CivitasError('CHAIN_UNAVAILABLE', `no anvil package for ${process.platform}-${process.arch}`)
  }
  const require = createRequire(import.meta.url)
  let root: string
  try {
    root = dirname(require.resolve(`${pkg}/package.json`))
  } catch (error) {
    throw new CivitasError('CHAIN_UNAVAILABLE', `${pkg} is not installed; set CIVITAS_ANVIL_PATH`, {
      cause: error,
    })
  }
  const binary = join(root, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  if (!existsSync(binary)) throw new CivitasError('CHAIN_UNAVAILABLE', `anvil binary missing at ${binary}`)
  return binary
}

export interface LocalChainOptions {
  /** Defaults to 31337. */
  chainId?: number
  /** Funded accounts derived from {@link ANVIL_MNEMONIC}; defaults to 10. */
  accounts?: number
  /** did:ethr network name written to the manifest; defaults to `local`. */
  networkName?: string
  /** Also write the deployment manifest as JSON to this path. */
  manifestPath?: string
  /** Skip deploying the registries (a bare chain). */
  deploy?: boolean
}

export interface LocalChain {
  rpcUrl: string
  chainId: number
  /** Addresses of the deployed registries. */
  contracts: Record<RegistryName, string>
  manifest: RegistryManifest
  provider: JsonRpcProvider
  /** Funded wallets connected to {@link provider}; [0] deployed the registries and is governance. */
  wallets: Wallet[]
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}`)
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms`)
}

async function spawnAnvil(binary: string, chainId: number, accounts: number) {
  let lastError: unknown
  // The free port can be taken between probing and binding: retry on a fresh one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn(
      binary,
      [
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--chain-id',
        String(chainId),
        '--accounts',
        String(accounts),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000)
    })
    const rpcUrl = `http://127.0.0.1:${port}`
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject)
        child.once('spawn', () => resolve())
      })
      await waitForRpc(rpcUrl, child, 20_000)
      return { child, rpcUrl }
    } catch (error) {
      lastError = new Error(`${(error as Error).message}${stderr ? `: ${stderr}` : ''}`, { cause: error })
      child.kill('SIGKILL')
    }
  }
  throw new CivitasError('CHAIN_UNAVAILABLE', 'could not start anvil', { cause: lastError })
}

/**
 * Starts a private anvil node on a free port and deploys the four registries to it.
 * `stop()` kills the node; it is also killed when this process exits.
 */
/** Most funded accounts a local chain derives: each costs anvil a key derivation at start. */
export const MAX_LOCAL_ACCOUNTS = 1000

function checkOptions(options: LocalChainOptions | undefined): LocalChainOptions {
  const opts = optionsRecord(options)
  // anvil takes the chain id as a uint64; a safe integer also survives the manifest's JSON.
  if (opts.chainId !== undefined) assertInteger(opts.chainId, 'options.chainId', { min: 1 })
  if (opts.accounts !== undefined) {
    assertInteger(opts.accounts, 'options.accounts', { min: 1, max: MAX_LOCAL_ACCOUNTS })
  }
  if (opts.networkName !== undefined) assertNetworkName(opts.networkName, 'options.networkName')
  if (opts.manifestPath !== undefined)
    assertString(opts.manifestPath, 'options.manifestPath', { nonEmpty: true })
  if (opts.deploy !== undefined) assertBoolean(opts.deploy, 'options.deploy')
  if (opts.deploy === false && opts.manifestPath !== undefined) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'options.manifestPath needs the registries deployed (deploy: false)',
      {
        details: { argument: 'options.manifestPath' },
      },
    )
  }
  return opts
}

export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const opts = checkOptions(options)
  const chainId = opts.chainId ?? 31337
  const accountCount = opts.accounts ?? 10
  const { child, rpcUrl } = await spawnAnvil(locateAnvil(), chainId, accountCount)
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      // A node that ignores SIGTERM must not hang the caller's teardown.
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
      child.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      child.kill('SIGTERM')
    })
  }
  try {
    const provider = createRegistryProvider(rpcUrl, chainId)
    const wallets = Array.from(
      { length: accountCount },
      (_, i) =>
        new Wallet(
          HDNodeWallet.fromPhrase(ANVIL_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey,
          provider,
        ),
    )
    const manifest =
      opts.deploy === false
        ? emptyManifest(rpcUrl, chainId, opts.networkName ?? 'local', wallets[0]!.address)
        : await deployRegistries(rpcUrl, wallets[0]!, {
            networkName: opts.networkName ?? 'local',
            ...(opts.manifestPath ? { manifestPath: opts.manifestPath } : {}),
          })
    const contracts = Object.fromEntries(
      Object.entries(manifest.contracts).map(([name, deployed]) => [name, deployed.address]),
    ) as Record<RegistryName, string>
    return { rpcUrl, chainId, contracts, manifest, provider, wallets, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

function emptyManifest(rpcUrl: string, chainId: number, name: string, deployer: string): RegistryManifest {
  const none = { address: '0x0000000000000000000000000000000000000000', transactionHash: '', blockNumber: 0 }
  return {
    version: 1,
    network: { name, chainId, rpcUrl },
    deployer,
    governance: deployer,
    contracts: {
      DIDRegistry: none,
      StatusRegistry: none,
      TrustedIssuersRegistry: none,
      SchemaRegistry: none,
    },
  }
}

// ── helpers for tests, demos and benchmarks on a local chain (anvil RPC methods) ──

/**
 * Sends one anvil RPC method for `chain`: a `chain` without a provider is INVALID_ARGUMENT,
 * a node that fails or does not answer is CHAIN_UNAVAILABLE (never a raw ethers error).
 */
async function anvilCall<T>(chain: LocalChain, method: string, params: unknown[]): Promise<T> {
  const provider = isRecord(chain) ? (chain.provider as { send?: unknown } | undefined) : undefined
  if (!isRecord(provider) || typeof provider.send !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'chain must be a LocalChain (from startLocalChain)', {
      details: { argument: 'chain' },
    })
  }
  const send = provider.send as (method: string, params: unknown[]) => Promise<unknown>
  try {
    return (await withTimeout(send.call(provider, method, params), DEFAULT_RPC_TIMEOUT_MS, {
      contract: 'anvil',
      method,
    })) as T
  } catch (error) {
    throw toRegistryError(error, { contract: 'anvil', method })
  }
}

/** Takes an EVM snapshot; {@link revert} returns the chain to it. */
export async function snapshot(chain: LocalChain): Promise<string> {
  return await anvilCall<string>(chain, 'evm_snapshot', [])
}

export async function revert(chain: LocalChain, id: string): Promise<void> {
  assertString(id, 'id', { nonEmpty: true })
  await anvilCall(chain, 'evm_revert', [id])
}

/** Moves chain time forward and mines a block so views see the new timestamp. */
export async function increaseTime(chain: LocalChain, seconds: number): Promise<void> {
  assertInteger(seconds, 'seconds', { min: 0 })
  await anvilCall(chain, 'evm_increaseTime', [seconds])
  await anvilCall(chain, 'evm_mine', [])
}

/** The next mined block gets exactly `timestamp`: for tests at a boundary second. */
export async function setNextBlockTimestamp(chain: LocalChain, timestamp: number): Promise<void> {
  assertInteger(timestamp, 'timestamp', { min: 0 })
  await anvilCall(chain, 'evm_setNextBlockTimestamp', [timestamp])
}

export async function latestTimestamp(chain: LocalChain): Promise<number> {
  const block = await anvilCall<{ timestamp?: unknown } | null>(chain, 'eth_getBlockByNumber', [
    'latest',
    false,
  ])
  const timestamp = typeof block?.timestamp === 'string' ? Number(block.timestamp) : Number.NaN
  if (!Number.isSafeInteger(timestamp)) {
    throw new CivitasError('CHAIN_UNAVAILABLE', 'the node returned no latest block timestamp')
  }
  return timestamp
}

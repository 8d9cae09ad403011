import { readFile, writeFile } from 'node:fs/promises'
import { CivitasError, type EthrNetworkConfig } from '@civitas/core'
import { ContractFactory, type ContractRunner, type InterfaceAbi, type Signer } from 'ethers'
import {
  createRegistryProvider,
  DEFAULT_RECEIPT_TIMEOUT_MS,
  DEFAULT_RPC_TIMEOUT_MS,
  type RegistryClientOptions,
  withTimeout,
} from './contract.js'
import { createDidRegistryClient, type DidRegistryClient } from './did-registry.js'
import { toRegistryError } from './errors.js'
import { didRegistryAbi, didRegistryBytecode } from './generated/didRegistry.js'
import { schemaRegistryAbi, schemaRegistryBytecode } from './generated/schemaRegistry.js'
import { statusRegistryAbi, statusRegistryBytecode } from './generated/statusRegistry.js'
import {
  trustedIssuersRegistryAbi,
  trustedIssuersRegistryBytecode,
} from './generated/trustedIssuersRegistry.js'
import { createSchemaRegistryClient, type SchemaRegistryClient } from './schema-registry.js'
import { createStatusRegistryClient, type StatusRegistryClient } from './status-registry.js'
import {
  createTrustedIssuersRegistryClient,
  type TrustedIssuersRegistryClient,
} from './trusted-issuers-registry.js'

export type RegistryName = 'DIDRegistry' | 'StatusRegistry' | 'TrustedIssuersRegistry' | 'SchemaRegistry'

export interface DeployedContract {
  address: string
  transactionHash: string
  blockNumber: number
}

/** Where the registries live: written by {@link deployRegistries}, read by every SDK. */
export interface RegistryManifest {
  version: 1
  network: { name: string; chainId: number; rpcUrl: string }
  deployer: string
  /** Owner of the TrustedIssuersRegistry and SchemaRegistry. */
  governance: string
  contracts: Record<RegistryName, DeployedContract>
}

export interface DeployOptions {
  /** Network name used in did:ethr DIDs (`did:ethr:<name>:0x...`). Defaults to `chain-<chainId>`. */
  networkName?: string
  /** Governance owner; defaults to the deployer. */
  governance?: string
  /** Also write the manifest as JSON to this path. */
  manifestPath?: string
  /** How long asking the node for its chain id may take; defaults to 10 s. */
  rpcTimeoutMs?: number
}

const ARTIFACTS: Record<RegistryName, { abi: InterfaceAbi; bytecode: string; governed: boolean }> = {
  DIDRegistry: { abi: didRegistryAbi, bytecode: didRegistryBytecode, governed: false },
  StatusRegistry: { abi: statusRegistryAbi, bytecode: statusRegistryBytecode, governed: false },
  TrustedIssuersRegistry: {
    abi: trustedIssuersRegistryAbi,
    bytecode: trustedIssuersRegistryBytecode,
    governed: true,
  },
  SchemaRegistry: { abi: schemaRegistryAbi, bytecode: schemaRegistryBytecode, governed: true },
}

/**
 * Deploys the four registries to any EVM JSON-RPC endpoint (anvil, Hyperledger Besu, a
 * testnet) from `signer`, waiting for each receipt, and returns (optionally writes) the manifest.
 */
export async function deployRegistries(
  rpcUrl: string,
  signer: Signer,
  options: DeployOptions = {},
): Promise<RegistryManifest> {
  const rpcTimeoutMs = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS
  let chainId: number
  let from: string
  let deployer: Signer
  try {
    if (signer.provider) {
      deployer = signer
      // A provider without a static network probes the node, and retries forever when it is down.
      const network = await withTimeout(signer.provider.getNetwork(), rpcTimeoutMs, {
        contract: 'deployRegistries',
        method: 'getNetwork',
      })
      chainId = Number(network.chainId)
    } else {
      // Ask the node once, with a timeout, instead of letting ethers retry network
      // detection forever when the endpoint is down.
      chainId = await fetchChainId(rpcUrl, rpcTimeoutMs)
      deployer = signer.connect(createRegistryProvider(rpcUrl, chainId))
    }
    from = await deployer.getAddress()
  } catch (error) {
    throw toRegistryError(error, { contract: 'deployRegistries', method: 'connect' })
  }
  const governance = options.governance ?? from
  const contracts = {} as Record<RegistryName, DeployedContract>
  for (const name of Object.keys(ARTIFACTS) as RegistryName[]) {
    const { abi, bytecode, governed } = ARTIFACTS[name]
    try {
      const factory = new ContractFactory(abi, bytecode, deployer)
      const contract = await factory.deploy(...(governed ? [governance] : []))
      const receipt = await contract.deploymentTransaction()!.wait(1, DEFAULT_RECEIPT_TIMEOUT_MS)
      if (receipt?.status !== 1 || !receipt.contractAddress) {
        throw new CivitasError('TRANSACTION_FAILED', `deploying ${name} failed`)
      }
      contracts[name] = {
        address: receipt.contractAddress,
        transactionHash: receipt.hash,
        blockNumber: receipt.blockNumber,
      }
    } catch (error) {
      throw toRegistryError(error, { contract: name, method: 'deploy' })
    }
  }
  const manifest: RegistryManifest = {
    version: 1,
    network: { name: options.networkName ?? `chain-${chainId}`, chainId, rpcUrl },
    deployer: from,
    governance,
    contracts,
  }
  if (options.manifestPath) await writeManifest(options.manifestPath, manifest)
  return manifest
}

/** `eth_chainId` of a JSON-RPC endpoint; CHAIN_UNAVAILABLE when it does not answer in time. */
export async function fetchChainId(rpcUrl: string, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<number> {
  let body: { result?: unknown }
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    body = (await response.json()) as { result?: unknown }
  } catch (error) {
    throw new CivitasError('CHAIN_UNAVAILABLE', `no JSON-RPC answer from ${rpcUrl}`, {
      cause: error,
      details: { rpcUrl },
    })
  }
  if (typeof body.result !== 'string' || !/^0x[0-9a-fA-F]+$/.test(body.result)) {
    throw new CivitasError('CHAIN_UNAVAILABLE', `${rpcUrl} gave no chain id`, { details: { rpcUrl } })
  }
  return Number(BigInt(body.result))
}

export async function writeManifest(path: string, manifest: RegistryManifest): Promise<void> {
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`)
}

/** Reads and checks a manifest written by {@link deployRegistries}. */
export async function readManifest(path: string): Promise<RegistryManifest> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new CivitasError('INVALID_ARGUMENT', `cannot read registry manifest ${path}`, { cause: error })
  }
  return parseManifest(parsed)
}

export function parseManifest(value: unknown): RegistryManifest {
  const m = value as Partial<RegistryManifest> | null
  const ok =
    m?.version === 1 &&
    typeof m.network?.name === 'string' &&
    typeof m.network.chainId === 'number' &&
    typeof m.network.rpcUrl === 'string' &&
    (Object.keys(ARTIFACTS) as RegistryName[]).every((n) =>
      /^0x[0-9a-fA-F]{40}$/.test(m.contracts?.[n]?.address ?? ''),
    )
  if (!ok) throw new CivitasError('INVALID_ARGUMENT', 'not a Civitas registry manifest (version 1)')
  return m as RegistryManifest
}

/**
 * The did:ethr network (`{ name, chainId, rpcUrl, registry }`) that resolves DIDs against the
 * manifest's DIDRegistry, for `createResolver({ ethr: { networks: [...] } })` of @civitas/core
 * or ethr-did-resolver's `getResolver({ networks: [...] })`.
 */
export function ethrNetworkFromManifest(
  manifest: RegistryManifest,
  overrides: { name?: string; rpcUrl?: string } = {},
): EthrNetworkConfig & { chainId: number; rpcUrl: string } {
  return {
    name: overrides.name ?? manifest.network.name,
    chainId: manifest.network.chainId,
    rpcUrl: overrides.rpcUrl ?? manifest.network.rpcUrl,
    registry: manifest.contracts.DIDRegistry.address,
  }
}

export interface RegistryClients {
  did: DidRegistryClient
  status: StatusRegistryClient
  trustedIssuers: TrustedIssuersRegistryClient
  schemas: SchemaRegistryClient
}

/** Clients for every registry of a manifest, sending from `runner` (a Signer to write). */
export function connectRegistries(
  manifest: RegistryManifest,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): RegistryClients {
  return {
    did: createDidRegistryClient(manifest.contracts.DIDRegistry.address, runner, options),
    status: createStatusRegistryClient(manifest.contracts.StatusRegistry.address, runner, options),
    trustedIssuers: createTrustedIssuersRegistryClient(
      manifest.contracts.TrustedIssuersRegistry.address,
      runner,
      options,
    ),
    schemas: createSchemaRegistryClient(manifest.contracts.SchemaRegistry.address, runner, options),
  }
}

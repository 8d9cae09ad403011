import { readFile, writeFile } from 'node:fs/promises'
import {
  assertString,
  CivitasError,
  describeValue,
  type EthrNetworkConfig,
  hasOwn,
  isRecord,
  optionsRecord,
  toCivitasError,
} from '@civitas/core'
import { ContractFactory, type ContractRunner, type InterfaceAbi, type Signer } from 'ethers'
import {
  assertAddress,
  assertNetworkName,
  assertRpcUrl,
  assertRunner,
  isNetworkName,
  timeoutOption,
} from './arguments.js'
import {
  clientTimeouts,
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
  assertRpcUrl(rpcUrl)
  if (
    !isRecord(signer) ||
    typeof signer.getAddress !== 'function' ||
    (!signer.provider && typeof signer.connect !== 'function')
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'signer must be an ethers Signer', {
      details: { argument: 'signer' },
    })
  }
  const opts = optionsRecord(options)
  const rpcTimeoutMs = timeoutOption(opts.rpcTimeoutMs, 'options.rpcTimeoutMs', DEFAULT_RPC_TIMEOUT_MS)
  if (opts.governance !== undefined) assertAddress(opts.governance, 'options.governance')
  if (opts.networkName !== undefined) assertNetworkName(opts.networkName, 'options.networkName')
  if (opts.manifestPath !== undefined)
    assertString(opts.manifestPath, 'options.manifestPath', { nonEmpty: true })
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
  const governance = opts.governance ?? from
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
    network: { name: opts.networkName ?? `chain-${chainId}`, chainId, rpcUrl },
    deployer: from,
    governance,
    contracts,
  }
  if (opts.manifestPath) await writeManifest(opts.manifestPath, manifest)
  return manifest
}

/** `eth_chainId` of a JSON-RPC endpoint; CHAIN_UNAVAILABLE when it does not answer in time. */
export async function fetchChainId(rpcUrl: string, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<number> {
  assertRpcUrl(rpcUrl)
  const ms = timeoutOption(timeoutMs, 'timeoutMs', DEFAULT_RPC_TIMEOUT_MS)
  let body: unknown
  try {
    body = await withTimeout(
      async (signal) => {
        const response = await fetch(rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
          signal,
        })
        return (await response.json()) as unknown
      },
      ms,
      { contract: 'fetchChainId', method: 'eth_chainId' },
    )
  } catch (error) {
    throw new CivitasError('CHAIN_UNAVAILABLE', `no JSON-RPC answer from ${rpcUrl}`, {
      cause: error,
      details: { rpcUrl },
    })
  }
  const result = isRecord(body) ? body.result : undefined
  // A chain id is a uint64; 16 hex digits at most, and the manifest keeps it as a safe integer.
  const id = typeof result === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(result) ? Number(BigInt(result)) : 0
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new CivitasError('CHAIN_UNAVAILABLE', `${rpcUrl} gave no usable chain id`, { details: { rpcUrl } })
  }
  return id
}

/** Writes `manifest` (checked first, so nothing but a manifest is ever written) as JSON to `path`. */
export async function writeManifest(path: string, manifest: RegistryManifest): Promise<void> {
  assertString(path, 'path', { nonEmpty: true })
  const checked = parseManifest(manifest)
  try {
    await writeFile(path, `${JSON.stringify(checked, null, 2)}\n`)
  } catch (error) {
    throw toCivitasError(
      error,
      'INVALID_ARGUMENT',
      `cannot write the registry manifest to ${describeValue(path, 200)}`,
    )
  }
}

/** Reads and checks a manifest written by {@link deployRegistries}. */
export async function readManifest(path: string): Promise<RegistryManifest> {
  assertString(path, 'path', { nonEmpty: true })
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new CivitasError('INVALID_ARGUMENT', `cannot read registry manifest ${describeValue(path, 200)}`, {
      cause: error,
    })
  }
  return parseManifest(parsed)
}

/**
 * Checks a manifest (from a file, or built by hand) and returns a copy holding exactly the
 * manifest's members: nothing else travels on into clients, resolvers or files.
 */
export function parseManifest(value: unknown): RegistryManifest {
  const fail = (why: string) =>
    new CivitasError('INVALID_ARGUMENT', `not a Civitas registry manifest (version 1): ${why}`)
  if (!isRecord(value) || value.version !== 1) throw fail('version must be 1')
  const { network, contracts, deployer, governance } = value
  if (!isRecord(network)) throw fail('network is missing')
  const { name, chainId, rpcUrl } = network
  if (!isNetworkName(name)) throw fail('network.name is not a network name')
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1) {
    throw fail('network.chainId must be a positive integer')
  }
  if (typeof rpcUrl !== 'string' || rpcUrl.length > 2048) throw fail('network.rpcUrl must be a URL')
  for (const [member, address] of [
    ['deployer', deployer],
    ['governance', governance],
  ] as const) {
    if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
      throw fail(`${member} must be an address`)
    }
  }
  if (!isRecord(contracts)) throw fail('contracts is missing')
  const checked = {} as Record<RegistryName, DeployedContract>
  for (const contractName of Object.keys(ARTIFACTS) as RegistryName[]) {
    const deployed = hasOwn(contracts, contractName) ? contracts[contractName] : undefined
    if (
      !isRecord(deployed) ||
      typeof deployed.address !== 'string' ||
      !/^0x[0-9a-fA-F]{40}$/.test(deployed.address)
    ) {
      throw fail(`contracts.${contractName}.address must be an address`)
    }
    checked[contractName] = {
      address: deployed.address,
      transactionHash: typeof deployed.transactionHash === 'string' ? deployed.transactionHash : '',
      blockNumber:
        typeof deployed.blockNumber === 'number' && Number.isSafeInteger(deployed.blockNumber)
          ? deployed.blockNumber
          : 0,
    }
  }
  return {
    version: 1,
    network: { name, chainId, rpcUrl },
    deployer: deployer as string,
    governance: governance as string,
    contracts: checked,
  }
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
  const checked = parseManifest(manifest)
  const { name, rpcUrl } = optionsRecord(overrides, 'overrides')
  if (name !== undefined) assertNetworkName(name, 'overrides.name')
  if (rpcUrl !== undefined) assertRpcUrl(rpcUrl, 'overrides.rpcUrl')
  return {
    name: name ?? checked.network.name,
    chainId: checked.network.chainId,
    rpcUrl: rpcUrl ?? checked.network.rpcUrl,
    registry: checked.contracts.DIDRegistry.address,
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
  const { contracts } = parseManifest(manifest)
  assertRunner(runner)
  clientTimeouts(options)
  return {
    did: createDidRegistryClient(contracts.DIDRegistry.address, runner, options),
    status: createStatusRegistryClient(contracts.StatusRegistry.address, runner, options),
    trustedIssuers: createTrustedIssuersRegistryClient(
      contracts.TrustedIssuersRegistry.address,
      runner,
      options,
    ),
    schemas: createSchemaRegistryClient(contracts.SchemaRegistry.address, runner, options),
  }
}

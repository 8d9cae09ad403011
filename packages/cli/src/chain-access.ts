// What commands need to reach the chain and their keys. Loaded on first use (with ethers and
// the registries), so `civitas --help` and usage errors start fast.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { base64urlDecode } from '@civitas/core'
import { createRegistryProvider, type RegistryManifest, readManifest } from '@civitas/registry-contracts'
import { type JsonRpcProvider, Wallet } from 'ethers'
import type { Context } from './context.js'
import { readKeyFile, type UnlockedKey } from './keyfile.js'
import { readPassphrase } from './passphrase.js'
import { UsageError } from './usage-error.js'

/** The manifest at `path` (option), else the configured one; a usage error says how to get one. */
export async function loadManifest(ctx: Context, path?: string): Promise<RegistryManifest> {
  const file = path ? resolve(path) : ctx.config.manifest
  if (!existsSync(file)) {
    throw new UsageError(
      `no registry manifest at ${file}`,
      'start a local chain with `civitas chain start`, deploy with `civitas chain deploy --rpc URL`, or pass --manifest',
    )
  }
  return await readManifest(file)
}

export interface Connection {
  manifest: RegistryManifest
  rpcUrl: string
  provider: JsonRpcProvider
}

/** Manifest + provider: the RPC URL from --rpc, else civitas.json, else the manifest. */
export async function connect(
  ctx: Context,
  options: { rpc?: string; manifest?: string },
): Promise<Connection> {
  const manifest = await loadManifest(ctx, options.manifest)
  const rpcUrl = options.rpc ?? ctx.config.rpc ?? manifest.network.rpcUrl
  return { manifest, rpcUrl, provider: createRegistryProvider(rpcUrl, manifest.network.chainId) }
}

/** Opens a key file, asking for its passphrase (CIVITAS_PASSPHRASE or a prompt) when encrypted. */
export async function unlockKey(
  ctx: Context,
  path: string | undefined,
  role = 'the sending key',
): Promise<UnlockedKey> {
  const file = path ?? ctx.config.issuerKey
  if (!file)
    throw new UsageError(`no key file for ${role}`, 'pass --key FILE or set "issuerKey" in civitas.json')
  return await readKeyFile(resolve(file), () => readPassphrase(file))
}

/** An ethers wallet for a secp256k1 key file: the account that sends transactions. */
export function walletOf(key: UnlockedKey, provider: JsonRpcProvider): Wallet {
  if (key.publicJwk.crv !== 'secp256k1' || typeof key.privateJwk.d !== 'string') {
    throw new UsageError(
      `the key of ${key.did} is not a secp256k1 (Ethereum) key and cannot send transactions`,
      'use a key made with `civitas did create --method ethr`',
    )
  }
  return new Wallet(`0x${Buffer.from(base64urlDecode(key.privateJwk.d)).toString('hex')}`, provider)
}

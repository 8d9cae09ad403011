// The holder's wallet as the CLI opens it: the store from --store or civitas.json, the
// passphrase from CIVITAS_WALLET_PASSPHRASE or a prompt (never an argument: arguments end up
// in shell histories and process lists), did:ethr issuers resolved on the manifest's chain.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { createResolver } from '@civitas/core'
import { ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { openWallet, type StoreSpec, type Wallet } from '@civitas/wallet'
import { loadManifest } from './chain-access.js'
import type { Context } from './context.js'
import { readPassphrase, WALLET_PASSPHRASE_ENV } from './passphrase.js'
import { UsageError } from './usage-error.js'

export interface WalletAccessOptions {
  store?: string
  manifest?: string
  rpc?: string
}

export function walletStoreOf(ctx: Context, options: WalletAccessOptions): StoreSpec & string {
  const store = options.store ?? ctx.config.stores.wallet
  if (!store || !/^(sqlite:|postgres(ql)?:\/\/|memory$)/.test(store))
    throw new UsageError(
      `no usable wallet store${store ? ` (${store.slice(0, 80)})` : ''}`,
      'pass --store sqlite:PATH or postgres://… or set stores.wallet in civitas.json',
    )
  if (store.startsWith('sqlite:')) mkdirSync(dirname(store.slice('sqlite:'.length)), { recursive: true })
  return store as StoreSpec & string
}

export async function walletPassphrase(): Promise<string> {
  return await readPassphrase('the wallet', process.env, WALLET_PASSPHRASE_ENV)
}

export async function openCliWallet(ctx: Context, options: WalletAccessOptions): Promise<Wallet> {
  const store = walletStoreOf(ctx, options)
  const passphrase = await walletPassphrase()
  // did:ethr issuers are resolved on the registries' chain when there is a manifest.
  let manifest: Awaited<ReturnType<typeof loadManifest>> | undefined
  try {
    manifest = await loadManifest(ctx, options.manifest)
  } catch (error) {
    if (options.manifest !== undefined) throw error
  }
  const rpcUrl = options.rpc ?? ctx.config.rpc
  const resolver = createResolver(
    manifest ? { ethr: { networks: [ethrNetworkFromManifest(manifest, rpcUrl ? { rpcUrl } : {})] } } : {},
  )
  return await openWallet({ store, passphrase, resolver })
}

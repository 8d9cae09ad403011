import { CivitasError, describeValue } from '@civitas/core'
import type { Store } from '@civitas/store'
import { createMemoryStore } from './memory.js'
import type { WalletStore } from './types.js'

/**
 * `'memory'`, `'sqlite:/path/wallet.db'`, `'postgres://…'`, an open @civitas/store `Store`
 * (the wallet migrates its tables there), or a {@link WalletStore}.
 */
export type StoreSpec =
  | 'memory'
  | `sqlite:${string}`
  | `postgres://${string}`
  | `postgresql://${string}`
  | Store
  | WalletStore

function isWalletStore(value: unknown): value is WalletStore {
  if (value === null || typeof value !== 'object') return false
  const store = value as Record<string, unknown>
  return [
    'getMeta',
    'setMeta',
    'put',
    'get',
    'getMany',
    'all',
    'idsWithTags',
    'delete',
    'clear',
    'transaction',
    'compact',
    'close',
  ].every((name) => typeof store[name] === 'function')
}

export async function openStore(spec: StoreSpec | undefined): Promise<WalletStore> {
  if (spec === undefined || spec === 'memory') return createMemoryStore()
  if (
    typeof spec === 'string' &&
    (spec.startsWith('sqlite:') || spec.startsWith('postgres://') || spec.startsWith('postgresql://'))
  ) {
    if (spec === 'sqlite:') throw new CivitasError('INVALID_ARGUMENT', 'store "sqlite:" needs a file path')
    // Loaded on first use: a memory wallet never loads the database drivers.
    const { openDatabaseStore } = await import('./database.js')
    return openDatabaseStore(spec)
  }
  if (isWalletStore(spec)) return spec
  const { isDatabaseStore, walletStoreOn } = await import('./database.js')
  if (isDatabaseStore(spec)) return walletStoreOn(spec)
  throw new CivitasError(
    'INVALID_ARGUMENT',
    `store must be "memory", "sqlite:<path>" or a WalletStore, got ${describeValue(spec)}`,
  )
}

// The issuer as civitas.json describes it: its key file signs credentials and (a did:ethr
// key being an Ethereum account) owns the status lists on-chain; its store holds the
// allocations and the revocation queue. Loaded only by the commands that need it.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { localSigner } from '@civitas/core'
import { createIssuer, type Issuer } from '@civitas/issuer'
import { connect, unlockKey, walletOf } from './chain-access.js'
import type { Context } from './context.js'
import type { UnlockedKey } from './keyfile.js'
import { UsageError } from './usage-error.js'

/** Where status lists are said to be served when civitas.json has no statusBaseUrl: `status serve`'s default. */
export const DEFAULT_STATUS_PORT = 7070
export const DEFAULT_STATUS_BASE_URL = `http://127.0.0.1:${DEFAULT_STATUS_PORT}/status`

export interface IssuerAccessOptions {
  key?: string
  store?: string
  manifest?: string
  rpc?: string
}

export interface OpenedIssuer {
  issuer: Issuer
  key: UnlockedKey
  baseUrl: string
}

export async function openIssuer(ctx: Context, options: IssuerAccessOptions): Promise<OpenedIssuer> {
  const key = await unlockKey(ctx, options.key, 'the issuer')
  if (!key.did.startsWith('did:ethr:')) {
    throw new UsageError(
      `the issuer key ${key.did.slice(0, 120)} is not a did:ethr`,
      'an issuer is a legal entity on-chain: create its key with `civitas did create --method ethr`',
    )
  }
  const connection = await connect(ctx, options)
  const txSigner = walletOf(key, connection.provider)
  const store = options.store ?? ctx.config.stores.issuer
  if (store?.startsWith('sqlite:')) mkdirSync(dirname(store.slice('sqlite:'.length)), { recursive: true })
  const baseUrl = ctx.config.statusBaseUrl ?? DEFAULT_STATUS_BASE_URL
  const issuer = await createIssuer({
    did: key.did,
    signer: localSigner(key.privateJwk, { kid: key.kid ?? `${key.did}#controller` }),
    chain: { manifest: connection.manifest, txSigner, rpcUrl: connection.rpcUrl },
    ...(store ? { store } : {}),
    statusLists: { baseUrl },
    // The CLI flushes when told to (`status flush`, `--flush`), never on a timer of a short-lived process.
    flushIntervalMs: 0,
  })
  return { issuer, key, baseUrl }
}

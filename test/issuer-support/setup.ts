// Shared set-up of the issuer tests: a real anvil chain with the registries, an issuer key
// behind did:jwk, and stores on SQLite files and on a real PostgreSQL server.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { didJwkFromJwk, generateKeyPair, type Jwk, localSigner, type Signer } from '@civitas/core'
import { type CreateIssuerOptions, createIssuer, type Issuer } from '@civitas/issuer'
import type { LocalChain } from '@civitas/registry-contracts/local-chain'
import { startTestPostgres, type TestPostgres } from '@civitas/store/testing'

export interface IssuerIdentity {
  did: string
  kid: string
  signer: Signer
  privateJwk: Jwk
  publicJwk: Jwk
}

export async function issuerIdentity(): Promise<IssuerIdentity> {
  const { privateJwk, publicJwk } = await generateKeyPair('ES256')
  const did = didJwkFromJwk(publicJwk)
  const kid = `${did}#0`
  return { did, kid, signer: localSigner(privateJwk, { kid }), privateJwk, publicJwk }
}

export const BASE_URL = 'https://uni.example/status'

export function issuerOptions(
  chain: LocalChain,
  identity: IssuerIdentity,
  store: string,
  account = 1,
  extra: Partial<CreateIssuerOptions> = {},
): CreateIssuerOptions {
  return {
    did: identity.did,
    signer: identity.signer,
    chain: { manifest: chain.manifest, txSigner: chain.wallets[account]! },
    store,
    statusLists: { baseUrl: BASE_URL, purposes: ['revocation', 'suspension'] },
    flushIntervalMs: 0,
    // did:jwk issuers hold no accreditation in the TrustedIssuersRegistry.
    checks: { accreditation: false },
    ...extra,
  }
}

export async function openIssuer(
  chain: LocalChain,
  identity: IssuerIdentity,
  store: string,
  account = 1,
  extra: Partial<CreateIssuerOptions> = {},
): Promise<Issuer> {
  return createIssuer(issuerOptions(chain, identity, store, account, extra))
}

/** SQLite files in a temp folder and databases on one PostgreSQL server, created on demand. */
export interface Databases {
  sqlite(): string
  postgres(): Promise<string>
  stop(): Promise<void>
}

export async function startDatabases(): Promise<Databases> {
  const [postgres, dir] = await Promise.all([startTestPostgres(), mkdtemp(join(tmpdir(), 'civitas-issuer-'))])
  return {
    sqlite: () => `sqlite:${join(dir, `${crypto.randomUUID()}.db`)}`,
    postgres: () => postgres.createDatabase(),
    async stop() {
      await Promise.all([postgres.stop(), rm(dir, { recursive: true, force: true })])
    },
  }
}

export type { TestPostgres }

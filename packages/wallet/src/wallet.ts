import {
  CivitasError,
  createResolver,
  describeValue,
  isCivitasError,
  isRecord,
  type Signer,
} from '@civitas/core'
import { type ArchiveContents, openArchive, sealArchive } from './archive.js'
import type { Resolver } from './core-adapter.js'
import {
  type AcceptOptions,
  checkCredential,
  checkCredentialRecord,
  type ListFilter,
  matchesFilter,
  newCredentialRecord,
  type StoredCredential,
  tagFacts,
} from './credentials.js'
import { zero } from './crypto/encoding.js'
import { checkKdfParams, DEFAULT_KDF, type KdfParams, passphraseBytes, sameKdfParams } from './crypto/kdf.js'
import {
  decodeWrappedMasterKey,
  deriveKeyring,
  encodeWrappedMasterKey,
  type Keyring,
  newMasterKey,
  tagOf,
  unwrapMasterKey,
  wrapMasterKey,
  zeroKeyring,
} from './crypto/keyring.js'
import { openRecord, sealRecord } from './crypto/records.js'
import {
  type CredentialQueryInfo,
  candidateFilters,
  type MatchResult,
  matchQuery,
  type ParsedQuery,
  type PresentationChoice,
  parseDcqlQuery,
} from './dcql.js'
import {
  type CreateKeyOptions,
  checkKeyRecord,
  type HolderKey,
  type KeyRecord,
  newKeyRecord,
  publicView,
  signerFor,
} from './keys.js'
import { checkLogEntry, type LogEntry } from './log.js'
import {
  logEntryFor,
  type PresentationResult,
  type PresentOptions,
  planPresentation,
  signPresentations,
} from './present.js'
import { openStore, type StoreSpec } from './store/open.js'
import { WALLET_TABLES, type WalletStore, type WalletTable } from './store/types.js'

export interface OpenWalletOptions {
  /** `'memory'` (default), `'sqlite:/path/wallet.db'`, or a {@link WalletStore}. The wallet owns it: `close()` closes it. */
  store?: StoreSpec
  passphrase: string | Uint8Array
  /**
   * KDF parameters. For a new wallet, the ones it is created with (default scrypt N=2^17).
   * For an existing wallet opened with other parameters, the master key is re-wrapped with
   * these after a successful unlock: how a wallet's KDF is upgraded.
   */
  kdf?: KdfParams
  /** DID resolver for the issuers' keys when no verifier is given. Default: core's `createResolver()`. */
  resolver?: Resolver
}

export interface ImportSummary {
  readonly keys: number
  readonly credentials: number
  readonly log: number
  /** Entries already in this wallet (same id), left as they were. */
  readonly skipped: number
}

export interface IntegrityProblem {
  readonly table: WalletTable
  readonly id: string
  readonly code: string
  readonly message: string
}

export interface Wallet {
  /** The backend kind (`memory`, `sqlite`). */
  readonly storeKind: string
  createKey(options?: CreateKeyOptions): Promise<HolderKey>
  keys(): Promise<HolderKey[]>
  /** A core `Signer` for one of the wallet's keys (kid = its verification method). */
  signer(keyId: string): Promise<Signer>
  accept(token: string, options?: AcceptOptions): Promise<StoredCredential>
  list(filter?: ListFilter): Promise<StoredCredential[]>
  get(id: string): Promise<StoredCredential>
  match(query: unknown): Promise<MatchResult>
  present(choice: PresentationChoice, options: PresentOptions): Promise<PresentationResult>
  log(): Promise<LogEntry[]>
  export(options: { passphrase: string | Uint8Array; kdf?: KdfParams }): Promise<Uint8Array>
  import(
    archive: Uint8Array,
    options: { passphrase: string | Uint8Array; maxBytes?: number },
  ): Promise<ImportSummary>
  erase(id: string): Promise<void>
  eraseAll(): Promise<void>
  changePassphrase(
    current: string | Uint8Array,
    next: string | Uint8Array,
    options?: { kdf?: KdfParams },
  ): Promise<void>
  verifyIntegrity(): Promise<{ ok: boolean; problems: IntegrityProblem[] }>
  close(): Promise<void>
}

const META = 'wallet'

/**
 * Opens (or creates) a wallet. A wrong passphrase is `PASSPHRASE_INVALID` and changes
 * nothing; an unreadable header or database is `WALLET_CORRUPTED`.
 */
export async function openWallet(options: OpenWalletOptions): Promise<Wallet> {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'openWallet options must be an object')
  const requestedKdf = options.kdf === undefined ? undefined : checkKdfParams(options.kdf)
  const passphrase = passphraseBytes(options.passphrase)
  const store = await openStore(options.store)
  let keyring: Keyring
  try {
    keyring = await unlock(store, passphrase, requestedKdf)
  } catch (error) {
    await store.close().catch(() => undefined)
    if (isCivitasError(error, 'STORE_CORRUPT')) {
      throw new CivitasError('WALLET_CORRUPTED', 'the wallet database is damaged', { cause: error })
    }
    throw error
  } finally {
    zero(passphrase)
  }
  return createWallet(store, keyring, options.resolver)
}

async function unlock(
  store: WalletStore,
  passphrase: Uint8Array,
  kdf: KdfParams | undefined,
): Promise<Keyring> {
  const header = await store.getMeta(META)
  if (header === undefined) {
    // A header lost from a file that still holds records is damage, not a new wallet: a new
    // master key would leave every record unreadable for good.
    for (const table of WALLET_TABLES) {
      if ((await store.idsWithTags(table, [])).length > 0) {
        throw new CivitasError(
          'WALLET_CORRUPTED',
          `the wallet header is missing but the ${table} table holds records`,
        )
      }
    }
    const masterKey = newMasterKey()
    await store.setMeta(
      META,
      encodeWrappedMasterKey(await wrapMasterKey(masterKey, passphrase, kdf ?? DEFAULT_KDF)),
    )
    return deriveKeyring(masterKey)
  }
  const wrapped = decodeWrappedMasterKey(header)
  const masterKey = await unwrapMasterKey(wrapped, passphrase)
  if (kdf !== undefined && !sameKdfParams(kdf, wrapped.kdf)) {
    await store.setMeta(META, encodeWrappedMasterKey(await wrapMasterKey(masterKey, passphrase, kdf)))
  }
  return deriveKeyring(masterKey)
}

/** Freezes a JSON value and everything in it (iterative: claims may nest deeply). */
function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const current = stack.pop()
    if (current === null || typeof current !== 'object' || Object.isFrozen(current)) continue
    Object.freeze(current)
    for (const child of Object.values(current)) stack.push(child)
  }
  return value
}

function assertId(id: unknown, name = 'id'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) {
    throw new CivitasError('INVALID_ARGUMENT', `${name} must be a record id, got ${describeValue(id)}`)
  }
}

function createWallet(
  store: WalletStore,
  initialKeyring: Keyring,
  resolverOption: Resolver | undefined,
): Wallet {
  let keyring: Keyring | undefined = initialKeyring
  let resolver = resolverOption
  // Decrypted credentials, filled on first read: matching 10,000 credentials must not decrypt
  // 10,000 records per request. Dropped on close, erase and eraseAll.
  const cache = new Map<string, StoredCredential>()
  let keyViews: Map<string, HolderKey> | undefined
  let queue: Promise<unknown> = Promise.resolve()

  const ring = (): Keyring => {
    if (keyring === undefined) throw new CivitasError('WALLET_LOCKED', 'the wallet is closed')
    return keyring
  }
  /** Runs writes one at a time, so a unit of work never interleaves with another. */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(() => {
      ring()
      return work()
    })
    queue = run.catch(() => undefined)
    return run
  }
  const tags = (facts: readonly [string, string][]) =>
    facts.map(([kind, value]) => tagOf(ring(), kind, value))

  async function readKeyRecord(id: string): Promise<KeyRecord> {
    const sealed = await store.get('keys', id)
    if (sealed === undefined) throw new CivitasError('KEY_NOT_FOUND', `no wallet key ${describeValue(id)}`)
    return checkKeyRecord(
      openRecord(ring(), 'keys', id, sealed),
      `keys record ${describeValue(id)}`,
      'RECORD_TAMPERED',
    )
  }

  async function loadKeys(): Promise<Map<string, HolderKey>> {
    if (keyViews) return keyViews
    const views = new Map<string, HolderKey>()
    for (const { id, data } of await store.all('keys')) {
      try {
        const record = checkKeyRecord(
          openRecord(ring(), 'keys', id, data),
          `keys record ${describeValue(id)}`,
          'RECORD_TAMPERED',
        )
        views.set(id, publicView(record))
      } catch (error) {
        if (!isCivitasError(error)) throw error
        // A tampered key record is reported by verifyIntegrity(); the other keys stay usable.
      }
    }
    keyViews = views
    return views
  }

  function decryptCredential(id: string, sealed: Uint8Array): StoredCredential {
    const credential = checkCredentialRecord(
      openRecord(ring(), 'credentials', id, sealed),
      `credentials record ${describeValue(id)}`,
      'RECORD_TAMPERED',
    )
    if (credential.id !== id)
      throw new CivitasError('RECORD_TAMPERED', `credentials record ${describeValue(id)} names another id`)
    // Frozen: list/get/match hand out the cached object itself, which a caller must not alter.
    cache.set(id, deepFreeze(credential))
    return credential
  }

  async function loadCredential(id: string): Promise<StoredCredential | undefined> {
    const cached = cache.get(id)
    if (cached) return cached
    const sealed = await store.get('credentials', id)
    return sealed === undefined ? undefined : decryptCredential(id, sealed)
  }

  /**
   * Credentials by id, in the order of `ids`, skipping the ones that fail authentication
   * (verifyIntegrity reports them). Cached ones cost a lookup; the rest one store round trip.
   */
  async function loadCredentials(ids: readonly string[]): Promise<StoredCredential[]> {
    const missing = ids.filter((id) => !cache.has(id))
    if (missing.length > 0) {
      for (const { id, data } of await store.getMany('credentials', missing)) {
        try {
          decryptCredential(id, data)
        } catch (error) {
          if (!isCivitasError(error)) throw error
        }
      }
    }
    const out: StoredCredential[] = []
    for (const id of ids) {
      const credential = cache.get(id)
      if (credential) out.push(credential)
    }
    return out
  }

  async function idsMatching(alternatives: readonly (readonly [string, string][])[]): Promise<string[]> {
    const ids = new Set<string>()
    for (const facts of alternatives)
      for (const id of await store.idsWithTags('credentials', tags(facts))) ids.add(id)
    return [...ids]
  }

  async function putCredential(target: WalletStore, credential: StoredCredential): Promise<void> {
    await target.put(
      'credentials',
      { id: credential.id, data: sealRecord(ring(), 'credentials', credential.id, credential) },
      tags([...tagFacts(credential), ['key', credential.keyId], ['token', credential.token]]),
    )
  }

  async function poolFor(parsed: ParsedQuery): Promise<Map<string, StoredCredential[]>> {
    const now = Date.now() / 1000
    const pools = new Map<string, StoredCredential[]>()
    for (const q of parsed.queries) {
      const credentials = await loadCredentials(await idsMatching(candidateFilters(q)))
      // Expired credentials cannot be presented: a verifier would refuse them.
      pools.set(
        q.id,
        credentials.filter((c) => c.expiresAt === undefined || c.expiresAt > now),
      )
    }
    return pools
  }

  async function readAll<T>(table: WalletTable, check: (value: unknown, what: string) => T): Promise<T[]> {
    const out: T[] = []
    for (const { id, data } of await store.all(table)) {
      try {
        out.push(check(openRecord(ring(), table, id, data), `${table} record ${describeValue(id)}`))
      } catch (error) {
        if (!isCivitasError(error)) throw error
      }
    }
    return out
  }

  function lock(): void {
    zeroKeyring(keyring)
    keyring = undefined
    cache.clear()
    keyViews = undefined
  }

  const wallet: Wallet = {
    storeKind: store.kind,

    createKey: (options) =>
      exclusive(async () => {
        const record = await newKeyRecord(options)
        await store.put('keys', { id: record.id, data: sealRecord(ring(), 'keys', record.id, record) })
        const view = publicView(record)
        ;(await loadKeys()).set(view.id, view)
        return view
      }),

    async keys() {
      ring()
      return [...(await loadKeys()).values()]
    },

    async signer(keyId) {
      ring()
      assertId(keyId, 'keyId')
      return signerFor(await readKeyRecord(keyId))
    },

    accept: (token, options = {}) =>
      exclusive(async () => {
        resolver ??= createResolver()
        const { read, key } = await checkCredential(token, [...(await loadKeys()).values()], {
          ...options,
          resolver,
        })
        // The same token twice is one credential: accept is idempotent.
        const [existing] = await loadCredentials(
          await store.idsWithTags('credentials', tags([['token', token]])),
        )
        if (existing?.token === token) return existing
        const credential = deepFreeze(newCredentialRecord(token, read, key))
        await putCredential(store, credential)
        cache.set(credential.id, credential)
        return credential
      }),

    async list(filter = {}) {
      ring()
      if (!isRecord(filter)) throw new CivitasError('INVALID_ARGUMENT', 'filter must be an object')
      const facts: [string, string][] = []
      for (const kind of ['type', 'issuer', 'format'] as const) {
        const value = filter[kind]
        if (value === undefined) continue
        if (typeof value !== 'string')
          throw new CivitasError('INVALID_ARGUMENT', `filter.${kind} must be a string`)
        facts.push([kind, value])
      }
      // No facts: every id (a tag query with no tags), without reading the records.
      const ids = await store.idsWithTags('credentials', tags(facts))
      // The tags are not authenticated: check the decrypted record agrees.
      return (await loadCredentials(ids)).filter((c) => matchesFilter(c, filter))
    },

    async get(id) {
      ring()
      assertId(id)
      const credential = await loadCredential(id)
      if (!credential) throw new CivitasError('CREDENTIAL_NOT_FOUND', `no credential ${describeValue(id)}`)
      return credential
    },

    async match(query) {
      ring()
      const parsed = parseDcqlQuery(query)
      const pools = await poolFor(parsed)
      return matchQuery(parsed, (q: CredentialQueryInfo) => pools.get(q.id) ?? [])
    },

    present: (choice, options) =>
      exclusive(async () => {
        const plan = await planPresentation(choice, options, loadCredential)
        const keys = await loadKeys()
        const result = await signPresentations(plan, options, async (keyId) => {
          const key = keys.get(keyId)
          if (!key) throw new CivitasError('KEY_NOT_FOUND', `wallet key ${describeValue(keyId)} is gone`)
          return { did: key.did, signer: signerFor(await readKeyRecord(key.id)) }
        })
        const entry = logEntryFor(plan, options)
        await store.put('log', { id: entry.id, data: sealRecord(ring(), 'log', entry.id, entry) })
        return { ...result, logId: entry.id }
      }),

    async log() {
      ring()
      return readAll('log', (value, what) => checkLogEntry(value, what, 'RECORD_TAMPERED'))
    },

    export: (options) =>
      exclusive(async () => {
        if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'export options must be an object')
        const params = options.kdf === undefined ? DEFAULT_KDF : checkKdfParams(options.kdf)
        const passphrase = passphraseBytes(options.passphrase, 'options.passphrase')
        try {
          const contents: ArchiveContents = {
            exportedAt: new Date().toISOString(),
            keys: await readAll('keys', (v, what) => checkKeyRecord(v, what, 'RECORD_TAMPERED')),
            credentials: await readAll('credentials', (v, what) =>
              checkCredentialRecord(v, what, 'RECORD_TAMPERED'),
            ),
            log: await readAll('log', (v, what) => checkLogEntry(v, what, 'RECORD_TAMPERED')),
          }
          return await sealArchive(contents, passphrase, params)
        } finally {
          zero(passphrase)
        }
      }),

    import: (archive, options) =>
      exclusive(async () => {
        if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'import options must be an object')
        const passphrase = passphraseBytes(options.passphrase, 'options.passphrase')
        let contents: ArchiveContents
        try {
          contents = await openArchive(archive, passphrase, options.maxBytes)
        } finally {
          zero(passphrase)
        }
        const existingKeys = await loadKeys()
        const keyIds = new Set([...existingKeys.keys(), ...contents.keys.map((k) => k.id)])
        for (const credential of contents.credentials) {
          if (!keyIds.has(credential.keyId)) {
            throw new CivitasError(
              'ARCHIVE_INVALID',
              `archive credential ${describeValue(credential.id)} is bound to a key the archive lacks`,
            )
          }
        }
        let skipped = 0
        let counts = { keys: 0, credentials: 0, log: 0 }
        await store.transaction(async (tx) => {
          // A database may run this unit of work again after a conflict: count from zero.
          skipped = 0
          counts = { keys: 0, credentials: 0, log: 0 }
          for (const key of contents.keys) {
            if (await tx.get('keys', key.id)) skipped++
            else {
              await tx.put('keys', { id: key.id, data: sealRecord(ring(), 'keys', key.id, key) })
              counts.keys++
            }
          }
          for (const credential of contents.credentials) {
            if (await tx.get('credentials', credential.id)) skipped++
            else {
              await putCredential(tx, credential)
              counts.credentials++
            }
          }
          for (const entry of contents.log) {
            if (await tx.get('log', entry.id)) skipped++
            else {
              await tx.put('log', { id: entry.id, data: sealRecord(ring(), 'log', entry.id, entry) })
              counts.log++
            }
          }
        })
        keyViews = undefined
        return { ...counts, skipped }
      }),

    erase: (id) =>
      exclusive(async () => {
        assertId(id)
        let erased = false
        await store.transaction(async (tx) => {
          if (await tx.delete('credentials', id)) {
            erased = true
            return
          }
          if (await tx.get('keys', id)) {
            const bound = await tx.idsWithTags('credentials', tags([['key', id]]))
            if (bound.length > 0) {
              throw new CivitasError(
                'KEY_IN_USE',
                `key ${describeValue(id)} holds ${bound.length} credential(s): erase them first`,
              )
            }
            erased = await tx.delete('keys', id)
            return
          }
          erased = await tx.delete('log', id)
        })
        if (!erased)
          throw new CivitasError(
            'CREDENTIAL_NOT_FOUND',
            `no credential, key or log entry ${describeValue(id)}`,
          )
        cache.delete(id)
        keyViews?.delete(id)
        await store.compact()
      }),

    eraseAll: () =>
      exclusive(async () => {
        await store.clear()
        await store.compact()
        lock()
        await store.close()
      }),

    changePassphrase: (current, next, options = {}) =>
      exclusive(async () => {
        const params = options.kdf === undefined ? undefined : checkKdfParams(options.kdf)
        const currentBytes = passphraseBytes(current, 'current passphrase')
        const nextBytes = passphraseBytes(next, 'new passphrase')
        try {
          const header = await store.getMeta(META)
          if (header === undefined) throw new CivitasError('WALLET_CORRUPTED', 'the wallet header is gone')
          const wrapped = decodeWrappedMasterKey(header)
          const masterKey = await unwrapMasterKey(wrapped, currentBytes)
          try {
            await store.setMeta(
              META,
              encodeWrappedMasterKey(await wrapMasterKey(masterKey, nextBytes, params ?? wrapped.kdf)),
            )
          } finally {
            zero(masterKey)
          }
          await store.compact()
        } finally {
          zero(currentBytes, nextBytes)
        }
      }),

    async verifyIntegrity() {
      ring()
      const problems: IntegrityProblem[] = []
      for (const table of WALLET_TABLES) {
        for (const { id, data } of await store.all(table)) {
          try {
            const value = openRecord(ring(), table, id, data)
            if (table === 'keys') checkKeyRecord(value, `keys record ${describeValue(id)}`, 'RECORD_TAMPERED')
            else if (table === 'credentials')
              checkCredentialRecord(value, `credentials record ${describeValue(id)}`, 'RECORD_TAMPERED')
            else checkLogEntry(value, `log record ${describeValue(id)}`, 'RECORD_TAMPERED')
          } catch (error) {
            if (!isCivitasError(error)) throw error
            problems.push({ table, id, code: error.code, message: error.message })
          }
        }
      }
      return { ok: problems.length === 0, problems }
    },

    async close() {
      // Idempotent: closing a closed (or erased) wallet is not an error.
      if (keyring === undefined) return
      await queue
      lock()
      await store.close()
    },
  }
  return wallet
}

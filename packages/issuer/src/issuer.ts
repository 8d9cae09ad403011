import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { CivitasError, describeValue, isRecord, type Jwk, type Signer } from '@civitas/core'
import { MIN_STATUS_LIST_LENGTH } from '@civitas/registry-contracts'
import { openStore, type Store, type StoreTarget } from '@civitas/store'
import { v7 as uuidv7 } from 'uuid'
import type { Allocation, StatusPurpose } from './allocate.js'
import { type IssueBatchOptions, type IssueBatchResult, type IssueBatchRow, runIssueBatch } from './batch.js'
import { connectIssuerChain, type IssuerChain, type IssuerChainOptions, type StatusChain } from './chain.js'
import { type AccreditationCheckOptions, createAccreditationCheck } from './checks/accreditation.js'
import { createSchemaCheck, type SchemaCheckOptions } from './checks/schema.js'
import {
  buildCredential,
  type CheckedCredential,
  checkCredential,
  type IssueInput,
  type LocatedStatus,
  signCredential,
  statusListUrl,
} from './credential.js'
import { assertIssueFormat } from './formats.js'
import { holderSubjectOf, subjectIdOf } from './holder-key.js'
import { createIssuanceCommits } from './issuance-commit.js'
import { type FlushResult, flushQueue, pendingCount, queueStatusChange, type StatusAction } from './queue.js'
import { type IssuerTables, issuerMigrations } from './schema.js'
import { createSignerRetirementCheck, type SignerRetirementOptions } from './signers/retirement.js'
import {
  checkRotateOptions,
  type EthrKeyPurpose,
  type RotateKeyOptions,
  type RotateKeyResult,
  type RotationContext,
  retireDueKeys,
  revokeEthrKey,
  rotateEthrKey,
} from './signers/rotate.js'
import {
  buildStatusList,
  createStatusListHandler,
  type SignedStatusList,
  type StatusListContext,
  type StatusListFormat,
} from './status-list.js'
import { type EraseResult, eraseSubject, exportSubject, type SubjectExport } from './subject.js'
import {
  BUILT_IN_TEMPLATES,
  type CredentialTemplate,
  findTemplate,
  renderTemplate,
  type TemplateDefinition,
  templateForType,
  templateRegistry,
} from './templates/index.js'

export interface StatusListOptions {
  /** Entries per on-chain list; at least 131,072 (herd privacy). Default 131,072. */
  size?: number
  /** Default both. SD-JWT VCs carry the revocation entry only. */
  purposes?: readonly StatusPurpose[]
  /** Where statusListHandler() is mounted: entries name `${baseUrl}/{listId}/{purpose}`. */
  baseUrl: string
  /** Seconds a verifier may cache a served list. Default 300. */
  ttlSeconds?: number
}

export interface CreateIssuerOptions {
  /** The issuer's DID (`iss` / `issuer`). */
  did: string
  /** Signs credentials and status lists; `kid` must be a DID URL of an assertionMethod key. */
  signer: Signer
  chain: IssuerChainOptions
  /** A store URL (`sqlite:/path/issuer.db`, `postgres://…`) or an open Store. Default `sqlite:./.civitas/issuer.db`. */
  store?: StoreTarget | Store
  statusLists: StatusListOptions
  /** Your own templates (`defineTemplate`), next to the built-in `diploma` and `pid`; one with a built-in's id replaces it. */
  templates?: readonly (CredentialTemplate | TemplateDefinition)[]
  /** Pending changes are flushed every this many ms (0: never on a timer). Default 60,000. */
  flushIntervalMs?: number
  /** ... and as soon as this many are pending. Default 1,000. */
  flushQueueSize?: number
  /** Called with the error of an automatic flush (the changes stay queued). */
  onFlushError?(error: unknown): void
  /**
   * Stable name of this instance (a pod name): the flush lease is held per instance, so a
   * restarted instance resumes flushing at once instead of waiting for its old lease. Default random.
   */
  instanceId?: string
  /** How long a flush lease lasts without renewal. Default 300,000 ms. */
  flushLeaseMs?: number
  /** Transaction attempts for allocations (PostgreSQL retries serialization failures). Default 50. */
  transactionAttempts?: number
  /** What `issue` checks before anything is allocated or signed. */
  checks?: IssueChecksOptions
  /**
   * How this instance learns that another instance sharing the store rotated the key it signs
   * with: it refuses to sign (SIGNER_RETIRED) once the retirement is due within `marginSeconds`
   * (default 30), reading the store at most every `refreshMs` (default 5,000).
   */
  signerRetirement?: SignerRetirementOptions
  /** @internal test seam for crash tests. */
  hooks?: { beforeSend?(): void | Promise<void>; afterReceipt?(): void | Promise<void> }
}

export interface IssueChecksOptions {
  /**
   * The issuer's own accreditation in the TrustedIssuersRegistry covers the credential's
   * types (ACCREDITATION_SCOPE_EXCEEDED / ACCREDITATION_INACTIVE otherwise). Default on, which
   * needs a did:ethr issuer on the registries' network: pass `false` for a did:key, did:jwk or
   * did:web issuer, which holds no accreditation.
   */
  accreditation?: boolean | AccreditationCheckOptions
  /**
   * The credential fits the JSON Schema registered in the SchemaRegistry for its
   * `credentialSchema` (W3C) or `vct` (SD-JWT VC), hash checked (SCHEMA_INVALID,
   * SCHEMA_UNAVAILABLE, SCHEMA_HASH_MISMATCH, as the verifier). Default on.
   */
  schema?: boolean | SchemaCheckOptions
}

export interface IssueResult {
  id: string
  token: string
  /** The status indices the credential carries. */
  status: LocatedStatus[]
  /** True when the idempotency key had been issued before: the stored credential, nothing new allocated. */
  resumed: boolean
}

export interface Issuer {
  readonly did: string
  issue(input: IssueInput): Promise<IssueResult>
  /** Issues many rows (bounded concurrency, progress); resumable after a crash by each row's key. */
  issueBatch(
    rows: Iterable<IssueBatchRow> | AsyncIterable<IssueBatchRow>,
    options?: IssueBatchOptions,
  ): Promise<IssueBatchResult>
  revoke(id: string): Promise<void>
  suspend(id: string): Promise<void>
  reinstate(id: string): Promise<void>
  /** Sends every pending status change; CHAIN_UNAVAILABLE when the chain cannot be reached (nothing is lost). */
  flush(): Promise<FlushResult>
  pending(): Promise<number>
  statusListCredential(listId: number, options?: { format?: StatusListFormat }): Promise<SignedStatusList>
  statusListHandler(): (request: Request) => Promise<Response>
  /**
   * Publishes `newSigner`'s key on the issuer's did:ethr, signs with it from now on, and retires
   * the current key after `gracePeriodSeconds` (0: revoked now). Sent from the chain's txSigner,
   * which must own the DID. Credentials signed before keep verifying (keyTime 'issuance').
   */
  rotateKey(options: RotateKeyOptions): Promise<RotateKeyResult>
  /** Revokes the old keys whose grace period is over (the flush timer also does). Returns the transaction hashes. */
  retireDueKeys(): Promise<string[]>
  /** Revokes a key of the issuer's did:ethr now (compromise, or a grace period cut short). Returns the transaction hash. */
  revokeKey(publicJwk: Jwk, purpose?: EthrKeyPurpose): Promise<string>
  /** The signer issuing uses now (changes with rotateKey). */
  readonly signer: Signer
  /**
   * GDPR Art. 15/20: everything the store holds about the holder credentials were issued to: the
   * subject DID / URI, or the holder's public JWK for credentials bound only by `holderKey`.
   */
  exportSubject(subject: string | Jwk): Promise<SubjectExport>
  /** GDPR Art. 17: keeps only what revocation needs (list, index, HMAC of the id); revoke(id) still works. */
  eraseSubject(subject: string | Jwk): Promise<EraseResult>
  close(): Promise<void>
  /** @internal */
  readonly store: Store<IssuerTables>
  /** @internal */
  readonly chainContext: IssuerChain
}

/** Internal: the batch hears when a row is signed, before its token is stored. */
interface IssueHooks {
  signed?(): void
}

const SECRET = 'id_hmac_secret'

async function loadSecret(store: Store<IssuerTables>): Promise<Buffer> {
  const fresh = randomBytes(32).toString('base64url')
  await store.db
    .insertInto('issuer_meta')
    .values({ name: SECRET, value: fresh })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await store.db
    .selectFrom('issuer_meta')
    .select('value')
    .where('name', '=', SECRET)
    .executeTakeFirstOrThrow()
  return Buffer.from(row.value, 'base64url')
}

function checkOptions(
  options: CreateIssuerOptions,
): Required<Pick<StatusListOptions, 'size' | 'purposes' | 'ttlSeconds'>> {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'createIssuer options must be an object')
  if (typeof options.did !== 'string' || !options.did.startsWith('did:')) {
    throw new CivitasError('INVALID_ARGUMENT', `did must be a DID, got ${describeValue(options.did)}`)
  }
  if (!isRecord(options.signer) || typeof options.signer.sign !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'signer must be a core Signer')
  }
  if (!isRecord(options.chain) || !isRecord(options.chain.manifest) || !isRecord(options.chain.txSigner)) {
    throw new CivitasError('INVALID_ARGUMENT', 'chain must be { manifest, txSigner, rpcUrl | provider }')
  }
  if (
    options.checks !== undefined &&
    (!isRecord(options.checks) ||
      (![undefined, true, false].includes(options.checks.accreditation as never) &&
        !isRecord(options.checks.accreditation)) ||
      (![undefined, true, false].includes(options.checks.schema as never) &&
        !isRecord(options.checks.schema)))
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'checks must be { accreditation?: boolean | options, schema?: boolean | options }',
    )
  }
  const lists = options.statusLists
  if (!isRecord(lists) || typeof lists.baseUrl !== 'string' || !/^https?:\/\/[^/]/.test(lists.baseUrl)) {
    throw new CivitasError('INVALID_ARGUMENT', 'statusLists.baseUrl must be an http(s) URL')
  }
  const size = lists.size ?? MIN_STATUS_LIST_LENGTH
  if (!Number.isSafeInteger(size) || size < MIN_STATUS_LIST_LENGTH || size % 256 !== 0 || size > 2 ** 32) {
    throw new CivitasError(
      'STATUS_LIST_TOO_SHORT',
      `statusLists.size must be a multiple of 256 from ${MIN_STATUS_LIST_LENGTH} to 2^32, got ${describeValue(size)}`,
    )
  }
  const purposes = lists.purposes ?? ['revocation', 'suspension']
  if (
    !Array.isArray(purposes) ||
    purposes.some((p) => p !== 'revocation' && p !== 'suspension') ||
    new Set(purposes).size !== purposes.length
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'statusLists.purposes must list "revocation" and/or "suspension" once each',
    )
  }
  const ttlSeconds = lists.ttlSeconds ?? 300
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new CivitasError('INVALID_ARGUMENT', 'statusLists.ttlSeconds must be a positive integer')
  }
  return { size, purposes, ttlSeconds }
}

/** Opens the issuer: its store (migrated), its chain clients, its flush timer. */
export async function createIssuer(options: CreateIssuerOptions): Promise<Issuer> {
  const { size, purposes, ttlSeconds } = checkOptions(options)
  const baseUrl = options.statusLists.baseUrl.replace(/\/+$/, '')
  const attempts = options.transactionAttempts ?? 50
  // Clients and checks first: a configuration they refuse opens no store.
  const chain = connectIssuerChain(options.chain)
  const checks = options.checks ?? {}
  const accreditationCheck =
    checks.accreditation === false
      ? undefined
      : createAccreditationCheck(
          options.did,
          chain,
          options.chain,
          checks.accreditation === true || checks.accreditation === undefined ? {} : checks.accreditation,
        )
  const schemaCheck =
    checks.schema === false
      ? undefined
      : createSchemaCheck(
          chain,
          options.chain,
          checks.schema === true || checks.schema === undefined ? {} : checks.schema,
        )
  const ownsStore =
    options.store === undefined || typeof options.store === 'string' || !('transaction' in options.store)
  const store: Store<IssuerTables> = ownsStore
    ? await openStore<IssuerTables>(
        (options.store as StoreTarget | undefined) ?? 'sqlite:./.civitas/issuer.db',
        {
          migrations: issuerMigrations,
          transactionAttempts: attempts,
          // eraseSubject must leave no bytes of an erased holder in the file.
          sqlite: { secureDelete: true },
        },
      )
    : (options.store as unknown as Store<IssuerTables>)
  if (!ownsStore) await store.migrate(issuerMigrations)
  const secret = await loadSecret(store)
  const commits = createIssuanceCommits(store, { attempts, size })
  const hashId = (id: string) => createHmac('sha256', secret).update(id).digest('base64url')
  const templates = templateRegistry(BUILT_IN_TEMPLATES, options.templates)
  const retirement = createSignerRetirementCheck(store, options.signerRetirement)
  const onChain = new Set<number>()

  // Where each list lives on-chain, resolved once per list (every status entry names it).
  const statusChains = new Map<number, StatusChain>()
  const statusChainOf = async (listId: number): Promise<StatusChain> => {
    let found = statusChains.get(listId)
    if (found === undefined) {
      found = await chain.statusChain(listId)
      statusChains.set(listId, found)
    }
    return found
  }

  async function ensureOnChain(allocation: Allocation): Promise<void> {
    if (onChain.has(allocation.listId)) return
    const row = await store.db
      .selectFrom('issuer_lists')
      .select('on_chain')
      .where('list_id', '=', allocation.listId)
      .executeTakeFirst()
    if (Number(row?.on_chain) !== 1) {
      await chain.ensureList(allocation.listId, allocation.purpose, size)
      await store.db
        .updateTable('issuer_lists')
        .set({ on_chain: 1 })
        .where('list_id', '=', allocation.listId)
        .execute()
    }
    onChain.add(allocation.listId)
  }

  const statusContext: StatusListContext = {
    store,
    chain,
    did: options.did,
    signer: options.signer,
    baseUrl,
    ttlSeconds,
    assertSigner: (signer) => retirement.assertUsable(signer),
  }

  let flushing: Promise<FlushResult> | undefined
  const flush = (): Promise<FlushResult> => {
    // One flush at a time in this process; a second caller waits for the running one and then runs its own.
    const previous = flushing ?? Promise.resolve(undefined)
    const run = previous
      .catch(() => undefined)
      .then(() =>
        flushQueue({
          store,
          chain,
          instanceId: options.instanceId ?? instanceId,
          leaseMs: options.flushLeaseMs ?? 300_000,
          ...(options.hooks ? { hooks: options.hooks } : {}),
        }),
      )
    flushing = run
    return run
  }
  const instanceId = options.instanceId ?? randomUUID()
  const autoFlush = () => {
    flush().catch((error: unknown) => options.onFlushError?.(error))
  }
  // Old keys past their grace period (rotateKey) are revoked on the flush timer; only a
  // did:ethr issuer has any.
  const autoRetire = () => {
    if (!options.did.startsWith('did:ethr:')) return
    retireDueKeys(rotationContext()).catch((error: unknown) => options.onFlushError?.(error))
  }
  const interval = options.flushIntervalMs ?? 60_000
  const timer =
    interval > 0
      ? setInterval(() => {
          autoFlush()
          autoRetire()
        }, interval)
      : undefined
  timer?.unref()
  const queueSize = options.flushQueueSize ?? 1_000

  async function changeStatus(id: string, action: StatusAction): Promise<void> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 512) {
      throw new CivitasError('INVALID_ARGUMENT', `id must be a credential id, got ${describeValue(id)}`)
    }
    await queueStatusChange(store, id, () => hashId(id), action)
    if (queueSize > 0 && (await pendingCount(store)) >= queueSize) autoFlush()
  }

  // Issuances of one idempotency key in this process run one after the other: the second
  // finds the first's stored row instead of signing the same allocation a second time.
  const issuingKeys = new Map<string, Promise<unknown>>()
  function issue(input: IssueInput, hooks?: IssueHooks): Promise<IssueResult> {
    const key = isRecord(input) ? input.idempotencyKey : undefined
    if (typeof key !== 'string') return issueOnce(input, hooks)
    const previous = issuingKeys.get(key)
    const run = previous ? previous.then(() => issueOnce(input, hooks)) : issueOnce(input, hooks)
    const settled = run.catch(() => undefined)
    issuingKeys.set(key, settled)
    void settled.then(() => {
      if (issuingKeys.get(key) === settled) issuingKeys.delete(key)
    })
    return run
  }

  async function issueOnce(input: IssueInput, hooks?: IssueHooks): Promise<IssueResult> {
    if (!isRecord(input)) throw new CivitasError('INVALID_ARGUMENT', 'issue input must be an object')
    assertIssueFormat(input.format)
    const template =
      input.template !== undefined ? findTemplate(templates, input.template) : templateForType(input.type)
    if (input.template !== undefined && input.type !== undefined && input.type !== template.type) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `type ${describeValue(input.type)} is not the type of template ${describeValue(template.id)} (${template.type})`,
      )
    }
    if (
      input.subject !== undefined &&
      (typeof input.subject !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(input.subject))
    ) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `subject must be a DID or URI, got ${describeValue(input.subject)}`,
      )
    }
    // GDPR: a credential bound only by cnf.jwk is filed under the key's RFC 9278 thumbprint
    // URI, so exportSubject / eraseSubject find it; a given subject DID stays the subject.
    const holderSubject = await holderSubjectOf(input)
    const key = input.idempotencyKey
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 256)) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        'idempotencyKey must be a non-empty string of at most 256 characters',
      )
    }
    const wanted: StatusPurpose[] =
      input.format === 'dc+sd-jwt' ? purposes.filter((p) => p === 'revocation') : [...purposes]
    // UUIDv7 (RFC 9562): time-ordered, so the store appends the row instead of placing it at random.
    // The 74 bits after the timestamp all random (no in-millisecond counter): one id tells nothing
    // about the ids issued next to it.
    const now = new Date()
    const fresh = {
      id: `urn:uuid:${uuidv7({ msecs: now.getTime(), random: randomBytes(16) })}`,
      issuedAt: now,
    }
    // Claims are checked and built before anything is allocated: bad claims cost no index.
    const render = (issuedAt: Date) =>
      renderTemplate(template, input.claims, {
        format: input.format,
        issuer: options.did,
        ...(input.subject !== undefined ? { subject: input.subject } : {}),
        issuedAt,
      })
    let rendered = render(fresh.issuedAt)
    // Never issue what a verifier will refuse: accreditation and schema, before any index is drawn.
    await accreditationCheck?.assertCovers(
      input.format === 'dc+sd-jwt' ? [rendered.vct] : ['VerifiableCredential', ...rendered.types],
    )
    // Everything core checks when it signs, and the schema, run now on the credential with
    // stand-in status entries (their shape is known; list 1, index 0 stand in for the drawn
    // ones): what would be refused costs no index. Built once for both checks.
    const stand = await Promise.all(
      wanted.map(async (purpose) => ({
        purpose,
        listId: 1,
        index: 0,
        url: statusListUrl(baseUrl, 1, purpose, input.format),
        chain: statusChains.get(1) ?? (await statusChainOf(1)),
      })),
    )
    const built = buildCredential(input, {
      did: options.did,
      id: fresh.id,
      issuedAt: fresh.issuedAt,
      rendered,
      statuses: stand,
    })
    let checked: CheckedCredential | undefined = checkCredential(built, fresh.issuedAt)
    // Only a credential naming a schema (W3C credentialSchema, SD-JWT VC vct) has one to fit.
    if (schemaCheck && (input.format === 'dc+sd-jwt' || rendered.credentialSchema !== undefined)) {
      await schemaCheck.assertFits(built)
    }
    // A key another instance retired signs nothing verifiable: refused before an index is drawn.
    await retirement.assertUsable(statusContext.signer)
    // Committed (with the other issuances queued meanwhile) before anything is signed; on disk
    // (commits.durable) before the token is returned.
    const allocated = await commits.allocate({
      credentialId: fresh.id,
      subject: input.subject ?? holderSubject ?? null,
      key: key ?? null,
      format: input.format,
      type: template.type,
      issuedAt: fresh.issuedAt.toISOString(),
      purposes: wanted,
    })

    let id = fresh.id
    let issuedAt = fresh.issuedAt
    let allocations: Allocation[]
    if ('existing' in allocated) {
      const row = allocated.existing
      id = row.credential_id
      issuedAt = new Date(row.issued_at)
      allocations = []
      if (row.revocation_list !== null)
        allocations.push({
          purpose: 'revocation',
          listId: Number(row.revocation_list),
          index: Number(row.revocation_idx),
        })
      if (row.suspension_list !== null)
        allocations.push({
          purpose: 'suspension',
          listId: Number(row.suspension_list),
          index: Number(row.suspension_idx),
        })
      if (row.token !== null)
        return {
          id,
          token: row.token,
          status: await locate(allocations, row.format as IssueInput['format']),
          resumed: true,
        }
      // Allocated before a crash, never signed: build it as of its recorded issuance.
      rendered = render(issuedAt)
      checked = undefined
    } else {
      allocations = allocated.allocations
    }
    for (const allocation of allocations) if (!onChain.has(allocation.listId)) await ensureOnChain(allocation)
    const status = await locate(allocations, input.format)
    const token = await signCredential(
      input,
      {
        did: options.did,
        signer: statusContext.signer,
        id,
        issuedAt,
        rendered,
        statuses: status,
      },
      checked,
    )
    hooks?.signed?.()
    if (key !== undefined) {
      // Stored before it is returned: a re-run of this key returns this token.
      await commits.storeToken(id, token)
    } else {
      // The allocation was committed before signing; it is on disk before the token leaves.
      await commits.durable()
    }
    return { id, token, status, resumed: 'existing' in allocated }
  }

  async function locate(
    allocations: readonly Allocation[],
    format: IssueInput['format'],
  ): Promise<LocatedStatus[]> {
    const located: LocatedStatus[] = []
    for (const a of allocations) {
      located.push({
        ...a,
        url: statusListUrl(baseUrl, a.listId, a.purpose, format),
        chain: statusChains.get(a.listId) ?? (await statusChainOf(a.listId)),
      })
    }
    return located
  }

  const rotationContext = (): RotationContext => ({
    did: options.did,
    store,
    manifest: options.chain.manifest,
    provider: chain.provider,
    registry: chain.clients.did,
    serialized: chain.serialized,
  })

  let closed = false
  return {
    did: options.did,
    store,
    chainContext: chain,
    issue: (input) => issue(input),
    issueBatch: (rows, batchOptions = {}) =>
      runIssueBatch(rows, batchOptions, async (row, signed) => {
        const { id, token, resumed } = await issue(row, { signed })
        return { id, token, resumed }
      }),
    revoke: (id) => changeStatus(id, 'revoke'),
    suspend: (id) => changeStatus(id, 'suspend'),
    reinstate: (id) => changeStatus(id, 'reinstate'),
    flush,
    pending: () => pendingCount(store),
    statusListCredential: (listId, opts = {}) =>
      buildStatusList(statusContext, listId, opts.format ?? 'vc+jwt'),
    statusListHandler: () => createStatusListHandler(statusContext),
    get signer() {
      return statusContext.signer
    },
    async rotateKey(rotate) {
      const checked = checkRotateOptions(rotate)
      const { signer, result } = await rotateEthrKey(rotationContext(), statusContext.signer, checked)
      statusContext.signer = signer
      return result
    },
    revokeKey: (publicJwk, purpose) => revokeEthrKey(rotationContext(), publicJwk, purpose),
    retireDueKeys: () => retireDueKeys(rotationContext()),
    exportSubject: async (subject) => exportSubject(store, options.did, await subjectIdOf(subject)),
    eraseSubject: async (subject) => eraseSubject(store, await subjectIdOf(subject), hashId),
    async close() {
      if (closed) return
      closed = true
      if (timer) clearInterval(timer)
      await flushing?.catch(() => undefined)
      if (ownsStore) await store.close()
    },
  }
}

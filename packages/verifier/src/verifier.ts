import {
  CivitasError,
  createResolver,
  describeValue,
  type EthrNetworkConfig,
  isCivitasError,
  type Jwk,
  kindOf,
} from '@civitas/core'
import type { Resolvable } from 'did-resolver'
import { checkKeyBinding, checkSubjectBinding } from './binding.js'
import { type ChainReader, createChainReader, type VerifierChainOptions } from './chain/reader.js'
import {
  type CredentialTokenOutcome,
  type KeyFor,
  type KeyTime,
  type ReadCredential,
  verifyCredentialToken,
  verifyPresentationToken,
} from './core-adapter.js'
import { type CustomCheck, runCustomChecks } from './custom-checks.js'
import type { VerificationEnvironment } from './environment.js'
import type { FetchLike } from './http/bounded-fetch.js'
import type { NonceStore } from './nonce-store.js'
import {
  type CheckResult,
  type CredentialVerificationResult,
  fail,
  failuresOf,
  type PresentationVerificationResult,
  type TrustInfo,
} from './result.js'
import { checkSchema, createSchemaValidators, type SchemaValidators } from './schema/check.js'
import { createChainSchemaSource, type SchemaSourceOptions } from './schema/source.js'
import { loadTrustSnapshot, snapshotEnvironment, type TrustSnapshot } from './snapshot/load.js'
import { createChainStatusSource } from './status/chain-status.js'
import { checkStatus } from './status/check.js'
import { createListSource, type ListSourceOptions } from './status/list-source.js'
import { createChainAccreditationSource } from './trust/accreditations.js'
import { checkTrust, usesX5c } from './trust/check.js'
import { addressOfTrustAnchor, type EthrNetwork } from './trust/ethr.js'
import { leafPublicJwk, parseRootCertificates, readX5c } from './trust/x509.js'

export interface TrustOptions {
  /** Root TAOs (did:ethr on the registries' network, or addresses) whose accreditation chains are trusted. */
  rootTaos?: readonly string[]
  /** Issuer DIDs trusted as they are, without an accreditation chain. */
  issuers?: readonly string[]
  /** A trust snapshot: verify with no network at all. A signed token (with `snapshotKey`) or a loaded snapshot. */
  snapshot?: string | TrustSnapshot
  /** The snapshot operator's public key, to check a snapshot token's signature. */
  snapshotKey?: Jwk
  /**
   * Root certificates (PEM) for tokens signed through an `x5c` chain by an issuer that is not
   * a DID (EUDI PID providers): the leaf key verifies the signature, the chain the trust.
   */
  x509Roots?: readonly string[]
}

export interface VerifierPolicy {
  /** Tolerance between clocks, seconds (default 60). */
  clockSkewSeconds?: number
  /**
   * The issuer key a signature is checked with: the one valid when the credential was
   * issued (default; did:ethr key rotation keeps old credentials valid) or the current one.
   */
  keyTime?: KeyTime
  /** Accept presentations without nonce and audience (legacy did-jwt-vc). Default false. */
  allowLegacyPresentations?: boolean
  /** Fail credentials without a status entry (default false: they pass as "cannot be revoked"). */
  requireStatus?: boolean
  /** Fail credentials that name no registered schema (default false). */
  requireSchema?: boolean
  /** Switch built-in checks off (default: all on). A check switched off is not reported. */
  checks?: { status?: boolean; trust?: boolean; schema?: boolean; holderBinding?: boolean }
  /** Types that say nothing about what a credential is; trust is checked for the others. */
  genericTypes?: readonly string[]
  /** Signers a credential issuer's status lists may come from besides itself (issuer DID → DIDs). */
  statusListIssuers?: Readonly<Record<string, readonly string[]>>
  /** The policy's own checks, run per credential after the built-in ones. */
  custom?: readonly CustomCheck[]
  /** Refuses a presentation nonce seen before within its lifetime. */
  nonceStore?: NonceStore
  /** How long a nonce is remembered when its presentation sets no expiry, seconds (default 86,400). */
  nonceLifetimeSeconds?: number
  /** Most credentials one presentation may enclose (default 64). */
  maxCredentials?: number
  /** A snapshot older than this (seconds) fails every result with SNAPSHOT_STALE. */
  maxSnapshotAgeSeconds?: number
}

export interface VerifierOptions {
  /** DID resolver (did-resolver `Resolvable`); default: core's, with did:ethr over `networks` or the chain's manifest. */
  resolver?: Resolvable
  /** did:ethr networks for the default resolver. */
  networks?: readonly EthrNetworkConfig[]
  /** The registries: status words, accreditations, schemas (and did:ethr when no resolver is given). */
  chain?: VerifierChainOptions
  trust?: TrustOptions
  policy?: VerifierPolicy
  /** For status lists and schemas over HTTP (and did:web); default global fetch. */
  fetch?: FetchLike
  limits?: { statusLists?: ListSourceOptions; schemas?: SchemaSourceOptions }
  /** Milliseconds clock (default Date.now): evaluation time of every check. */
  clock?: () => number
}

export interface VerifyPresentationOptions {
  /** The challenge this verifier sent. Required unless the policy allows legacy presentations. */
  nonce?: string
  /** This verifier's identifier (client id / DID / URL). Required likewise. */
  audience?: string
}

export interface Verifier {
  verifyCredential(token: string): Promise<CredentialVerificationResult>
  verifyPresentation(
    token: string,
    options?: VerifyPresentationOptions,
  ): Promise<PresentationVerificationResult>
  /** Verifies many credentials, at most `concurrency` (default 8) at a time; results in input order. */
  verifyMany(
    tokens: readonly string[],
    options?: { concurrency?: number },
  ): Promise<CredentialVerificationResult[]>
}

const DEFAULT_GENERIC_TYPES = ['VerifiableCredential', 'VerifiableAttestation']
const DEFAULT_MAX_CREDENTIALS = 64

function misuse(message: string): CivitasError {
  return new CivitasError('INVALID_ARGUMENT', message)
}

interface Settings {
  skew: number
  keyTime: KeyTime
  legacy: boolean
  requireStatus: boolean
  requireSchema: boolean
  run: { status: boolean; trust: boolean; schema: boolean; holderBinding: boolean }
  genericTypes: ReadonlySet<string>
  statusListIssuers?: Readonly<Record<string, readonly string[]>>
  custom: readonly CustomCheck[]
  nonceStore?: NonceStore
  nonceLifetimeSeconds: number
  maxCredentials: number
  maxSnapshotAgeSeconds?: number
}

function readPolicy(policy: VerifierPolicy = {}): Settings {
  if (policy === null || typeof policy !== 'object') throw misuse('policy must be an object')
  const skew = policy.clockSkewSeconds ?? 60
  if (typeof skew !== 'number' || !Number.isFinite(skew) || skew < 0) {
    throw misuse('policy.clockSkewSeconds must be a non-negative number')
  }
  const keyTime = policy.keyTime ?? 'issuance'
  if (keyTime !== 'issuance' && keyTime !== 'now') throw misuse('policy.keyTime must be "issuance" or "now"')
  const maxCredentials = policy.maxCredentials ?? DEFAULT_MAX_CREDENTIALS
  if (!Number.isSafeInteger(maxCredentials) || maxCredentials < 1) {
    throw misuse('policy.maxCredentials must be a positive integer')
  }
  const age = policy.maxSnapshotAgeSeconds
  if (age !== undefined && (typeof age !== 'number' || !Number.isFinite(age) || age < 0)) {
    throw misuse('policy.maxSnapshotAgeSeconds must be a non-negative number')
  }
  const nonceLifetimeSeconds = policy.nonceLifetimeSeconds ?? 86_400
  if (!Number.isSafeInteger(nonceLifetimeSeconds) || nonceLifetimeSeconds < 1) {
    throw misuse('policy.nonceLifetimeSeconds must be a positive integer')
  }
  const custom = policy.custom ?? []
  if (
    !Array.isArray(custom) ||
    !custom.every(
      (c) => typeof c === 'function' || (typeof c?.run === 'function' && typeof c.id === 'string'),
    )
  ) {
    throw misuse('policy.custom must be an array of functions or { id, run } checks')
  }
  if (policy.nonceStore !== undefined && typeof policy.nonceStore?.use !== 'function') {
    throw misuse('policy.nonceStore must have a use(nonce, expiresAt) method')
  }
  return {
    skew,
    keyTime,
    legacy: policy.allowLegacyPresentations === true,
    requireStatus: policy.requireStatus === true,
    requireSchema: policy.requireSchema === true,
    run: {
      status: policy.checks?.status !== false,
      trust: policy.checks?.trust !== false,
      schema: policy.checks?.schema !== false,
      holderBinding: policy.checks?.holderBinding !== false,
    },
    genericTypes: new Set(policy.genericTypes ?? DEFAULT_GENERIC_TYPES),
    ...(policy.statusListIssuers !== undefined ? { statusListIssuers: policy.statusListIssuers } : {}),
    custom,
    ...(policy.nonceStore !== undefined ? { nonceStore: policy.nonceStore } : {}),
    nonceLifetimeSeconds,
    maxCredentials,
    ...(age !== undefined ? { maxSnapshotAgeSeconds: age } : {}),
  }
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw misuse(`${name} must be an array of strings`)
  return value
}

/** The live environment: chain reader, HTTP sources, resolver. */
function onlineEnvironment(
  options: VerifierOptions,
  settings: Settings,
  clock: () => number,
): VerificationEnvironment {
  const fetchImpl = (options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined)) as
    | FetchLike
    | undefined
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw misuse('fetch must be a function')
  let reader: ChainReader | undefined
  if (options.chain !== undefined) {
    if (
      options.chain === null ||
      typeof options.chain !== 'object' ||
      typeof options.chain.manifest !== 'object'
    ) {
      throw misuse('chain must be { manifest, rpcUrl? | provider? }')
    }
    reader = createChainReader(options.chain, clock)
  }
  const network: EthrNetwork | undefined = reader
    ? { name: reader.manifest.network.name, chainId: reader.chainId }
    : undefined
  const resolver =
    options.resolver ??
    createResolver({
      ...(fetchImpl !== undefined ? { web: { fetch: fetchImpl as never } } : {}),
      ...(options.networks !== undefined
        ? { ethr: { networks: options.networks } }
        : reader
          ? {
              ethr: {
                networks: [
                  {
                    name: reader.manifest.network.name,
                    chainId: reader.chainId,
                    registry: reader.manifest.contracts.DIDRegistry.address,
                    provider: reader.provider,
                  },
                ],
              },
            }
          : {}),
    })
  if (typeof (resolver as { resolve?: unknown })?.resolve !== 'function')
    throw misuse('resolver must be a did-resolver Resolvable')
  const trust = options.trust ?? {}
  const rootTaoList = stringList(trust.rootTaos, 'trust.rootTaos')
  if (rootTaoList.length > 0 && network === undefined)
    throw misuse('trust.rootTaos needs chain: the accreditations are read there')
  const rootTaos = new Set(
    rootTaoList.map((did) => {
      const address = addressOfTrustAnchor(did, network!)
      if (address === undefined) {
        throw misuse(
          `trust.rootTaos: ${describeValue(did, 200)} is not a did:ethr on network ${network!.name} or an address`,
        )
      }
      return address
    }),
  )
  const issuers = new Set(stringList(trust.issuers, 'trust.issuers'))
  if (
    settings.run.trust &&
    rootTaos.size === 0 &&
    issuers.size === 0 &&
    (trust.x509Roots ?? []).length === 0
  ) {
    throw misuse(
      'trust needs rootTaos, issuers or a snapshot (or switch the check off: policy.checks.trust = false)',
    )
  }
  const statusChain = reader ? createChainStatusSource(reader) : undefined
  return {
    resolver,
    ...(statusChain ? { statusChain } : {}),
    ...(fetchImpl !== undefined
      ? {
          lists: createListSource(
            { fetch: fetchImpl, resolver, clock, clockSkewSeconds: settings.skew },
            options.limits?.statusLists,
          ),
        }
      : {}),
    ...(reader ? { accreditations: createChainAccreditationSource(reader) } : {}),
    ...(reader && fetchImpl !== undefined
      ? { schemas: createChainSchemaSource(reader, fetchImpl, options.limits?.schemas) }
      : {}),
    ...(network ? { network } : {}),
    rootTaos,
    issuers,
    trustInfo(): TrustInfo {
      if (reader === undefined) return { source: issuers.size > 0 ? 'allow-list' : 'none' }
      const readAt = reader.headReadAt()
      const block = reader.lastBlock()
      return {
        source: 'chain',
        ...(readAt !== undefined ? { asOf: new Date(readAt).toISOString() } : {}),
        ...(block !== undefined ? { block } : {}),
      }
    },
    environmentChecks: () => [],
  }
}

/** Creates a verifier. Throws INVALID_ARGUMENT for a bad configuration; never for a bad token. */
export function createVerifier(options: VerifierOptions = {}): Verifier {
  if (options === null || typeof options !== 'object') throw misuse('options must be an object')
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw misuse('clock must be a function')
  const settings = readPolicy(options.policy)
  const validators: SchemaValidators = createSchemaValidators()
  const x509Roots = parseRootCertificates(stringList(options.trust?.x509Roots, 'trust.x509Roots'))
  // An x5c-signed token (issuer not a DID) is verified with its leaf key; the chain is the trust check's.
  const keyFor: KeyFor | undefined =
    x509Roots.length === 0
      ? undefined
      : (header, payload) => {
          const issuer = typeof payload.iss === 'string' ? payload.iss : undefined
          return usesX5c({ header, issuer }, { x509Roots }) ? leafPublicJwk(readX5c(header.x5c)) : undefined
        }

  let environment: Promise<VerificationEnvironment | CheckResult>
  const snapshot = options.trust?.snapshot
  if (snapshot !== undefined) {
    if (options.chain !== undefined)
      throw misuse('trust.snapshot verifies offline: do not pass chain as well')
    if (
      typeof snapshot === 'string' &&
      (options.trust?.snapshotKey === null || typeof options.trust?.snapshotKey !== 'object')
    ) {
      throw misuse("trust.snapshotKey (the operator's public JWK) is needed to check a snapshot file")
    }
    environment = (
      typeof snapshot === 'string'
        ? loadTrustSnapshot(snapshot, { publicKey: options.trust?.snapshotKey as Jwk })
        : Promise.resolve(snapshot)
    ).then(
      (loaded) => snapshotEnvironment(loaded, { trust: options.trust ?? {} }, settings),
      (error: unknown) =>
        fail(
          'trust/snapshot',
          'SNAPSHOT_INVALID',
          `The trust snapshot cannot be used: ${error instanceof Error ? error.message : 'it does not verify'}.`,
        ),
    )
  } else {
    environment = Promise.resolve(onlineEnvironment(options, settings, clock))
  }
  // A snapshot that names Root TAOs of another network rejects here; each verify call then
  // rethrows it. Marked handled so that a verifier never used cannot crash the process.
  environment.catch(() => undefined)

  const nowSeconds = () => Math.floor(clock() / 1000)

  /** Status, trust, schema and custom checks of a credential whose signature verified. */
  async function checkRead(
    read: ReadCredential,
    env: VerificationEnvironment,
    now: number,
    before: readonly CheckResult[],
    presentation?: { holder?: string; format?: ReadCredential['format'] },
  ): Promise<CheckResult[]> {
    const [status, trust, schema] = await Promise.all([
      settings.run.status
        ? checkStatus(read, {
            ...(env.statusChain ? { chain: env.statusChain } : {}),
            ...(env.lists ? { lists: env.lists } : {}),
            requireStatus: settings.requireStatus,
            ...(settings.statusListIssuers ? { statusListIssuers: settings.statusListIssuers } : {}),
          })
        : undefined,
      settings.run.trust
        ? checkTrust(read, {
            rootTaos: env.rootTaos,
            issuers: env.issuers,
            ...(env.accreditations ? { accreditations: env.accreditations } : {}),
            ...(env.network ? { network: env.network } : {}),
            genericTypes: settings.genericTypes,
            x509Roots,
            now,
          })
        : undefined,
      settings.run.schema
        ? checkSchema(read, {
            ...(env.schemas ? { source: env.schemas } : {}),
            requireSchema: settings.requireSchema,
            validators,
          })
        : undefined,
    ])
    const checks = [status, trust, schema].filter((c): c is CheckResult => c !== undefined)
    if (settings.custom.length > 0) {
      checks.push(
        ...(await runCustomChecks(settings.custom, {
          format: read.format,
          ...(read.issuer !== undefined ? { issuer: read.issuer } : {}),
          ...(read.subject !== undefined ? { subject: read.subject } : {}),
          credential: read.credential,
          header: read.header,
          payload: read.payload,
          types: read.types,
          ...(read.issuedAt !== undefined ? { issuedAt: read.issuedAt } : {}),
          checks: [...before, ...checks],
          ...(presentation !== undefined ? { presentation } : {}),
          now,
        })),
      )
    }
    return checks
  }

  async function completeCredential(
    outcome: CredentialTokenOutcome,
    env: VerificationEnvironment,
    now: number,
    presentation?: { holder?: string; format?: ReadCredential['format'] },
  ): Promise<{ checks: CheckResult[]; result: Omit<CredentialVerificationResult, 'trust'> }> {
    const checks = [...outcome.checks]
    if (outcome.read !== undefined)
      checks.push(...(await checkRead(outcome.read, env, now, checks, presentation)))
    const base = {
      ...(outcome.format !== undefined ? { format: outcome.format } : {}),
      ...(outcome.issuer !== undefined ? { issuer: outcome.issuer } : {}),
      ...(outcome.subject !== undefined ? { subject: outcome.subject } : {}),
      ...(outcome.read !== undefined ? { credential: outcome.read.credential } : {}),
    }
    return { checks, result: { verified: false, ...base, checks, errors: [] } }
  }

  function finish<T extends { checks: readonly CheckResult[] }>(
    env: VerificationEnvironment,
    now: number,
    result: T,
  ): T & { verified: boolean; errors: ReturnType<typeof failuresOf>; trust: TrustInfo } {
    const checks = [...env.environmentChecks(now), ...result.checks]
    const errors = failuresOf(checks)
    return {
      ...result,
      checks,
      verified: errors.length === 0 && checks.length > 0,
      errors,
      trust: env.trustInfo(),
    }
  }

  async function verifyCredential(token: string): Promise<CredentialVerificationResult> {
    if (typeof token !== 'string') throw misuse(`token must be a string, got ${kindOf(token)}`)
    const env = await environment
    const now = nowSeconds()
    if (!('resolver' in env))
      return { verified: false, checks: [env], errors: failuresOf([env]), trust: { source: 'snapshot' } }
    const outcome = await verifyCredentialToken(token, {
      resolver: env.resolver,
      now,
      clockSkewSeconds: settings.skew,
      keyTime: settings.keyTime,
      ...(keyFor ? { keyFor } : {}),
    })
    const { result } = await completeCredential(outcome, env, now)
    return finish(env, now, result)
  }

  async function verifyPresentation(
    token: string,
    options: VerifyPresentationOptions = {},
  ): Promise<PresentationVerificationResult> {
    if (typeof token !== 'string') throw misuse(`token must be a string, got ${kindOf(token)}`)
    if (options === null || typeof options !== 'object') throw misuse('options must be an object')
    for (const name of ['nonce', 'audience'] as const) {
      const value = options[name]
      if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
        throw misuse(`${name} must be a non-empty string`)
      }
      if (value === undefined && !settings.legacy) {
        throw misuse(`${name} is required to verify a presentation (or set policy.allowLegacyPresentations)`)
      }
    }
    const env = await environment
    const now = nowSeconds()
    if (!('resolver' in env)) {
      return {
        verified: false,
        credentials: [],
        checks: [env],
        errors: failuresOf([env]),
        trust: { source: 'snapshot' },
      }
    }
    const presented = await verifyPresentationToken(token, {
      resolver: env.resolver,
      now,
      clockSkewSeconds: settings.skew,
      keyTime: settings.keyTime,
      ...(keyFor ? { keyFor } : {}),
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      requireNonceAndAudience: !settings.legacy,
      maxCredentials: settings.maxCredentials,
    })
    const checks = [...presented.checks]
    // Replay: only a presentation whose signature verified may spend a nonce.
    const nonceAt = checks.findIndex((c) => c.id === 'presentation/nonce')
    if (
      presented.signatureVerified &&
      settings.nonceStore &&
      presented.nonce &&
      checks[nonceAt]?.ok === true
    ) {
      try {
        // A presentation without exp stays acceptable: its nonce is kept for nonceLifetimeSeconds.
        const until = presented.nonce.acceptedUntil ?? now + settings.nonceLifetimeSeconds
        if (!(await settings.nonceStore.use(presented.nonce.value, Math.max(until, now + settings.skew)))) {
          checks[nonceAt] = fail(
            'presentation/nonce',
            'NONCE_REPLAYED',
            'This presentation (its nonce) was already used: a replay.',
          )
        }
      } catch (error) {
        checks[nonceAt] = fail(
          'presentation/nonce',
          isCivitasError(error) ? error.code : 'CHECK_FAILED',
          `The nonce could not be recorded, so a replay cannot be ruled out: ${error instanceof Error ? error.message : 'the store failed'}.`,
        )
      }
    }
    const context = {
      ...(presented.holder !== undefined ? { holder: presented.holder } : {}),
      ...(presented.format !== undefined ? { format: presented.format } : {}),
    }
    const credentials: CredentialVerificationResult[] = []
    const credentialChecks: CheckResult[] = []
    const outcomes: readonly CredentialTokenOutcome[] = presented.credentials
    const completed = await Promise.all(
      outcomes.map((outcome) => completeCredential(outcome, env, now, context)),
    )
    completed.forEach(({ checks: own, result }, index) => {
      const outcome = outcomes[index]!
      if (settings.run.holderBinding && outcome.read !== undefined) {
        own.splice(
          outcome.checks.length,
          0,
          presented.keyBound
            ? checkKeyBinding(outcome.read, presented.signatureVerified)
            : checkSubjectBinding(presented.holder, outcome.read),
        )
      }
      const tagged = own.map((c) => ({ ...c, credential: index }))
      credentialChecks.push(...tagged)
      const errors = failuresOf(own)
      credentials.push({
        ...result,
        checks: own,
        errors,
        verified: errors.length === 0,
        trust: env.trustInfo(),
      })
    })
    if (presented.signatureVerified && outcomes.length === 0) {
      checks.push(
        fail('presentation/data-model', 'PRESENTATION_INVALID', 'The presentation encloses no credential.'),
      )
    }
    const first = credentials[0]
    return finish(env, now, {
      ...(presented.format !== undefined ? { format: presented.format } : {}),
      ...(presented.holder !== undefined ? { holder: presented.holder } : {}),
      ...(presented.presentation !== undefined ? { presentation: presented.presentation } : {}),
      credentials,
      checks: [...checks, ...credentialChecks],
      ...(first?.issuer !== undefined ? { issuer: first.issuer } : {}),
      ...(first?.subject !== undefined ? { subject: first.subject } : {}),
      ...(first?.credential !== undefined ? { credential: first.credential } : {}),
    })
  }

  async function verifyMany(
    tokens: readonly string[],
    options: { concurrency?: number } = {},
  ): Promise<CredentialVerificationResult[]> {
    if (!Array.isArray(tokens)) throw misuse('tokens must be an array')
    const concurrency = options.concurrency ?? 8
    if (!Number.isSafeInteger(concurrency) || concurrency < 1)
      throw misuse('concurrency must be a positive integer')
    const results: CredentialVerificationResult[] = new Array(tokens.length)
    let next = 0
    const worker = async () => {
      while (next < tokens.length) {
        const i = next++
        results[i] = await verifyCredential(tokens[i]!)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, tokens.length) }, worker))
    return results
  }

  return { verifyCredential, verifyPresentation, verifyMany }
}

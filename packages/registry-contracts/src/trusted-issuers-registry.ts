import { assertArray, assertRecord, CivitasError, limitOption, optionsRecord } from '@civitas/core'
import { type ContractRunner, isHexString, id as keccakUtf8 } from 'ethers'
import { assertAddress, assertMaxItems, assertRunner, assertText, assertUri, toUint } from './arguments.js'
import { bindContract, type RegistryClientOptions, type WriteResult } from './contract.js'
import { trustedIssuersRegistryAbi } from './generated/trustedIssuersRegistry.js'
import { type GovernanceClient, governanceOf } from './governance.js'

export type AccreditationRole = 'RootTAO' | 'TAO' | 'TrustedIssuer'

const ROLE_CODES: Record<AccreditationRole, number> = { RootTAO: 1, TAO: 2, TrustedIssuer: 3 }
const ROLE_NAMES: Record<number, AccreditationRole> = { 1: 'RootTAO', 2: 'TAO', 3: 'TrustedIssuer' }

/** Open-ended validity: the largest uint64. */
export const NO_EXPIRY = 2n ** 64n - 1n

/**
 * The on-chain form of a credential type: keccak256 of its name (`VerifiableDiploma`).
 * A 32-byte hex string is taken as already hashed.
 */
export function credentialTypeHash(type: string): string {
  assertText(type, 'type', MAX_TYPE_NAME_LENGTH)
  return isHexString(type, 32) ? type : keccakUtf8(type)
}

/** Longest credential type name hashed on the client side (type names are short URIs or words). */
export const MAX_TYPE_NAME_LENGTH = 2048
/**
 * Default cap of records {@link TrustedIssuersRegistryClient.findAccreditation} scans for one
 * subject: far above a real subject's accreditations, small enough that a node reporting a
 * huge count cannot make a verifier loop.
 */
export const DEFAULT_MAX_ACCREDITATIONS = 256
const UINT64_MAX = 2n ** 64n - 1n
/** Types the client sends in one grant; the contract itself accepts at most 32. */
const MAX_GRANT_TYPES = 256

export interface AccreditationGrant {
  /** Credential type names (or their hashes). */
  types: readonly string[]
  /** Unix seconds; defaults to 0 (valid since forever). */
  validFrom?: bigint | number
  /** Unix seconds, exclusive; defaults to {@link NO_EXPIRY}. */
  validUntil?: bigint | number
  /** Hash of the accreditation document (e.g. SHA-256 or keccak256 of its bytes). */
  documentHash: string
  documentUri: string
}

export interface Accreditation {
  subject: string
  index: number
  accreditor: string
  parentIndex: number
  role: AccreditationRole
  depth: number
  validFrom: bigint
  validUntil: bigint
  /** 0n while not revoked. */
  revokedAt: bigint
  issuedAt: bigint
  documentHash: string
  documentUri: string
  /** keccak256 of each credential type name. */
  types: string[]
}

export interface TrustedIssuersRegistryClient extends GovernanceClient {
  readonly address: string
  appointRootTao(subject: string, grant: AccreditationGrant): Promise<WriteResult & { index: number }>
  accredit(
    subject: string,
    role: Exclude<AccreditationRole, 'RootTAO'>,
    parentIndex: number,
    grant: AccreditationGrant,
  ): Promise<WriteResult & { index: number }>
  revoke(subject: string, index: number): Promise<WriteResult>
  accreditationCount(subject: string): Promise<number>
  getAccreditation(subject: string, index: number): Promise<Accreditation>
  /** Leaf first, Root TAO last. */
  getChain(subject: string, index: number): Promise<Accreditation[]>
  /** Whether every hop was active at `at` (unix seconds) and held `type`; plus the chain's root. */
  isAccreditedAt(
    subject: string,
    index: number,
    type: string,
    at: bigint | number,
  ): Promise<{ accredited: boolean; rootTao: string }>
  /**
   * What a verifier asks: is `subject` accredited for `type` at `at` (default: now) through a
   * chain ending at one of `trustedRoots` (default: any Root TAO)? Returns the first such
   * record and its chain (leaf first), or undefined. Fails closed: RPC errors throw.
   */
  findAccreditation(
    subject: string,
    type: string,
    options?: { at?: bigint | number; trustedRoots?: readonly string[]; maxRecords?: number },
  ): Promise<{ index: number; chain: Accreditation[] } | undefined>
}

interface RawAccreditation {
  accreditor: string
  parentIndex: bigint
  role: bigint
  depth: bigint
  validFrom: bigint
  validUntil: bigint
  revokedAt: bigint
  issuedAt: bigint
  documentHash: string
  documentUri: string
  types: string[]
}

function fromRaw(subject: string, index: number, raw: RawAccreditation): Accreditation {
  return {
    subject,
    index,
    accreditor: raw.accreditor,
    parentIndex: Number(raw.parentIndex),
    role: ROLE_NAMES[Number(raw.role)]!,
    depth: Number(raw.depth),
    validFrom: raw.validFrom,
    validUntil: raw.validUntil,
    revokedAt: raw.revokedAt,
    issuedAt: raw.issuedAt,
    documentHash: raw.documentHash,
    documentUri: raw.documentUri,
    types: [...raw.types],
  }
}

/** The contract's isAccreditedAt rule for one hop: [validFrom, validUntil), before revokedAt, holds the type. */
function activeFor(hop: Accreditation, typeHash: string, at: bigint): boolean {
  if (at < hop.validFrom || at >= hop.validUntil) return false
  if (hop.revokedAt !== 0n && at >= hop.revokedAt) return false
  return hop.types.some((t) => t.toLowerCase() === typeHash)
}

/**
 * The grant as the contract takes it, each member checked for its type; the contract's own
 * rules (1..32 types, a window inside the parent's, a document) stay its typed reverts.
 */
function toGrantTuple(grant: AccreditationGrant): unknown[] {
  assertRecord(grant, 'grant')
  assertArray(grant.types, 'grant.types')
  // The contract takes at most 32 and says so (InvalidTypes); far more never reaches the encoder.
  assertMaxItems(grant.types, 'grant.types', MAX_GRANT_TYPES)
  const { documentHash, documentUri } = grant
  if (typeof documentHash !== 'string' || !isHexString(documentHash, 32)) {
    throw new CivitasError('INVALID_ARGUMENT', 'grant.documentHash must be 32 bytes of hex', {
      details: { argument: 'grant.documentHash' },
    })
  }
  assertUri(documentUri, 'grant.documentUri')
  return [
    grant.types.map((type, i) => {
      if (typeof type !== 'string') assertText(type, `grant.types[${i}]`, MAX_TYPE_NAME_LENGTH)
      return credentialTypeHash(type)
    }),
    toUint(grant.validFrom ?? 0, 'validFrom', UINT64_MAX),
    toUint(grant.validUntil ?? NO_EXPIRY, 'validUntil', UINT64_MAX),
    documentHash,
    documentUri,
  ]
}

export function createTrustedIssuersRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): TrustedIssuersRegistryClient {
  assertAddress(address, 'address')
  assertRunner(runner)
  const bound = bindContract('TrustedIssuersRegistry', address, trustedIssuersRegistryAbi, runner, options)
  const subjectOf = (subject: unknown): string => {
    assertAddress(subject, 'subject')
    return subject
  }

  const indexOf = (result: WriteResult): WriteResult & { index: number } => {
    const event = result.events.find((e) => e.name === 'Accredited')
    if (!event) throw new CivitasError('TRANSACTION_FAILED', 'no Accredited event in the receipt')
    return { ...result, index: Number(event.args.index) }
  }

  const client: TrustedIssuersRegistryClient = {
    address,
    ...governanceOf(bound),
    appointRootTao: async (subject, grant) =>
      indexOf(await bound.write('appointRootTao', [subjectOf(subject), toGrantTuple(grant)])),
    accredit: async (subject, role, parentIndex, grant) =>
      indexOf(
        await bound.write('accredit', [
          subjectOf(subject),
          typeof role === 'string' && Object.hasOwn(ROLE_CODES, role) ? ROLE_CODES[role] : 0,
          toUint(parentIndex, 'parentIndex'),
          toGrantTuple(grant),
        ]),
      ),
    revoke: async (subject, index) => bound.write('revoke', [subjectOf(subject), toUint(index, 'index')]),
    accreditationCount: async (subject) => {
      const count = await bound.read<bigint>('accreditationCount', [subjectOf(subject)])
      if (typeof count !== 'bigint' || count > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new CivitasError('CHAIN_UNAVAILABLE', 'the node reported an impossible accreditation count')
      }
      return Number(count)
    },
    getAccreditation: async (subject, index) => {
      const n = toUint(index, 'index')
      return fromRaw(
        subjectOf(subject),
        Number(n),
        await bound.read<RawAccreditation>('getAccreditation', [subject, n]),
      )
    },
    async getChain(subject, index) {
      const hops = await bound.read<{ subject: string; index: bigint; accreditation: RawAccreditation }[]>(
        'getChain',
        [subjectOf(subject), toUint(index, 'index')],
      )
      // Every record has a chain of 1..5 hops ending at a Root TAO: a node answering with
      // none is not to be believed (and an empty chain has no root to compare).
      if (!Array.isArray(hops) || hops.length === 0) {
        throw new CivitasError('CHAIN_UNAVAILABLE', 'the node returned an empty accreditation chain')
      }
      return hops.map((hop) => fromRaw(hop.subject, Number(hop.index), hop.accreditation))
    },
    async isAccreditedAt(subject, index, type, at) {
      const [accredited, rootTao] = await bound.read<[boolean, string]>('isAccreditedAt', [
        subjectOf(subject),
        toUint(index, 'index'),
        credentialTypeHash(type),
        toUint(at, 'at', UINT64_MAX),
      ])
      return { accredited, rootTao }
    },
    async findAccreditation(subject, type, options = {}) {
      subjectOf(subject)
      const opts = optionsRecord(options)
      const at = toUint(opts.at ?? Math.floor(Date.now() / 1000), 'options.at', UINT64_MAX)
      const typeHash = credentialTypeHash(type).toLowerCase()
      let roots: string[] | undefined
      if (opts.trustedRoots !== undefined) {
        assertArray(opts.trustedRoots, 'options.trustedRoots')
        assertMaxItems(opts.trustedRoots, 'options.trustedRoots', MAX_GRANT_TYPES)
        roots = opts.trustedRoots.map((root, i) => {
          assertAddress(root, `options.trustedRoots[${i}]`)
          return root.toLowerCase()
        })
      }
      const maxRecords = limitOption(opts.maxRecords, 'options.maxRecords', DEFAULT_MAX_ACCREDITATIONS)
      const count = await client.accreditationCount(subject)
      if (count > maxRecords) {
        throw new CivitasError(
          'INPUT_TOO_LARGE',
          `${subject} has ${count} accreditation records, more than maxRecords (${maxRecords})`,
          { details: { count, maxRecords } },
        )
      }
      for (let index = count - 1; index >= 0; index--) {
        // One eth_call per record: the chain carries every hop's window, revocation and
        // types, so the contract's isAccreditedAt rule is applied here to the same data.
        const chain = await client.getChain(subject, index)
        const root = chain[chain.length - 1]!
        if (roots && !roots.includes(root.subject.toLowerCase())) continue
        if (chain.every((hop) => activeFor(hop, typeHash, at))) return { index, chain }
      }
      return undefined
    },
  }
  return client
}

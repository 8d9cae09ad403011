import { CivitasError } from '@civitas/core'
import { type ContractRunner, isHexString, id as keccakUtf8 } from 'ethers'
import { bindContract, type RegistryClientOptions, toUint, type WriteResult } from './contract.js'
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
  return isHexString(type, 32) ? type : keccakUtf8(type)
}

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
    options?: { at?: bigint | number; trustedRoots?: readonly string[] },
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

function toGrantTuple(grant: AccreditationGrant): unknown[] {
  return [
    grant.types.map(credentialTypeHash),
    toUint(grant.validFrom ?? 0, 'validFrom'),
    toUint(grant.validUntil ?? NO_EXPIRY, 'validUntil'),
    grant.documentHash,
    grant.documentUri,
  ]
}

export function createTrustedIssuersRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): TrustedIssuersRegistryClient {
  const bound = bindContract('TrustedIssuersRegistry', address, trustedIssuersRegistryAbi, runner, options)

  const indexOf = (result: WriteResult): WriteResult & { index: number } => {
    const event = result.events.find((e) => e.name === 'Accredited')
    if (!event) throw new CivitasError('TRANSACTION_FAILED', 'no Accredited event in the receipt')
    return { ...result, index: Number(event.args.index) }
  }

  const client: TrustedIssuersRegistryClient = {
    address,
    ...governanceOf(bound),
    appointRootTao: async (subject, grant) =>
      indexOf(await bound.write('appointRootTao', [subject, toGrantTuple(grant)])),
    accredit: async (subject, role, parentIndex, grant) =>
      indexOf(
        await bound.write('accredit', [
          subject,
          Object.hasOwn(ROLE_CODES, role) ? ROLE_CODES[role] : 0,
          toUint(parentIndex, 'parentIndex'),
          toGrantTuple(grant),
        ]),
      ),
    revoke: async (subject, index) => bound.write('revoke', [subject, toUint(index, 'index')]),
    accreditationCount: async (subject) => Number(await bound.read<bigint>('accreditationCount', [subject])),
    getAccreditation: async (subject, index) =>
      fromRaw(
        subject,
        index,
        await bound.read<RawAccreditation>('getAccreditation', [subject, toUint(index, 'index')]),
      ),
    async getChain(subject, index) {
      const hops = await bound.read<{ subject: string; index: bigint; accreditation: RawAccreditation }[]>(
        'getChain',
        [subject, toUint(index, 'index')],
      )
      return hops.map((hop) => fromRaw(hop.subject, Number(hop.index), hop.accreditation))
    },
    async isAccreditedAt(subject, index, type, at) {
      const [accredited, rootTao] = await bound.read<[boolean, string]>('isAccreditedAt', [
        subject,
        toUint(index, 'index'),
        credentialTypeHash(type),
        toUint(at, 'at'),
      ])
      return { accredited, rootTao }
    },
    async findAccreditation(subject, type, options = {}) {
      const at = toUint(options.at ?? Math.floor(Date.now() / 1000), 'at')
      const typeHash = credentialTypeHash(type).toLowerCase()
      const roots = options.trustedRoots?.map((r) => r.toLowerCase())
      const count = await client.accreditationCount(subject)
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

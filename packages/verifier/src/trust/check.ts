import type { X509Certificate } from 'node:crypto'
import { CivitasError, createLruCache, describeValue, isCivitasError } from '@civitas/core'
import { type Accreditation, credentialTypeHash, NO_EXPIRY } from '@civitas/registry-contracts'
import type { ReadCredential } from '../core-adapter.js'
import { type CheckResult, fail, pass } from '../result.js'
import type { AccreditationSource } from './accreditations.js'
import { type EthrNetwork, ethrAddressOf, ethrDidOf } from './ethr.js'
import { verifyX5cChain } from './x509.js'

export interface TrustCheckContext {
  /** Root TAO addresses (checksummed) the verifier trusts. */
  rootTaos: ReadonlySet<string>
  /** Issuer DIDs trusted without an accreditation chain. */
  issuers: ReadonlySet<string>
  accreditations?: AccreditationSource
  network?: EthrNetwork
  /** Types every credential carries, which say nothing about what it is (`VerifiableCredential`). */
  genericTypes: ReadonlySet<string>
  /** Root certificates for tokens signed by an `x5c` chain (issuers that are not DIDs). */
  x509Roots?: readonly X509Certificate[]
  /** Seconds since the epoch. */
  now: number
}

/** One hop of an accreditation chain as reported in the check's data (leaf first). */
export interface TrustHop {
  did: string
  address: string
  index: number
  role: Accreditation['role']
  accreditor: string
  /** Type names where the credential names them, else the on-chain keccak256 hashes. */
  types: string[]
  validFrom: string | null
  validUntil: string | null
  revokedAt: string | null
  documentUri: string
  documentHash: string
  activeAtIssuance: boolean | null
  activeNow: boolean
  coversTypes: boolean
}

type Verdict = 'ok' | 'inactive' | 'scope' | 'untrusted'

// keccak-256 per type name and per address checksum is most of a warm trust check: memoised
// (bounded; both are pure functions of public strings).
const typeHashes = createLruCache<string>({ maxEntries: 1_024 })
function typeHashOf(type: string): string {
  let hash = typeHashes.get(type)
  if (hash === undefined) {
    hash = credentialTypeHash(type).toLowerCase()
    typeHashes.set(type, hash, Number.POSITIVE_INFINITY)
  }
  return hash
}
const issuerAddresses = createLruCache<string | null>({ maxEntries: 4_096 })
function issuerAddressOf(did: string, network: EthrNetwork): string | undefined {
  // No did:ethr is this long; a longer string must not become a cache key.
  if (did.length > 256) return undefined
  const key = `${network.name}/${network.chainId}/${did}`
  let address = issuerAddresses.get(key)
  if (address === undefined) {
    address = ethrAddressOf(did, network) ?? null
    issuerAddresses.set(key, address, Number.POSITIVE_INFINITY)
  }
  return address ?? undefined
}

interface Evaluated {
  verdict: Verdict
  hops: TrustHop[]
}

const iso = (seconds: bigint): string | null =>
  seconds === 0n || seconds >= NO_EXPIRY ? null : new Date(Number(seconds) * 1000).toISOString()

/** The registry's isAccreditedAt rule for one hop, without the type: [validFrom, validUntil), before revokedAt. */
function activeAt(hop: Accreditation, at: number): boolean {
  const t = BigInt(at)
  if (t < hop.validFrom || t >= hop.validUntil) return false
  return hop.revokedAt === 0n || t < hop.revokedAt
}

function evaluate(
  chain: readonly Accreditation[],
  typeHashes: ReadonlyMap<string, string>,
  issuedAt: number | undefined,
  context: TrustCheckContext,
  network: EthrNetwork,
): Evaluated {
  const hops = chain.map((hop): TrustHop => {
    const held = new Set(hop.types.map((t) => t.toLowerCase()))
    return {
      did: ethrDidOf(hop.subject, network),
      address: hop.subject,
      index: hop.index,
      role: hop.role,
      accreditor: hop.accreditor,
      types: hop.types.map((t) => typeHashes.get(t.toLowerCase()) ?? t),
      validFrom: iso(hop.validFrom),
      validUntil: iso(hop.validUntil),
      revokedAt: iso(hop.revokedAt),
      documentUri: hop.documentUri,
      documentHash: hop.documentHash,
      activeAtIssuance: issuedAt === undefined ? null : activeAt(hop, issuedAt),
      activeNow: activeAt(hop, context.now),
      coversTypes: [...typeHashes.keys()].every((hash) => held.has(hash)),
    }
  })
  const root = chain[chain.length - 1]
  if (root === undefined || root.role !== 'RootTAO' || !context.rootTaos.has(root.subject)) {
    return { verdict: 'untrusted', hops }
  }
  if (!hops.every((hop) => hop.coversTypes)) return { verdict: 'scope', hops }
  if (!hops.every((hop) => hop.activeNow && hop.activeAtIssuance !== false))
    return { verdict: 'inactive', hops }
  return { verdict: 'ok', hops }
}

/** "university (TrustedIssuer) ← agency (TAO) ← ministry (RootTAO)", for messages. */
function describeChain(hops: readonly TrustHop[]): string {
  return hops.map((hop) => `${hop.did} (${hop.role})`).join(' ← ')
}

function inactiveReason(hops: readonly TrustHop[]): string {
  const hop = hops.find((h) => !h.activeNow || h.activeAtIssuance === false)
  if (hop === undefined) return 'a hop is not active'
  const when = hop.activeNow ? 'when the credential was issued' : 'now'
  if (hop.revokedAt !== null && !hop.activeNow)
    return `the accreditation of ${hop.did} (${hop.role}) was revoked on ${hop.revokedAt}`
  if (hop.validUntil !== null && !hop.activeNow)
    return `the accreditation of ${hop.did} (${hop.role}) expired on ${hop.validUntil}`
  return `the accreditation of ${hop.did} (${hop.role}) was not in force ${when}`
}

/**
 * `credential/trust`: the issuer is on the allow-list, or an accreditation chain leads from
 * it to a Root TAO the verifier trusts, every hop holding the credential's types and in
 * force both when the credential was issued and now.
 */
export async function checkTrust(read: ReadCredential, context: TrustCheckContext): Promise<CheckResult> {
  const id = 'credential/trust'
  const issuer = read.issuer
  if (usesX5c(read, context)) return checkX509Trust(read, context.x509Roots!, context.now)
  if (issuer !== undefined && context.issuers.has(issuer)) {
    return pass(
      id,
      `The issuer ${describeValue(issuer, 200)} is on this verifier's list of trusted issuers.`,
      {
        source: 'allow-list',
        issuer,
      },
    )
  }
  const source = context.accreditations
  const network = context.network
  if (context.rootTaos.size === 0 || source === undefined || network === undefined) {
    return fail(
      id,
      'ISSUER_NOT_TRUSTED',
      `The issuer ${describeValue(issuer ?? 'unknown', 200)} is not on this verifier's list of trusted issuers.`,
      {
        issuer,
      },
    )
  }
  const address = issuer === undefined ? undefined : issuerAddressOf(issuer, network)
  if (address === undefined) {
    return fail(
      id,
      'ISSUER_NOT_TRUSTED',
      `The issuer ${describeValue(issuer ?? 'unknown', 200)} is not a did:ethr on network ${network.name}, so it cannot hold an accreditation there.`,
      { issuer },
    )
  }
  const types = read.types.filter((t) => !context.genericTypes.has(t))
  if (types.length === 0) {
    return fail(
      id,
      'ISSUER_NOT_TRUSTED',
      'The credential names no specific type that an accreditation could cover.',
      {
        issuer,
      },
    )
  }
  const hashes = new Map(types.map((t) => [typeHashOf(t), t]))
  let records: Awaited<ReturnType<AccreditationSource['records']>>
  try {
    records = await source.records(address)
  } catch (error) {
    const code =
      isCivitasError(error) && (error.code === 'SNAPSHOT_INVALID' || error.code === 'SNAPSHOT_STALE')
        ? error.code
        : 'TRUST_UNAVAILABLE'
    const reason = error instanceof CivitasError ? error.message : 'the registry did not answer'
    return fail(id, code, `The issuer's accreditation could not be checked: ${reason}.`, { issuer })
  }
  const issuedAt = read.issuedAt
  const evaluated = records.chains.map((chain) => evaluate(chain, hashes, issuedAt, context, network))
  const data = (best: Evaluated | undefined) => ({
    source: source.kind,
    block: records.block,
    issuer,
    types,
    ...(issuedAt !== undefined ? { issuedAt: new Date(issuedAt * 1000).toISOString() } : {}),
    checkedAt: new Date(context.now * 1000).toISOString(),
    chain: best?.hops ?? [],
  })
  const ok = evaluated.find((e) => e.verdict === 'ok')
  if (ok) {
    return pass(
      id,
      `Accredited for ${types.join(', ')} through ${describeChain(ok.hops)}${issuedAt === undefined ? ', now' : ', at issuance and now'}.`,
      data(ok),
    )
  }
  const inactive = evaluated.find((e) => e.verdict === 'inactive')
  if (inactive) {
    return fail(
      id,
      'ACCREDITATION_INACTIVE',
      `The issuer's accreditation is not in force: ${inactiveReason(inactive.hops)}.`,
      data(inactive),
    )
  }
  const scope = evaluated.find((e) => e.verdict === 'scope')
  if (scope) {
    return fail(
      id,
      'ACCREDITATION_SCOPE_EXCEEDED',
      `The issuer is accredited through ${describeChain(scope.hops)}, but not for ${types.join(', ')}.`,
      data(scope),
    )
  }
  return fail(
    id,
    'ISSUER_NOT_TRUSTED',
    `The issuer ${describeValue(issuer, 200)} is not accredited under any Root TAO this verifier trusts.`,
    { ...data(evaluated[0]), chains: evaluated.length },
  )
}

/** A token signed through an `x5c` chain: its issuer is not a DID and the verifier has X.509 roots. */
export function usesX5c(
  read: { header: Record<string, unknown>; issuer?: string | undefined },
  context: { x509Roots?: readonly X509Certificate[] },
): boolean {
  return (
    read.header.x5c !== undefined &&
    (context.x509Roots?.length ?? 0) > 0 &&
    !(typeof read.issuer === 'string' && read.issuer.startsWith('did:'))
  )
}

function checkX509Trust(read: ReadCredential, roots: readonly X509Certificate[], now: number): CheckResult {
  const id = 'credential/trust'
  try {
    const { chain, root } = verifyX5cChain(read.header.x5c, roots, { now, issuer: read.issuer })
    return pass(
      id,
      `Signed under the X.509 root ${describeValue(root.subject, 200)}, every certificate valid now.`,
      {
        source: 'x509',
        issuer: read.issuer,
        chain,
        root,
      },
    )
  } catch (error) {
    const code = isCivitasError(error) ? error.code : 'CERTIFICATE_INVALID'
    const message = error instanceof Error ? error.message : 'the certificate chain does not verify'
    return fail(id, code, `The issuer's certificate chain is not trusted: ${message}.`, {
      source: 'x509',
      issuer: read.issuer,
    })
  }
}

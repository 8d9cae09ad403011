import { CivitasError, describeValue, isCivitasError } from '@civitas/core'
import { type Accreditation, credentialTypeHash, ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { ethrAddressOf } from '@civitas/verifier/schema'
import { getAddress } from 'ethers'
import type { IssuerChain, IssuerChainOptions } from '../chain.js'

export interface AccreditationCheckOptions {
  /** How long the issuer's accreditation records are reused, ms. Default 30,000. */
  ttlMs?: number
  /** Root TAOs (addresses or did:ethr) a chain must end at; default any Root TAO. */
  trustedRoots?: readonly string[]
  /** Types no accreditation needs to name. Default `VerifiableCredential`, `VerifiableAttestation`, as the verifier. */
  genericTypes?: readonly string[]
}

/** Whether the issuer's own accreditation covers a credential's types, before anything is allocated. */
export interface AccreditationCheck {
  assertCovers(types: readonly string[]): Promise<void>
}

/** The registry caps records per (subject, accreditor) at 16: more than this is refused rather than read. */
const MAX_RECORDS = 64
const DEFAULT_GENERIC_TYPES = ['VerifiableCredential', 'VerifiableAttestation']

/** The registry's isAccreditedAt rule for one hop, without the type: [validFrom, validUntil), before revokedAt. */
function activeAt(hop: Accreditation, at: bigint): boolean {
  if (at < hop.validFrom || at >= hop.validUntil) return false
  return hop.revokedAt === 0n || at < hop.revokedAt
}

function unavailable(error: unknown): CivitasError {
  if (isCivitasError(error) && error.code === 'CHAIN_UNAVAILABLE') return error
  return new CivitasError(
    'CHAIN_UNAVAILABLE',
    "the issuer's accreditation could not be read from the TrustedIssuersRegistry",
    { cause: error },
  )
}

/**
 * The accreditation check of `issue`: the issuer (a did:ethr on the registries' network) must
 * hold a record whose whole chain, up to a Root TAO, is in force now and names every specific
 * type of the credential, as a verifier's `credential/trust` check will require. Records are
 * read once per `ttlMs`; a chain that cannot answer fails closed (CHAIN_UNAVAILABLE).
 */
export function createAccreditationCheck(
  did: string,
  chain: IssuerChain,
  chainOptions: IssuerChainOptions,
  options: AccreditationCheckOptions = {},
): AccreditationCheck {
  const network = ethrNetworkFromManifest(chainOptions.manifest)
  const address = ethrAddressOf(did, network)
  if (address === undefined) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${describeValue(did, 200)} is not a did:ethr on network ${network.name}, so it holds no accreditation in the TrustedIssuersRegistry: pass checks: { accreditation: false } to issue without the check`,
    )
  }
  const ttlMs = options.ttlMs ?? 30_000
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'checks.accreditation.ttlMs must be a non-negative integer')
  }
  const roots = options.trustedRoots?.map((root) => {
    const resolved = /^0x[0-9a-fA-F]{40}$/.test(root)
      ? getAddress(root.toLowerCase())
      : ethrAddressOf(root, network)
    if (resolved === undefined) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `trusted root ${describeValue(root, 200)} is not an address or did:ethr`,
      )
    }
    return resolved.toLowerCase()
  })
  const generic = new Set(options.genericTypes ?? DEFAULT_GENERIC_TYPES)
  const registry = chain.clients.trustedIssuers
  let cached: { records: Promise<Accreditation[][]>; expires: number } | undefined

  async function readRecords(): Promise<Accreditation[][]> {
    const count = await registry.accreditationCount(address!)
    if (count > MAX_RECORDS) {
      throw new CivitasError(
        'INPUT_TOO_LARGE',
        `${address} has ${count} accreditation records, more than the ${MAX_RECORDS} the issuer reads`,
      )
    }
    return Promise.all(Array.from({ length: count }, (_, index) => registry.getChain(address!, index)))
  }

  function records(): Promise<Accreditation[][]> {
    const now = Date.now()
    if (cached === undefined || cached.expires <= now) {
      const entry = {
        records: readRecords().catch((error: unknown) => {
          // A failed read is not remembered: the next issuance asks the chain again.
          if (cached === entry) cached = undefined
          throw isCivitasError(error) && error.code === 'INPUT_TOO_LARGE' ? error : unavailable(error)
        }),
        expires: now + ttlMs,
      }
      cached = entry
    }
    return cached.records
  }

  return {
    async assertCovers(types) {
      const specific = [...new Set(types.filter((t) => !generic.has(t)))]
      if (specific.length === 0) {
        throw new CivitasError(
          'ACCREDITATION_SCOPE_EXCEEDED',
          'the credential names no specific type that an accreditation could cover',
          { details: { issuer: did, types: [...types] } },
        )
      }
      const hashes = specific.map((t) => credentialTypeHash(t).toLowerCase())
      const at = BigInt(Math.floor(Date.now() / 1000))
      let inactive = false
      for (const hops of await records()) {
        const root = hops[hops.length - 1]
        if (root === undefined || root.role !== 'RootTAO') continue
        if (roots && !roots.includes(root.subject.toLowerCase())) continue
        const covers = hops.every((hop) => {
          const held = new Set(hop.types.map((t) => t.toLowerCase()))
          return hashes.every((h) => held.has(h))
        })
        if (!covers) continue
        if (hops.every((hop) => activeAt(hop, at))) return
        inactive = true
      }
      const details = { issuer: did, address, types: specific }
      if (inactive) {
        throw new CivitasError(
          'ACCREDITATION_INACTIVE',
          `the issuer's accreditation for ${specific.join(', ')} is not in force now (expired, revoked or not yet valid somewhere up its chain)`,
          { details },
        )
      }
      throw new CivitasError(
        'ACCREDITATION_SCOPE_EXCEEDED',
        `the issuer is not accredited for ${specific.join(', ')}: a verifier would refuse the credential`,
        { details },
      )
    },
  }
}

import type { Resolvable } from 'did-resolver'
import type { CheckResult, TrustInfo } from './result.js'
import type { SchemaSource } from './schema/source.js'
import type { ChainStatusSource } from './status/chain-status.js'
import type { ListSource } from './status/list-source.js'
import type { AccreditationSource } from './trust/accreditations.js'
import type { EthrNetwork } from './trust/ethr.js'

/**
 * Everything the checks read from outside the token: DID documents, status words, status
 * lists, accreditations and schemas. Built from live endpoints, or from a trust snapshot
 * with no network at all; the checks do not know which.
 */
export interface VerificationEnvironment {
  readonly resolver: Resolvable
  readonly statusChain?: ChainStatusSource
  readonly lists?: ListSource
  readonly accreditations?: AccreditationSource
  readonly schemas?: SchemaSource
  /** The did:ethr network of the registries (for issuer DIDs → registry addresses). */
  readonly network?: EthrNetwork
  /** Trusted Root TAO addresses (checksummed). */
  readonly rootTaos: ReadonlySet<string>
  readonly issuers: ReadonlySet<string>
  /** Where trust answers come from, as of when. */
  trustInfo(): TrustInfo
  /** Checks every result carries (e.g. `trust/snapshot`: its signature and age). */
  environmentChecks(now: number): CheckResult[]
}

/**
 * One status entry, whatever the credential format carried it in: a W3C
 * `BitstringStatusListEntry` / `StatusList2021Entry`, or an IETF `status.status_list`
 * (normalised by core, see core-adapter.ts).
 * `chain` is the Civitas extension (`statusChain`) naming the on-chain words, so a verifier
 * with an RPC endpoint reads them directly and the issuer never learns who verifies.
 */
export interface StatusEntry {
  readonly type: 'BitstringStatusListEntry' | 'StatusList2021Entry' | 'TokenStatusList'
  /** `revocation`, `suspension` (or another W3C purpose such as `message`, reported only). */
  readonly purpose: string
  readonly index: number
  /** Bits per entry (`statusSize`); 1 for revocation and suspension. */
  readonly size: number
  /** The list credential / Status List Token URL. */
  readonly uri?: string
  readonly chain?: StatusChainRef
}

export interface StatusChainRef {
  readonly chainId: number
  /** StatusRegistry address. */
  readonly registry: string
  /** The list's namespace: the issuer's transaction address. */
  readonly owner: string
  readonly listId: bigint
}

export interface ReadStatusEntries {
  readonly entries: StatusEntry[]
  /** Why an entry could not be read: the status check then fails closed. */
  readonly problems: string[]
}

/** More entries than this in one credential is not a credential, it is an attack on the verifier. */
export const MAX_STATUS_ENTRIES = 8

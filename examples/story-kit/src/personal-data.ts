import type { Jwk } from '@civitas/core'

/**
 * What a story handed to natural persons: the values that must never reach the ledger
 * (DESIGN.md §4). The stories fill it as they go; the end-to-end GDPR test scans the chain
 * for every entry, its hashes and encodings.
 */
export interface PersonalData {
  /** Holder DIDs (did:key, did:jwk). */
  dids: string[]
  /** Holder public keys. */
  publicJwks: Jwk[]
  /** Claim values about a person, as issued. */
  claimValues: unknown[]
  /** Credential ids (urn:uuid:…). */
  credentialIds: string[]
  /** Issued credentials and presentations, compact. */
  tokens: string[]
}

export function createPersonalData(): PersonalData {
  return { dids: [], publicJwks: [], claimValues: [], credentialIds: [], tokens: [] }
}

/** Records every leaf value of `claims` (strings, numbers, booleans) as personal data. */
export function recordClaims(register: PersonalData, claims: unknown): void {
  if (Array.isArray(claims)) {
    for (const item of claims) recordClaims(register, item)
  } else if (claims !== null && typeof claims === 'object') {
    for (const value of Object.values(claims)) recordClaims(register, value)
  } else if (claims !== undefined && claims !== null) {
    register.claimValues.push(claims)
  }
}

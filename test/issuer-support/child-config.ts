import type { Jwk } from '@civitas/core'

export interface ChildConfig {
  mode: 'issue' | 'flush'
  store: string
  manifest: unknown
  did: string
  kid: string
  issuerJwk: Jwk
  /** Private key of the issuer's chain account. */
  txKey: string
  baseUrl: string
  count?: number
  crashAt?: 'before-send' | 'after-send' | 'after-receipt'
  instanceId?: string
}

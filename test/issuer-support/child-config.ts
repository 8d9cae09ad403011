import type { Jwk } from '@civitas/core'

export interface ChildConfig {
  mode: 'issue' | 'flush' | 'batch'
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
  /** mode 'batch': rows in flight at once. */
  concurrency?: number
  /** mode 'batch': SIGKILL inside the n-th signature (1-based), after that row's allocation committed. */
  killAtSign?: number
}

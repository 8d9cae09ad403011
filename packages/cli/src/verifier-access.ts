// The verifier the way `civitas verify` configures it: online against the manifest's
// registries with the Root TAOs from the command line or civitas.json, or offline from a
// signed trust snapshot checked with the operator's public key.
import type { Jwk } from '@civitas/core'
import { isRecord } from '@civitas/core'
import { createVerifier, type Verifier } from '@civitas/verifier'
import { connect } from './chain-access.js'
import type { Context } from './context.js'
import { MAX_INPUT_BYTES, readJsonFile, readTextFile } from './input.js'
import { UsageError } from './usage-error.js'

export interface VerifierAccessOptions {
  rootTao?: string[]
  trustedIssuer?: string[]
  offline?: string
  snapshotKey?: string
  maxSnapshotAge?: number
  manifest?: string
  rpc?: string
}

/** Largest snapshot file `--offline` reads (the verifier's own bound is 64 MiB). */
const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024

export async function openVerifier(ctx: Context, options: VerifierAccessOptions): Promise<Verifier> {
  if (options.offline !== undefined) {
    if (options.snapshotKey === undefined)
      throw new UsageError(
        '--offline needs --snapshot-key FILE',
        "pass the snapshot operator's public key: their key file or a JWK file",
      )
    const snapshot = readTextFile(options.offline, 'trust snapshot', MAX_SNAPSHOT_BYTES)
    return createVerifier({
      trust: { snapshot, snapshotKey: readPublicJwk(options.snapshotKey, 'snapshot key') },
      ...(options.maxSnapshotAge !== undefined
        ? { policy: { maxSnapshotAgeSeconds: options.maxSnapshotAge } }
        : {}),
    })
  }
  const rootTaos = options.rootTao ?? ctx.config.trust.rootTaos
  const issuers = options.trustedIssuer ?? ctx.config.trust.issuers
  if (rootTaos.length === 0 && issuers.length === 0) {
    throw new UsageError(
      'nobody is trusted: no Root TAO and no trusted issuer',
      'pass --root-tao DID (or --trusted-issuer DID), or set "trust": { "rootTaos": [...] } in civitas.json',
    )
  }
  const { manifest, rpcUrl } = await connect(ctx, options)
  return createVerifier({ chain: { manifest, rpcUrl }, trust: { rootTaos, issuers } })
}

/** A public JWK from a JWK file or the public part of a civitas key file (no passphrase needed). */
export function readPublicJwk(path: string, what: string): Jwk {
  const value = readJsonFile(path, what, MAX_INPUT_BYTES)
  const jwk = isRecord(value) && isRecord(value.publicJwk) ? value.publicJwk : value
  if (!isRecord(jwk) || typeof jwk.kty !== 'string')
    throw new UsageError(
      `${path.slice(0, 300)} holds no JWK`,
      `pass a key file or a public JWK file as the ${what}`,
    )
  const { d: _private, ...publicJwk } = jwk
  return publicJwk as Jwk
}

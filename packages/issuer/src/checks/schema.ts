import { CivitasError, isCivitasError } from '@civitas/core'
import {
  checkSchemaRef,
  createChainReader,
  createChainSchemaSource,
  createSchemaValidators,
  type FetchLike,
  type SchemaRef,
} from '@civitas/verifier/schema'
import type { IssuerChain, IssuerChainOptions } from '../chain.js'
import type { BuiltCredential } from '../credential.js'

export interface SchemaCheckOptions {
  /** Fetches schema documents; default global fetch. */
  fetch?: FetchLike
  /** Largest schema document, bytes (default 256 KiB). */
  maxBytes?: number
  /** Whole fetch of a schema document, ms (default 5,000). */
  timeoutMs?: number
  /** Documents and compiled validators kept, keyed by hash (default 64). */
  maxEntries?: number
}

/** Validates a credential against the schemas it names, as the verifier's `credential/schema` check will. */
export interface SchemaCheck {
  assertFits(built: BuiltCredential): Promise<void>
}

/** What a verifier looks the schema up by: `credentialSchema` (W3C), the `vct` (SD-JWT VC, optional). */
function refsOf(built: BuiltCredential): SchemaRef[] {
  if (built.format === 'dc+sd-jwt') return [{ id: built.sdJwtVc.vct, type: 'vct' }]
  const value = built.credential.credentialSchema
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value]) as SchemaRef[]
}

/**
 * The verifier's own schema code (`@civitas/verifier/schema`): the SchemaRegistry read, the
 * registered hash checked against the fetched bytes, fetch size/time bounds, validators
 * compiled once per document hash; so the codes are the verifier's (SCHEMA_INVALID,
 * SCHEMA_UNAVAILABLE, SCHEMA_HASH_MISMATCH).
 */
export function createSchemaCheck(
  chain: IssuerChain,
  chainOptions: IssuerChainOptions,
  options: SchemaCheckOptions = {},
): SchemaCheck {
  const reader = createChainReader({ manifest: chainOptions.manifest, provider: chain.provider }, Date.now)
  const source = createChainSchemaSource(reader, options.fetch ?? globalThis.fetch, {
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
  })
  const validators = createSchemaValidators(options.maxEntries ?? 64)
  return {
    async assertFits(built) {
      for (const ref of refsOf(built)) {
        let outcome: Awaited<ReturnType<typeof checkSchemaRef>>
        try {
          outcome = await checkSchemaRef(ref, built.instance, { source, validators })
        } catch (error) {
          throw isCivitasError(error)
            ? error
            : new CivitasError('SCHEMA_UNAVAILABLE', 'the schema could not be checked', { cause: error })
        }
        if (outcome.ok === false) throw outcome.error
      }
    },
  }
}

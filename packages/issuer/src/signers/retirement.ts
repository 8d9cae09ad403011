import { CivitasError, describeValue, type Signer } from '@civitas/core'
import type { Store } from '@civitas/store'
import type { IssuerTables } from '../schema.js'
import {
  type EthrKeyPurpose,
  ethrKeyAttribute,
  parseRetirement,
  RETIREMENT_PREFIX,
  type RetirementEntry,
  retirementRowName,
} from './rotate.js'

/**
 * Instances sharing one store after a key rotation. `rotateKey` switches only the instance it
 * runs on; the others keep the signer they were started with, and once the old key is revoked
 * on the DID everything they sign is unverifiable. Each instance therefore reads the retirement
 * rows `rotateKey` / `revokeKey` / `retireDueKeys` keep in `issuer_meta` (cached) and refuses to
 * sign (SIGNER_RETIRED) with a key whose retirement is due at or before now + a margin. During
 * the grace period it keeps signing: the old key is still valid.
 */

export interface SignerRetirementOptions {
  /** How long the retirement rows read are trusted, in ms. Default 5,000 (0: read before every signature). */
  refreshMs?: number
  /**
   * A key is refused this many seconds before its retirement is due: the clocks of the
   * instances and of the chain differ, and a signature takes time. Default 30.
   */
  marginSeconds?: number
}

export interface SignerRetirementCheck {
  /** Throws SIGNER_RETIRED when `signer`'s key is retired, or due to be within the margin. */
  assertUsable(signer: Signer): Promise<void>
}

const PURPOSES: readonly EthrKeyPurpose[] = ['veriKey', 'sigAuth']

function checkOptions(options: unknown): Required<SignerRetirementOptions> {
  if (options === undefined) return { refreshMs: 5_000, marginSeconds: 30 }
  if (typeof options !== 'object' || options === null) {
    throw new CivitasError('INVALID_ARGUMENT', 'signerRetirement must be { refreshMs?, marginSeconds? }')
  }
  const { refreshMs = 5_000, marginSeconds = 30 } = options as SignerRetirementOptions
  for (const [name, value] of [
    ['refreshMs', refreshMs],
    ['marginSeconds', marginSeconds],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > 86_400_000) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `signerRetirement.${name} must be a non-negative integer, got ${describeValue(value)}`,
      )
    }
  }
  return { refreshMs, marginSeconds }
}

/** The retirement row names a signer's key would have (did:ethr publishes secp256k1 and Ed25519 keys only). */
function rowNamesOf(signer: Signer): readonly string[] {
  const jwk = signer.publicJwk
  if (!jwk) return []
  const names: string[] = []
  for (const purpose of PURPOSES) {
    try {
      names.push(retirementRowName(ethrKeyAttribute(jwk, purpose)))
    } catch {
      // A key no did:ethr attribute can carry cannot have been retired by one.
    }
  }
  return names
}

export function createSignerRetirementCheck(
  store: Store<IssuerTables>,
  options?: SignerRetirementOptions,
): SignerRetirementCheck {
  const { refreshMs, marginSeconds } = checkOptions(options)
  const rowNames = new WeakMap<Signer, readonly string[]>()
  const warned = new Set<string>()
  let cache: { loadedAt: number; rows: { name: string; entry: RetirementEntry }[] } | undefined
  let loading: Promise<NonNullable<typeof cache>> | undefined

  function load(): Promise<NonNullable<typeof cache>> {
    loading ??= (async () => {
      try {
        const loadedAt = Date.now()
        const rows = await store.db
          .selectFrom('issuer_meta')
          .select(['name', 'value'])
          .where('name', 'like', `${RETIREMENT_PREFIX}%`)
          .execute()
        cache = {
          loadedAt,
          rows: rows.flatMap((row) => {
            const entry = parseRetirement(row.value)
            return entry ? [{ name: row.name, entry }] : []
          }),
        }
        return cache
      } finally {
        loading = undefined
      }
    })()
    return loading
  }

  /** The retirements of `signer`'s key (by its attribute, or by the kid it signs with). */
  function retirementsOf(signer: Signer, rows: NonNullable<typeof cache>['rows']): RetirementEntry[] {
    let names = rowNames.get(signer)
    if (names === undefined) {
      names = rowNamesOf(signer)
      rowNames.set(signer, names)
    }
    return rows
      .filter(
        ({ name, entry }) =>
          names.includes(name) ||
          (entry.kid !== undefined && signer.kid !== undefined && entry.kid === signer.kid),
      )
      .map(({ entry }) => entry)
  }

  return {
    async assertUsable(signer) {
      const now = Date.now()
      // The moment a retirement makes the key unusable: its due time less the margin.
      const unusableAt = (entry: RetirementEntry) => (entry.due - marginSeconds) * 1000
      let current = cache
      if (
        current === undefined ||
        now - current.loadedAt >= refreshMs ||
        // Read before that moment, and the moment has come: read again before refusing.
        retirementsOf(signer, current.rows).some(
          (e) => current!.loadedAt < unusableAt(e) && unusableAt(e) <= now,
        )
      ) {
        current = await load()
      }
      const retirements = retirementsOf(signer, current.rows)
      if (retirements.length === 0) return
      const first = retirements.reduce((a, b) => (a.due <= b.due ? a : b))
      if (unusableAt(first) <= now) {
        throw new CivitasError(
          'SIGNER_RETIRED',
          `this issuer instance signs with a key retired from its DID at ${new Date(first.due * 1000).toISOString()} ` +
            '(rotateKey ran on an instance sharing the store): restart it with the new key',
          { details: { kid: signer.kid ?? first.kid, due: first.due } },
        )
      }
      // Grace period: the key is still valid. Say so once, naming only the key and the time.
      const notice = `${first.name}:${first.value}:${first.due}`
      if (!warned.has(notice)) {
        warned.add(notice)
        process.emitWarning(
          `the issuer signing key ${signer.kid ?? '(no kid)'} is retired at ${new Date(first.due * 1000).toISOString()}: ` +
            'restart this instance with the new key before then',
          { code: 'CIVITAS_SIGNER_RETIRING' },
        )
      }
    },
  }
}

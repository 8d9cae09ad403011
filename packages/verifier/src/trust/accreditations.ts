import { CivitasError, createLruCache } from '@civitas/core'
import type { Accreditation } from '@civitas/registry-contracts'
import type { ChainReader } from '../chain/reader.js'

/** Every accreditation record of a subject, each with its chain up to its Root TAO (leaf first). */
export interface AccreditationRecords {
  readonly block: number
  readonly chains: readonly (readonly Accreditation[])[]
}

/** Where accreditations come from: the live TrustedIssuersRegistry or a trust snapshot. */
export interface AccreditationSource {
  readonly kind: 'chain' | 'snapshot'
  records(subject: string): Promise<AccreditationRecords>
}

/**
 * More records than this for one subject is refused rather than read: the registry caps
 * records per (subject, accreditor) at 16, so this is already several accreditors' worth.
 */
export const MAX_RECORDS_READ = 64

/** Reads a subject's records at the reader's confirmed block; cached per (subject, block). */
export function createChainAccreditationSource(
  reader: ChainReader,
  options: { maxSubjects?: number } = {},
): AccreditationSource {
  const cache = createLruCache<Promise<AccreditationRecords>>({ maxEntries: options.maxSubjects ?? 1_024 })
  return {
    kind: 'chain',
    async records(subject) {
      const readers = await reader.at()
      const key = `${subject.toLowerCase()}@${readers.block}`
      let records = cache.get(key)
      if (records === undefined) {
        records = (async () => {
          const count = await readers.trustedIssuers.accreditationCount(subject)
          if (count > MAX_RECORDS_READ) {
            throw new CivitasError(
              'INPUT_TOO_LARGE',
              `${subject} has ${count} accreditation records, more than the ${MAX_RECORDS_READ} a verifier reads`,
            )
          }
          const chains = await Promise.all(
            Array.from({ length: count }, (_, index) => readers.trustedIssuers.getChain(subject, index)),
          )
          return { block: readers.block, chains }
        })()
        cache.set(key, records, Number.POSITIVE_INFINITY)
        records.catch(() => cache.delete(key))
      }
      return records
    },
  }
}

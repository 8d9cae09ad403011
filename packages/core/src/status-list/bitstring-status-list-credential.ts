import { VCDM_2_0_CONTEXT } from '../credentials/data-model.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertInteger, assertRecord, assertString } from '../guards/index.js'
import { encodeBitstringStatusList } from './bitstring-status-list.js'

export interface BitstringStatusListCredentialInput {
  /** The credential's URL: what entries carry as `statusListCredential`. */
  id: string
  issuer: string
  statusPurpose: 'revocation' | 'suspension' | 'refresh' | 'message'
  statuses: ArrayLike<number>
  statusSize?: number
  validFrom?: string
  validUntil?: string
  /** Seconds a verifier may cache the list. */
  ttl?: number
}

const PURPOSES: ReadonlySet<string> = new Set(['revocation', 'suspension', 'refresh', 'message'])

/**
 * Builds an unsigned W3C BitstringStatusListCredential (VCDM 2.0); sign it with
 * `issueJwtVc(credential, { format: 'vc+jwt', ... })`.
 */
export function createBitstringStatusListCredential(
  input: BitstringStatusListCredentialInput,
): Record<string, unknown> {
  assertRecord(input, 'input')
  assertString(input.id, 'input.id', { nonEmpty: true })
  assertString(input.issuer, 'input.issuer', { nonEmpty: true })
  if (typeof input.statusPurpose !== 'string' || !PURPOSES.has(input.statusPurpose)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `input.statusPurpose must be one of ${[...PURPOSES].join(', ')}, got ${describeValue(input.statusPurpose)}`,
      { details: { argument: 'input.statusPurpose' } },
    )
  }
  for (const name of ['validFrom', 'validUntil'] as const) {
    if (input[name] !== undefined) assertString(input[name], `input.${name}`)
  }
  if (input.ttl !== undefined) assertInteger(input.ttl, 'input.ttl', { min: 0 })
  return {
    '@context': [VCDM_2_0_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer,
    ...(input.validFrom !== undefined ? { validFrom: input.validFrom } : {}),
    ...(input.validUntil !== undefined ? { validUntil: input.validUntil } : {}),
    credentialSubject: {
      id: `${input.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.statusPurpose,
      encodedList: encodeBitstringStatusList(
        input.statuses,
        input.statusSize !== undefined ? { statusSize: input.statusSize } : {},
      ),
      ...(input.ttl !== undefined ? { ttl: input.ttl } : {}),
    },
  }
}

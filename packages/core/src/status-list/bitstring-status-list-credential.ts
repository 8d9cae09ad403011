import { VCDM_2_0_CONTEXT } from '../credentials/data-model.js'
import { CivitasError } from '../errors/index.js'
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

/**
 * Builds an unsigned W3C BitstringStatusListCredential (VCDM 2.0); sign it with
 * `issueJwtVc(credential, { format: 'vc+jwt', ... })`.
 */
export function createBitstringStatusListCredential(
  input: BitstringStatusListCredentialInput,
): Record<string, unknown> {
  if (typeof input?.id !== 'string' || typeof input.issuer !== 'string') {
    throw new CivitasError('INVALID_ARGUMENT', 'id and issuer must be strings')
  }
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

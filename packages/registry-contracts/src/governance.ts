import { CivitasError, isRecord } from '@civitas/core'
import { assertAddress } from './arguments.js'
import type { BoundContract, WriteResult } from './contract.js'

/** Two-step ownership shared by the TrustedIssuersRegistry and the SchemaRegistry. */
export interface GovernanceClient {
  owner(): Promise<string>
  pendingOwner(): Promise<string>
  /** Step one: names the next owner, who must accept. */
  transferOwnership(newOwner: string): Promise<WriteResult>
  /** Step two, sent by the pending owner. */
  acceptOwnership(): Promise<WriteResult>
}

export function governanceOf(bound: BoundContract): GovernanceClient {
  if (!isRecord(bound) || typeof bound.read !== 'function' || typeof bound.write !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'bound must be a contract from bindContract', {
      details: { argument: 'bound' },
    })
  }
  return {
    owner: async () => bound.read<string>('owner', []),
    pendingOwner: async () => bound.read<string>('pendingOwner', []),
    transferOwnership: async (newOwner) => {
      assertAddress(newOwner, 'newOwner')
      return bound.write('transferOwnership', [newOwner])
    },
    acceptOwnership: async () => bound.write('acceptOwnership', []),
  }
}

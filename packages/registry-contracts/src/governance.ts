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
  return {
    owner: () => bound.read<string>('owner', []),
    pendingOwner: () => bound.read<string>('pendingOwner', []),
    transferOwnership: (newOwner) => bound.write('transferOwnership', [newOwner]),
    acceptOwnership: () => bound.write('acceptOwnership', []),
  }
}

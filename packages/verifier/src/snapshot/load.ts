import { CivitasError, type Jwk } from '@civitas/core'
import type { VerificationEnvironment } from '../environment.js'

export interface TrustSnapshot {
  readonly version: 1
}

export async function loadTrustSnapshot(
  _token: string,
  _options: { publicKey: Jwk },
): Promise<TrustSnapshot> {
  throw new CivitasError('SNAPSHOT_INVALID', 'not implemented')
}

export function snapshotEnvironment(
  _snapshot: TrustSnapshot,
  _options: unknown,
  _settings: unknown,
  _clock: () => number,
): VerificationEnvironment {
  throw new CivitasError('SNAPSHOT_INVALID', 'not implemented')
}

import { type CivitasErrorCode, isCivitasError } from '@civitas/core'
import { expect } from 'vitest'
import { type LocalChain, startLocalChain } from '../local-chain.js'

// The chain helpers live with the local chain (@civitas/registry-contracts/local-chain);
// re-exported here so the package's own tests keep one import.
export {
  increaseTime,
  latestTimestamp,
  revert,
  setNextBlockTimestamp,
  snapshot,
} from '../local-chain.js'

/** One anvil per test file; snapshots let tests start from the freshly deployed state. */
export async function startTestChain(): Promise<LocalChain> {
  return await startLocalChain({ accounts: 8 })
}

/** Asserts `promise` rejects with a CivitasError of `code` raised for Solidity error `name`. */
export async function expectRevert(
  promise: Promise<unknown>,
  code: CivitasErrorCode,
  name: string,
): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(isCivitasError(caught), `expected a CivitasError, got ${String(caught)}`).toBe(true)
  if (!isCivitasError(caught)) return
  expect({ code: caught.code, error: caught.details?.error }).toEqual({ code, error: name })
  expect(caught.cause).toBeDefined()
}

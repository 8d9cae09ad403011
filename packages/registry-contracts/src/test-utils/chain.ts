import { type CivitasErrorCode, isCivitasError } from '@civitas/core'
import { expect } from 'vitest'
import { type LocalChain, startLocalChain } from '../local-chain.js'

/** One anvil per test file; snapshots let tests start from the freshly deployed state. */
export async function startTestChain(): Promise<LocalChain> {
  return await startLocalChain({ accounts: 8 })
}

export async function snapshot(chain: LocalChain): Promise<string> {
  return (await chain.provider.send('evm_snapshot', [])) as string
}

export async function revert(chain: LocalChain, id: string): Promise<void> {
  await chain.provider.send('evm_revert', [id])
}

/** Moves chain time forward and mines a block so views see the new timestamp. */
export async function increaseTime(chain: LocalChain, seconds: number): Promise<void> {
  await chain.provider.send('evm_increaseTime', [seconds])
  await chain.provider.send('evm_mine', [])
}

/** The next mined block gets exactly `timestamp`: for tests at a boundary second. */
export async function setNextBlockTimestamp(chain: LocalChain, timestamp: number): Promise<void> {
  await chain.provider.send('evm_setNextBlockTimestamp', [timestamp])
}

export async function latestTimestamp(chain: LocalChain): Promise<number> {
  const block = await chain.provider.getBlock('latest')
  return block!.timestamp
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

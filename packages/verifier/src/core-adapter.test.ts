import type { ListStatusEntry, StatusEntry, VerificationError } from '@civitas/core'
import { describe, expect, it } from 'vitest'
import { statusEntriesOf } from './core-adapter.js'

// Core normalises status entries (BRIEF-STATUS-SHAPE, statusChain included); the status
// check reads them in its own shape and fails closed on what it cannot read.
const chain = {
  chainId: 31337,
  registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  owner: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  listId: '1',
}
const bitstring = (index: number, extra: Partial<ListStatusEntry> = {}): StatusEntry => ({
  kind: 'bitstring-status-list',
  purpose: 'revocation',
  listUrl: 'https://uni.example/status/1/revocation',
  index,
  statusSize: 1,
  chain,
  ...extra,
})

describe('status entries from core', () => {
  it('W3C and IETF entries with their on-chain location', () => {
    const read = statusEntriesOf(
      [
        bitstring(40_312),
        { kind: 'token-status-list', listUrl: 'https://uni.example/status/3/token', index: 7, chain },
      ],
      [],
    )
    expect(read.problems).toEqual([])
    expect(read.entries).toEqual([
      {
        type: 'BitstringStatusListEntry',
        purpose: 'revocation',
        index: 40_312,
        size: 1,
        uri: 'https://uni.example/status/1/revocation',
        chain: { ...chain, listId: 1n },
      },
      {
        type: 'TokenStatusList',
        purpose: 'revocation',
        index: 7,
        size: 1,
        uri: 'https://uni.example/status/3/token',
        chain: { ...chain, listId: 1n },
      },
    ])
  })

  it('an unsupported entry, a list id beyond the registry’s uint64, a malformed entry: problems, never entries', () => {
    const malformed: VerificationError = {
      code: 'CREDENTIAL_INVALID',
      message: 'bad index',
      check: 'status-entry',
    }
    const read = statusEntriesOf(
      [
        { kind: 'unsupported', type: ['RevocationList2020Status'] },
        bitstring(1, { chain: { ...chain, listId: (2n ** 64n).toString() } }),
      ],
      [malformed, { code: 'CREDENTIAL_EXPIRED', message: 'expired', check: 'time' }],
    )
    expect(read.entries).toEqual([])
    expect(read.problems).toHaveLength(3)
    expect(read.problems[0]).toBe('bad index')
  })

  it('more than 8 entries is refused whole', () => {
    const read = statusEntriesOf(
      Array.from({ length: 9 }, (_, i) => bitstring(i)),
      [],
    )
    expect(read.entries).toEqual([])
    expect(read.problems[0]).toMatch(/limit is 8/)
  })
})

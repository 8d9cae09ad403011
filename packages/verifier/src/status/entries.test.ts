import { describe, expect, it } from 'vitest'
import { readTokenStatusEntries, readW3cStatusEntries } from './entries.js'

// The status entry shape of BRIEF-STATUS-SHAPE: a W3C BitstringStatusListEntry per purpose,
// or an IETF status_list, each naming the list URL and the on-chain list (statusChain).
const chain = {
  chainId: 31337,
  registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  owner: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  listId: '1',
}
const entry = (purpose: string, index: string, extra: Record<string, unknown> = {}) => ({
  id: `https://uni.example/status/1/${purpose}#${index}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: purpose,
  statusListIndex: index,
  statusListCredential: `https://uni.example/status/1/${purpose}`,
  statusChain: chain,
  ...extra,
})

describe('status entries (BRIEF-STATUS-SHAPE)', () => {
  it('W3C entries, one per purpose, with statusChain', () => {
    const read = readW3cStatusEntries({
      credentialStatus: [entry('revocation', '40312'), entry('suspension', '7')],
    })
    expect(read.problems).toEqual([])
    expect(read.entries).toEqual([
      {
        type: 'BitstringStatusListEntry',
        purpose: 'revocation',
        index: 40312,
        size: 1,
        uri: 'https://uni.example/status/1/revocation',
        chain: { ...chain, listId: 1n },
      },
      expect.objectContaining({ purpose: 'suspension', index: 7 }),
    ])
  })

  it('a single object (VCDM 1.1 / EBSI) is one entry', () => {
    expect(readW3cStatusEntries({ credentialStatus: entry('revocation', '0') }).entries).toHaveLength(1)
  })

  it('IETF status.status_list with statusChain', () => {
    const read = readTokenStatusEntries({
      status: { status_list: { idx: 40312, uri: 'https://uni.example/t/3', statusChain: chain } },
    })
    expect(read.entries).toEqual([
      {
        type: 'TokenStatusList',
        purpose: 'revocation',
        index: 40312,
        size: 1,
        uri: 'https://uni.example/t/3',
        chain: { ...chain, listId: 1n },
      },
    ])
  })

  it.each([
    ['an index with a leading zero', entry('revocation', '01')],
    ['an index beyond 2^53', entry('revocation', '9007199254740993')],
    [
      'a listId beyond uint64',
      entry('revocation', '1', { statusChain: { ...chain, listId: '18446744073709551616' } }),
    ],
    [
      'a registry that is not an address',
      entry('revocation', '1', { statusChain: { ...chain, registry: 'uni.example' } }),
    ],
    ['a chain id of 0', entry('revocation', '1', { statusChain: { ...chain, chainId: 0 } })],
    ['a statusSize of 9', entry('revocation', '1', { statusSize: 9 })],
    ['an unknown entry type', { ...entry('revocation', '1'), type: 'RevocationList2020Status' }],
  ])('%s is a problem, never an entry', (_what, bad) => {
    const read = readW3cStatusEntries({ credentialStatus: [bad] })
    expect(read.entries).toEqual([])
    expect(read.problems).toHaveLength(1)
  })

  it('more than 8 entries is refused before any is read', () => {
    const read = readW3cStatusEntries({
      credentialStatus: Array.from({ length: 9 }, (_, i) => entry('revocation', String(i))),
    })
    expect(read.entries).toEqual([])
    expect(read.problems[0]).toMatch(/limit is 8/)
  })

  it('statusChain inherited from Object.prototype is not read', () => {
    const polluted = Object.create({ statusChain: chain }) as Record<string, unknown>
    Object.assign(polluted, entry('revocation', '5'))
    delete polluted.statusChain
    const read = readW3cStatusEntries({ credentialStatus: [polluted] })
    expect(read.entries[0]?.chain).toBeUndefined()
  })
})

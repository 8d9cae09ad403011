import { deflateSync } from 'node:zlib'
import {
  base64urlEncode,
  decodeBitstringStatusList,
  decodeTokenStatusList,
  encodeBitstringStatusListBytes,
} from '@civitas/core'
import {
  createStatusRegistryClient,
  wordsToBitstring,
  wordsToTokenStatusList,
} from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The on-chain words are the source of truth (DESIGN.md §3): a W3C Bitstring Status List and
// an IETF Token Status List rebuilt from them must say exactly what the contract says, read
// by our codecs and by Digital Bazaar's.

describe('status lists rebuilt from StatusRegistry words', () => {
  let chain: LocalChain
  const revoked = new Set<number>()

  beforeAll(async () => {
    chain = await startLocalChain({ accounts: 3 })
    const issuer = chain.wallets[1]!
    const status = createStatusRegistryClient(chain.contracts.StatusRegistry, issuer)
    await status.createList(7, 'revocation')
    // Random indices (as an issuer draws them), plus the edges of words and of the list.
    for (const i of [0, 7, 8, 255, 256, 131_071]) revoked.add(i)
    // Seeded (xorshift32), so that a failure names indices that the next run draws again.
    let seed = 0x9e3779b9
    const next = () => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % 131_072
    }
    while (revoked.size < 200) revoked.add(next())
    await status.update(issuer.address, 7, { set: revoked })
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('W3C Bitstring Status List: our decoder and vc-bitstring-status-list agree with isSet', async () => {
    const issuer = chain.wallets[1]!.address
    const status = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    const encodedList = encodeBitstringStatusListBytes(wordsToBitstring(await status.readAllWords(issuer, 7)))
    const ours = decodeBitstringStatusList(encodedList)
    const theirs = await BitstringStatusList.decode({ encodedList })
    expect(theirs.length).toBe(131_072)
    for (let i = 0; i < 131_072; i++) {
      const expected = revoked.has(i)
      if ((ours.get(i) === 1) !== expected || theirs.getStatus(i) !== expected) {
        throw new Error(`index ${i} differs from the chain`)
      }
    }
    for (const i of [0, 255, 256, 131_071, 1, 131_070]) {
      expect(await status.isSet(issuer, 7, i)).toBe(revoked.has(i))
    }
  })

  it('IETF Token Status List (1 bit, LSB-first): our decoder agrees', async () => {
    const issuer = chain.wallets[1]!.address
    const status = createStatusRegistryClient(chain.contracts.StatusRegistry, chain.provider)
    const bytes = wordsToTokenStatusList(await status.readAllWords(issuer, 7))
    const list = decodeTokenStatusList({ bits: 1, lst: base64urlEncode(deflateSync(bytes, { level: 9 })) })
    for (let i = 0; i < 131_072; i++) {
      if ((list.get(i) === 1) !== revoked.has(i)) throw new Error(`index ${i} differs from the chain`)
    }
  })
})

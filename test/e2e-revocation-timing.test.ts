/**
 * Revocation timing (DESIGN.md §2.6, §4): the status words on the ledger change only when
 * the issuer flushes its queue, never once per revoke() call. Several revocations send no
 * transaction and leave the words (and what a verifier reads) as they were; flush() sends
 * them together, and the blocks in between hold exactly the flush's transactions.
 */
import { didKeyFromJwk, generateKeyPair } from '@civitas/core'
import { createNarrator, establishTrust, NETWORK, type TrustedWorld } from '@civitas/example-story-kit'
import { employerVerifier, openUniversityIssuer } from '@civitas/example-university-diploma'
import type { Issuer } from '@civitas/issuer'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Tx {
  hash: string
  from: string
  to: string
}

/** Transactions of blocks (from, to], read from the node. */
async function transactionsBetween(chain: LocalChain, from: number, to: number): Promise<Tx[]> {
  const txs: Tx[] = []
  for (let n = from + 1; n <= to; n++) {
    const block = await chain.provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
    txs.push(...(block.transactions as Tx[]))
  }
  return txs
}

describe('status words change at flush times only', () => {
  let chain: LocalChain
  let world: TrustedWorld
  let issuer: Issuer
  const issued: { id: string; token: string; index: number }[] = []

  const head = async () => Number(await chain.provider.send('eth_blockNumber', []))
  const words = () => world.university.registries.status.readAllWords(world.university.address, 1)
  const setBits = (list: bigint[]) =>
    list.flatMap((word, w) =>
      Array.from({ length: 256 }, (_, bit) => bit).flatMap((bit) =>
        (word >> BigInt(255 - bit)) & 1n ? [w * 256 + bit] : [],
      ),
    )

  beforeAll(async () => {
    chain = await startLocalChain({ networkName: NETWORK, accounts: 6 })
    world = await establishTrust(chain, createNarrator({ write: () => {} }))
    issuer = await openUniversityIssuer(world)
    for (let i = 0; i < 6; i++) {
      const subject = didKeyFromJwk((await generateKeyPair('ES256')).publicJwk)
      const { id, token, status } = await issuer.issue({
        format: 'jwt_vc_json',
        type: 'VerifiableDiploma',
        subject,
        claims: { degree: `Degree ${i}` },
      })
      issued.push({ id, token, index: status[0]!.index })
    }
  })
  afterAll(async () => {
    await issuer?.close()
    await chain?.stop()
  })

  it('four revoke() calls send nothing; one flush sends them in one transaction to the StatusRegistry', async () => {
    const before = await head()
    const wordsBefore = await words()
    expect(setBits(wordsBefore)).toEqual([])
    for (const credential of issued.slice(0, 4)) await issuer.revoke(credential.id)
    expect(await issuer.pending()).toBe(4)

    // Nothing reached the ledger: no block, no transaction, the same words, and a verifier still says valid.
    expect(await head()).toBe(before)
    expect(await words()).toEqual(wordsBefore)
    expect((await employerVerifier(world).verifyCredential(issued[0]!.token)).verified).toBe(true)

    const flushed = await issuer.flush()
    expect(flushed).toMatchObject({ applied: 4, transactions: 1, busy: false })
    const after = await head()
    const txs = await transactionsBetween(chain, before, after)
    expect(txs.map((tx) => tx.hash)).toEqual(flushed.hashes)
    for (const tx of txs) {
      expect(tx.from.toLowerCase()).toBe(world.university.address.toLowerCase())
      expect(tx.to.toLowerCase()).toBe(chain.contracts.StatusRegistry.toLowerCase())
    }
    expect(setBits(await words())).toEqual(
      issued
        .slice(0, 4)
        .map((c) => c.index)
        .sort((a, b) => a - b),
    )
    expect(await issuer.pending()).toBe(0)
  })

  it('later revocations wait for the next flush, then land together', async () => {
    const before = await head()
    const wordsBefore = await words()
    await issuer.revoke(issued[4]!.id)
    await issuer.revoke(issued[5]!.id)
    expect(await head()).toBe(before)
    expect(await words()).toEqual(wordsBefore)

    const flushed = await issuer.flush()
    expect(flushed).toMatchObject({ applied: 2, transactions: 1 })
    expect((await transactionsBetween(chain, before, await head())).map((tx) => tx.hash)).toEqual(
      flushed.hashes,
    )
    expect(setBits(await words())).toEqual(issued.map((c) => c.index).sort((a, b) => a - b))
    // A flush with nothing queued sends nothing.
    const idle = await head()
    expect(await issuer.flush()).toMatchObject({ applied: 0, transactions: 0 })
    expect(await head()).toBe(idle)
  })
})

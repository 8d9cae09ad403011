/**
 * GDPR by construction (DESIGN.md §4), proven on a full run: README command 1's story —
 * accreditations, a diploma issued, presented and revoked, a PID shown at a border post — on a
 * real anvil chain; then every block, every transaction's input and every log is searched for
 * every holder identifier (DIDs, public keys as JWK x/y, compressed and uncompressed points,
 * addresses), every claim value, every credential id and every token, and their SHA-256 and
 * keccak-256 hashes, as bytes, hex with and without 0x, and base64url: zero hits. The second
 * test plants such values on the same chain and proves the scan finds them, naming the
 * transaction.
 */

import { createHash } from 'node:crypto'
import { type FullStoryOutcome, runFullStory } from '@civitas/example-full-story'
import { createNarrator, NETWORK } from '@civitas/example-story-kit'
import { connectRegistries } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { hexlify, keccak256, toUtf8Bytes } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { needlesOf, readWholeChain, scan } from './chain-scan.js'

describe('the full story leaves no personal data on the chain', () => {
  let chain: LocalChain
  let outcome: FullStoryOutcome
  const narrator = createNarrator({ write: () => {} })

  beforeAll(async () => {
    chain = await startLocalChain({ networkName: NETWORK, accounts: 10 })
    outcome = await runFullStory({ chain, narrator })
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('the story itself: diploma verified abroad, PID verified offline, revoked diploma refused', () => {
    expect(outcome.employer.verified).toBe(true)
    expect(outcome.border.result.verified).toBe(true)
    expect(outcome.border.result.trust.source).toBe('snapshot')
    expect(outcome.revocation.result.errors.map((e) => `${e.check}: ${e.code}`)).toEqual([
      'credential/status: CREDENTIAL_REVOKED',
    ])
    // Told in order, for a person: who trusted whom, the offline border check, the revocation.
    const told = narrator.lines.join('\n')
    const order = [
      'appoints Ministry of Education (IT) as Root TAO',
      'accredits University of Bologna (Trusted Issuer)',
      'The employer accepts the diploma',
      'At the border post, offline',
      'The post accepts the PID (trust from the snapshot',
      'revokes the diploma',
      'The employer rejects the diploma',
    ].map((step) => told.indexOf(step))
    expect(order.every((at) => at >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })

  it('no block, transaction input or log holds a holder identifier, claim, credential id or their hashes', async () => {
    const data = outcome.personalData
    // The register is complete: two holder keys (diploma, PID), their DIDs, both credentials, the claims.
    expect(data.dids).toHaveLength(2)
    expect(data.publicJwks.map((jwk) => jwk.crv)).toEqual(['secp256k1', 'P-256'])
    expect(data.credentialIds).toHaveLength(2)
    expect(data.claimValues).toEqual(
      expect.arrayContaining(['Chiara', 'Rossi', '1999-03-14', 'Via dei Servi 21']),
    )
    const needles = needlesOf(data)
    const hay = await readWholeChain(chain.provider)
    // The chain holds the story's transactions: deployments, accreditations, list creation, the revocation batch.
    expect(hay.filter((place) => place.where.endsWith(' input')).length).toBeGreaterThan(10)
    expect(hay.filter((place) => place.where.startsWith('log ')).length).toBeGreaterThan(5)
    const hits = scan(hay, needles)
    expect(hits.map((hit) => `${hit.where}: ${hit.label}`)).toEqual([])
  })

  it('self-test: a holder DID planted in calldata and a claim hash planted in a log are found, with their transaction', async () => {
    const data = outcome.personalData
    const did = data.dids[0]!
    const [, , , , , , , , someone, other] = chain.wallets
    const sent = await other!.sendTransaction({ to: someone!.address, data: hexlify(toUtf8Bytes(did)) })
    await sent.wait()
    const claimHash = keccak256(toUtf8Bytes('Rossi'))
    const { did: registry } = connectRegistries(chain.manifest, other!)
    await registry.setAttribute(other!.address, 'did/pub/planted', claimHash, 60)

    const hits = scan(await readWholeChain(chain.provider), needlesOf(data))
    const inCalldata = hits.filter((hit) => hit.where.startsWith(`tx ${sent.hash} `))
    expect(inCalldata.map((hit) => hit.label)).toContainEqual(
      expect.stringMatching(/^holder DID "did:key:.*\(text\)$/),
    )
    const inLogs = hits.filter(
      (hit) => hit.where.startsWith('log ') && hit.label.startsWith('keccak256 of claim value "Rossi"'),
    )
    expect(inLogs).not.toEqual([])
  })

  it('self-test: an ABI-padded holder address, a compressed key and a base64url SHA-256 of a claim are found', () => {
    const data = outcome.personalData
    const jwk = data.publicJwks[0]!
    const x = Buffer.from(jwk.x as string, 'base64url')
    const y = Buffer.from(jwk.y as string, 'base64url')
    const address = keccak256(Buffer.concat([x, y])).slice(-40)
    const compressed = `0${2 + (y[31]! & 1)}${x.toString('hex')}`
    const sha = createHash('sha256').update('Via dei Servi 21').digest('base64url')
    const hay = [
      { where: 'abi word', hex: `a9059cbb${'0'.repeat(24)}${address}` },
      { where: 'key', hex: `00${compressed}00` },
      { where: 'text', hex: Buffer.from(`{"h":"${sha}"}`).toString('hex') },
      // Half a byte off: not a byte-aligned occurrence, not a hit.
      { where: 'unaligned', hex: `0${compressed}0` },
    ]
    const hits = scan(hay, needlesOf(data))
    const at = (where: string) => hits.filter((hit) => hit.where === where).map((hit) => hit.label)
    expect(at('abi word')).toContainEqual(expect.stringMatching(/address 0x[0-9a-fA-F]{40} \(bytes\)$/))
    expect(at('key')).toContainEqual(expect.stringMatching(/compressed point \(bytes\)$/))
    expect(at('text')).toEqual(['sha256 of claim value "Via dei Servi 21" (base64url text)'])
    expect(hits.filter((hit) => hit.where === 'unaligned')).toEqual([])
  })
})

import { id as keccakUtf8, type Wallet, ZeroAddress } from 'ethers'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { LocalChain } from './local-chain.js'
import {
  expectRevert,
  increaseTime,
  latestTimestamp,
  revert,
  setNextBlockTimestamp,
  snapshot,
  startTestChain,
} from './test-utils/chain.js'
import {
  type AccreditationGrant,
  createTrustedIssuersRegistryClient,
  credentialTypeHash,
  NO_EXPIRY,
  type TrustedIssuersRegistryClient,
} from './trusted-issuers-registry.js'

const DIPLOMA = 'VerifiableDiploma'
const ID_CARD = 'VerifiableId'
const DOC = {
  documentHash: keccakUtf8('accreditation decision 2026/17'),
  documentUri: 'https://tao.example/decisions/17.pdf',
}

describe('TrustedIssuersRegistry', () => {
  let chain: LocalChain
  let snap: string
  let gov: Wallet
  let ministry: Wallet
  let agency: Wallet
  let university: Wallet
  let stranger: Wallet
  let asGov: TrustedIssuersRegistryClient
  let asMinistry: TrustedIssuersRegistryClient
  let asAgency: TrustedIssuersRegistryClient
  let asUniversity: TrustedIssuersRegistryClient
  let asStranger: TrustedIssuersRegistryClient
  let t0: number

  const grant = (types: string[], extra: Partial<AccreditationGrant> = {}): AccreditationGrant => ({
    types,
    ...DOC,
    ...extra,
  })

  beforeAll(async () => {
    chain = await startTestChain()
    ;[gov, ministry, agency, university, stranger] = chain.wallets as [Wallet, Wallet, Wallet, Wallet, Wallet]
    const client = (w: Wallet) =>
      createTrustedIssuersRegistryClient(chain.contracts.TrustedIssuersRegistry, w)
    asGov = client(gov)
    asMinistry = client(ministry)
    asAgency = client(agency)
    asUniversity = client(university)
    asStranger = client(stranger)
  })
  afterAll(async () => {
    await chain?.stop()
  })
  beforeEach(async () => {
    snap = await snapshot(chain)
    t0 = await latestTimestamp(chain)
  })
  afterEach(async () => {
    await revert(chain, snap)
  })

  /** Root TAO (ministry) -> TAO (agency) -> Trusted Issuer (university). */
  async function buildChain() {
    const root = await asGov.appointRootTao(
      ministry.address,
      grant([DIPLOMA, ID_CARD], { validUntil: t0 + 10_000 }),
    )
    const tao = await asMinistry.accredit(
      agency.address,
      'TAO',
      root.index,
      grant([DIPLOMA, ID_CARD], { validUntil: t0 + 5000 }),
    )
    const ti = await asAgency.accredit(
      university.address,
      'TrustedIssuer',
      tao.index,
      grant([DIPLOMA], { validFrom: t0, validUntil: t0 + 2000 }),
    )
    return { root: root.index, tao: tao.index, ti: ti.index }
  }

  describe('governance', () => {
    it('ownership moves in two steps and only to the one who accepts', async () => {
      expect(await asGov.owner()).toBe(gov.address)
      await expectRevert(asStranger.transferOwnership(stranger.address), 'UNAUTHORIZED', 'NotOwner')
      await expectRevert(asGov.transferOwnership(ZeroAddress), 'INVALID_ARGUMENT', 'ZeroAddress')
      const started = await asGov.transferOwnership(ministry.address)
      expect(started.events[0]).toEqual({
        name: 'OwnershipTransferStarted',
        args: { previousOwner: gov.address, newOwner: ministry.address },
      })
      expect(await asGov.pendingOwner()).toBe(ministry.address)
      expect(await asGov.owner()).toBe(gov.address)
      await expectRevert(asStranger.acceptOwnership(), 'UNAUTHORIZED', 'NotPendingOwner')
      await asMinistry.acceptOwnership()
      expect(await asGov.owner()).toBe(ministry.address)
      expect(await asGov.pendingOwner()).toBe(ZeroAddress)
      await expectRevert(asGov.appointRootTao(agency.address, grant([DIPLOMA])), 'UNAUTHORIZED', 'NotOwner')
    })

    it('only governance appoints Root TAOs', async () => {
      await expectRevert(
        asStranger.appointRootTao(stranger.address, grant([DIPLOMA])),
        'UNAUTHORIZED',
        'NotOwner',
      )
      const root = await asGov.appointRootTao(ministry.address, grant([DIPLOMA]))
      expect(root.events[0]).toEqual({
        name: 'Accredited',
        args: {
          subject: ministry.address,
          accreditor: gov.address,
          index: 0n,
          role: 1n,
          documentHash: DOC.documentHash,
        },
      })
      const record = await asGov.getAccreditation(ministry.address, 0)
      expect(record).toMatchObject({
        subject: ministry.address,
        accreditor: gov.address,
        role: 'RootTAO',
        depth: 0,
        validFrom: 0n,
        validUntil: NO_EXPIRY,
        revokedAt: 0n,
        documentHash: DOC.documentHash,
        documentUri: DOC.documentUri,
        types: [credentialTypeHash(DIPLOMA)],
      })
    })
  })

  describe('accreditation chain', () => {
    it('Root TAO -> TAO -> Trusted Issuer, walkable from the leaf with every hop', async () => {
      const { ti } = await buildChain()
      const hops = await asGov.getChain(university.address, ti)
      expect(hops.map((h) => [h.subject, h.role, h.depth])).toEqual([
        [university.address, 'TrustedIssuer', 2],
        [agency.address, 'TAO', 1],
        [ministry.address, 'RootTAO', 0],
      ])
      expect(hops[0]!.accreditor).toBe(agency.address)
      expect(await asGov.isAccreditedAt(university.address, ti, DIPLOMA, t0 + 10)).toEqual({
        accredited: true,
        rootTao: ministry.address,
      })
      expect((await asGov.isAccreditedAt(university.address, ti, ID_CARD, t0 + 10)).accredited).toBe(false)
      expect(await asGov.accreditationCount(university.address)).toBe(1)
    })

    it('findAccreditation answers the verifier question, optionally for trusted roots only', async () => {
      const { ti } = await buildChain()
      const found = await asStranger.findAccreditation(university.address, DIPLOMA, { at: t0 + 10 })
      expect(found?.index).toBe(ti)
      expect(found?.chain.map((h) => h.role)).toEqual(['TrustedIssuer', 'TAO', 'RootTAO'])
      expect(
        await asStranger.findAccreditation(university.address, DIPLOMA, {
          at: t0 + 10,
          trustedRoots: [stranger.address],
        }),
      ).toBeUndefined()
      expect(
        await asStranger.findAccreditation(university.address, DIPLOMA, {
          at: t0 + 10,
          trustedRoots: [ministry.address],
        }),
      ).toBeDefined()
      expect(await asStranger.findAccreditation(university.address, ID_CARD, { at: t0 + 10 })).toBeUndefined()
      expect(await asStranger.findAccreditation(stranger.address, DIPLOMA)).toBeUndefined()
    })

    it('each hop can only narrow: types not held and windows beyond the parent are refused', async () => {
      const { tao } = await buildChain()
      await expectRevert(
        asAgency.accredit(
          stranger.address,
          'TrustedIssuer',
          tao,
          grant([DIPLOMA, 'VerifiableMortgage'], { validUntil: t0 + 100 }),
        ),
        'ACCREDITATION_SCOPE_EXCEEDED',
        'TypeNotHeld',
      )
      await expectRevert(
        asAgency.accredit(
          stranger.address,
          'TrustedIssuer',
          tao,
          grant([DIPLOMA], { validUntil: t0 + 5001 }),
        ),
        'ACCREDITATION_SCOPE_EXCEEDED',
        'WindowExceedsParent',
      )
      await expectRevert(
        asAgency.accredit(stranger.address, 'TrustedIssuer', tao, grant([DIPLOMA])),
        'ACCREDITATION_SCOPE_EXCEEDED',
        'WindowExceedsParent',
      )
      // The narrowed university cannot widen what it passes on: a Trusted Issuer accredits nobody.
      await expectRevert(
        asUniversity.accredit(
          stranger.address,
          'TrustedIssuer',
          0,
          grant([DIPLOMA], { validFrom: t0, validUntil: t0 + 10 }),
        ),
        'UNAUTHORIZED',
        'NotAccreditor',
      )
    })

    it('an accreditor needs a record of its own, and cannot appoint Root TAOs', async () => {
      const { root } = await buildChain()
      await expectRevert(
        asStranger.accredit(
          university.address,
          'TrustedIssuer',
          0,
          grant([DIPLOMA], { validUntil: t0 + 10 }),
        ),
        'NOT_FOUND',
        'AccreditationNotFound',
      )
      for (const role of ['RootTAO', 'constructor', 'valueOf']) {
        await expectRevert(
          asMinistry.accredit(
            university.address,
            role as 'TAO',
            root,
            grant([DIPLOMA], { validUntil: t0 + 10 }),
          ),
          'INVALID_ARGUMENT',
          'InvalidRole',
        )
      }
    })

    it('expiry: an expired accreditor cannot accredit and the chain is not valid after the window', async () => {
      const { tao, ti } = await buildChain()
      await increaseTime(chain, 2100)
      const now = await latestTimestamp(chain)
      expect((await asGov.isAccreditedAt(university.address, ti, DIPLOMA, now)).accredited).toBe(false)
      // ...but it was at a past time inside the window.
      expect((await asGov.isAccreditedAt(university.address, ti, DIPLOMA, t0 + 1000)).accredited).toBe(true)
      expect((await asGov.isAccreditedAt(university.address, ti, DIPLOMA, t0 - 1)).accredited).toBe(false)
      await increaseTime(chain, 3000)
      await expectRevert(
        asAgency.accredit(
          stranger.address,
          'TrustedIssuer',
          tao,
          grant([DIPLOMA], { validUntil: t0 + 5000 }),
        ),
        'ACCREDITATION_INACTIVE',
        'AccreditorInactive',
      )
    })

    it('windows are [validFrom, validUntil) and revokedAt is the first second without accreditation', async () => {
      const { tao, ti } = await buildChain()
      const at = async (time: number) =>
        (await asGov.isAccreditedAt(university.address, ti, DIPLOMA, time)).accredited
      expect(await at(t0 - 1)).toBe(false)
      expect(await at(t0)).toBe(true)
      expect(await at(t0 + 1999)).toBe(true)
      expect(await at(t0 + 2000)).toBe(false)
      // An accreditor acts up to the last second of its window.
      await setNextBlockTimestamp(chain, t0 + 4999)
      await asAgency.accredit(
        stranger.address,
        'TrustedIssuer',
        tao,
        grant([DIPLOMA], { validUntil: t0 + 5000 }),
      )
      await setNextBlockTimestamp(chain, t0 + 5000)
      await expectRevert(
        asAgency.accredit(
          stranger.address,
          'TrustedIssuer',
          tao,
          grant([DIPLOMA], { validUntil: t0 + 5000 }),
        ),
        'ACCREDITATION_INACTIVE',
        'AccreditorInactive',
      )
    })

    it('revocation: by the accreditor or governance, final, and visible as revokedAt for past-time checks', async () => {
      const { tao, ti } = await buildChain()
      await expectRevert(asStranger.revoke(agency.address, tao), 'UNAUTHORIZED', 'NotRevoker')
      await expectRevert(asUniversity.revoke(agency.address, tao), 'UNAUTHORIZED', 'NotRevoker')
      await increaseTime(chain, 100)
      const revoked = await asMinistry.revoke(agency.address, tao)
      const revokedAt = await latestTimestamp(chain)
      expect(revoked.events[0]).toEqual({
        name: 'AccreditationRevoked',
        args: {
          subject: agency.address,
          index: BigInt(tao),
          revoker: ministry.address,
          revokedAt: BigInt(revokedAt),
        },
      })
      expect((await asGov.getAccreditation(agency.address, tao)).revokedAt).toBe(BigInt(revokedAt))
      await expectRevert(asMinistry.revoke(agency.address, tao), 'ALREADY_REVOKED', 'AlreadyRevoked')
      // A revoked middle hop breaks the chain from then on, not before.
      expect((await asGov.isAccreditedAt(university.address, ti, DIPLOMA, revokedAt)).accredited).toBe(false)
      expect((await asGov.isAccreditedAt(university.address, ti, DIPLOMA, revokedAt - 1)).accredited).toBe(
        true,
      )
      const hops = await asGov.getChain(university.address, ti)
      expect(hops[1]!.revokedAt).toBe(BigInt(revokedAt))
      // The revoked TAO can no longer accredit.
      await expectRevert(
        asAgency.accredit(stranger.address, 'TrustedIssuer', tao, grant([DIPLOMA], { validUntil: t0 + 100 })),
        'ACCREDITATION_INACTIVE',
        'AccreditorInactive',
      )
      // Governance can revoke any record.
      await asGov.revoke(university.address, ti)
      expect((await asGov.getAccreditation(university.address, ti)).revokedAt).toBeGreaterThan(0n)
    })

    it('a TAO under a revoked Root TAO can no longer accredit, not even with a backdated window', async () => {
      const { root, tao } = await buildChain()
      await increaseTime(chain, 100)
      await asGov.revoke(ministry.address, root)
      let caught: unknown
      try {
        await asAgency.accredit(
          stranger.address,
          'TrustedIssuer',
          tao,
          grant([DIPLOMA], { validUntil: t0 + 100 }),
        )
      } catch (error) {
        caught = error
      }
      // The error names the hop that is no longer live: the Root TAO's record.
      expect(caught).toMatchObject({
        code: 'ACCREDITATION_INACTIVE',
        details: { error: 'AccreditorInactive', args: { accreditor: ministry.address, index: root } },
      })
      expect(await asGov.accreditationCount(stranger.address)).toBe(0)
    })

    it('after a governance handover only the new owner revokes Root TAOs', async () => {
      const { root, tao } = await buildChain()
      await asGov.transferOwnership(stranger.address)
      await asStranger.acceptOwnership()
      await expectRevert(asGov.revoke(ministry.address, root), 'UNAUTHORIZED', 'NotRevoker')
      await expectRevert(asGov.revoke(agency.address, tao), 'UNAUTHORIZED', 'NotRevoker')
      await asStranger.revoke(ministry.address, root)
      expect((await asGov.getAccreditation(ministry.address, root)).revokedAt).toBeGreaterThan(0n)
    })

    it('records are bounded per accreditor, so one TAO cannot lock a subject out for others', async () => {
      const { root, tao } = await buildChain()
      const junk = grant([DIPLOMA], { validUntil: t0 + 100 })
      for (let k = 0; k < 16; k++) await asAgency.accredit(stranger.address, 'TrustedIssuer', tao, junk)
      let caught: unknown
      try {
        await asAgency.accredit(stranger.address, 'TrustedIssuer', tao, junk)
      } catch (error) {
        caught = error
      }
      expect(caught).toMatchObject({
        code: 'INPUT_TOO_LARGE',
        details: { error: 'TooManyRecords', args: { subject: stranger.address, accreditor: agency.address } },
      })
      // Other accreditors, governance included, still reach the subject.
      const direct = await asMinistry.accredit(stranger.address, 'TrustedIssuer', root, junk)
      expect(direct.index).toBe(16)
      expect((await asGov.appointRootTao(stranger.address, grant([ID_CARD]))).index).toBe(17)
    })

    it('chain depth is bounded', async () => {
      const wallets = chain.wallets
      const clients = wallets.map((w) =>
        createTrustedIssuersRegistryClient(chain.contracts.TrustedIssuersRegistry, w),
      )
      await asGov.appointRootTao(wallets[1]!.address, grant([DIPLOMA]))
      const validUntil = t0 + 1000
      for (let depth = 1; depth <= 4; depth++) {
        await clients[depth]!.accredit(
          wallets[depth + 1]!.address,
          'TAO',
          0,
          grant([DIPLOMA], { validUntil }),
        )
      }
      expect((await asGov.getAccreditation(wallets[5]!.address, 0)).depth).toBe(4)
      await expectRevert(
        clients[5]!.accredit(wallets[6]!.address, 'TrustedIssuer', 0, grant([DIPLOMA], { validUntil })),
        'ACCREDITATION_CHAIN_TOO_DEEP',
        'ChainTooDeep',
      )
      expect(await asGov.getChain(wallets[5]!.address, 0)).toHaveLength(5)
    })
  })

  describe('bad input', () => {
    it('zero subject, empty or too many types, empty window, missing document', async () => {
      await expectRevert(
        asGov.appointRootTao(ZeroAddress, grant([DIPLOMA])),
        'INVALID_ARGUMENT',
        'ZeroAddress',
      )
      await expectRevert(
        asGov.appointRootTao(ministry.address, grant([])),
        'INVALID_ARGUMENT',
        'InvalidTypes',
      )
      const many = Array.from({ length: 33 }, (_, i) => `T${i}`)
      await expectRevert(
        asGov.appointRootTao(ministry.address, grant(many)),
        'INVALID_ARGUMENT',
        'InvalidTypes',
      )
      await expectRevert(
        asGov.appointRootTao(ministry.address, grant([DIPLOMA], { validFrom: 10, validUntil: 10 })),
        'INVALID_ARGUMENT',
        'InvalidWindow',
      )
      await expectRevert(
        asGov.appointRootTao(ministry.address, { ...grant([DIPLOMA]), documentHash: `0x${'00'.repeat(32)}` }),
        'INVALID_ARGUMENT',
        'InvalidDocument',
      )
      await expectRevert(
        asGov.appointRootTao(ministry.address, { ...grant([DIPLOMA]), documentUri: '' }),
        'INVALID_ARGUMENT',
        'InvalidDocument',
      )
      await expectRevert(asGov.getAccreditation(ministry.address, 0), 'NOT_FOUND', 'AccreditationNotFound')
      await expectRevert(asGov.revoke(ministry.address, 3), 'NOT_FOUND', 'AccreditationNotFound')
      await expect(asGov.revoke(ministry.address, 0.5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
      await expect(
        asGov.appointRootTao(ministry.address, grant([DIPLOMA], { validUntil: 1.5 })),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { validUntil: '1.5' } })
    })
  })
})

/**
 * examples/accreditation-chain, run in-process on its own local chain: the three diplomas
 * verify; after the ministry revokes the northern agency's accreditation, the two diplomas of
 * universities under it fail credential/trust with ACCREDITATION_INACTIVE (and nothing else),
 * the southern university's diploma still verifies.
 */
import { runAccreditationChain } from '@civitas/example-accreditation-chain'
import { createNarrator } from '@civitas/example-story-kit'
import { expect, it } from 'vitest'

it("revoking a TAO's accreditation stops every diploma below it, and only those", async () => {
  const narrator = createNarrator({ write: () => {} })
  const outcome = await runAccreditationChain({ narrator })
  const failures = (name: string) => outcome.after[name]!.errors.map((e) => `${e.check}: ${e.code}`)

  expect(Object.values(outcome.before).map((r) => r.verified)).toEqual([true, true, true])
  expect(failures('University of Padova')).toEqual(['credential/trust: ACCREDITATION_INACTIVE'])
  expect(failures('University of Trento')).toEqual(['credential/trust: ACCREDITATION_INACTIVE'])
  expect(outcome.after['University of Naples']!.verified).toBe(true)

  // The reason names the revoked hop: the agency, in force at issuance, not now.
  const trust = outcome.after['University of Padova']!.checks.find((c) => c.id === 'credential/trust')
  const hops = trust?.data?.chain as { role: string; activeNow: boolean; revokedAt: string | null }[]
  expect(hops.find((hop) => hop.role === 'TAO')).toMatchObject({
    activeNow: false,
    revokedAt: expect.any(String),
  })
  expect(narrator.lines.join('\n')).toMatch(/✗ University of Trento: not verified — ACCREDITATION_INACTIVE/)
})

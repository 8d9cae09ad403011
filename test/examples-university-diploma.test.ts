/**
 * examples/university-diploma, run in-process on its own local chain: the employer verifies
 * the presented diploma with every check passing and the trust chain up to the Ministry of
 * Education; after the university's revocation (queued, then one batch) the same
 * presentation fails on credential/status with CREDENTIAL_REVOKED, and nothing else.
 */
import { createNarrator } from '@civitas/example-story-kit'
import { runUniversityDiploma } from '@civitas/example-university-diploma'
import { expect, it } from 'vitest'

it('a diploma verifies at the employer abroad, and after revocation fails on credential/status', async () => {
  const narrator = createNarrator({ write: () => {} })
  const outcome = await runUniversityDiploma({ narrator })

  expect(outcome.presented.verified).toBe(true)
  expect(outcome.presented.errors).toEqual([])
  const trust = outcome.presented.checks.find((c) => c.id === 'credential/trust')
  expect(trust?.ok).toBe(true)
  expect(trust?.data?.chain).toHaveLength(3) // university ← agency ← ministry

  expect(outcome.revocation.pendingAfterRevoke).toBe(1)
  expect(outcome.revocation.flush).toMatchObject({ applied: 1, transactions: 1 })
  expect(outcome.revocation.result.verified).toBe(false)
  expect(outcome.revocation.result.errors.map((e) => `${e.check}: ${e.code}`)).toEqual([
    'credential/status: CREDENTIAL_REVOKED',
  ])

  // The narration names the step and the failed check for the person reading it.
  const told = narrator.lines.join('\n')
  expect(told).toContain('appoints Ministry of Education (IT) as Root TAO')
  expect(told).toMatch(/✗ credential\/status +CREDENTIAL_REVOKED/)
  expect(told).not.toContain('\u001b[') // no colour into a sink that is not a terminal
})

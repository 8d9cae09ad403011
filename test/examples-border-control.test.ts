/**
 * examples/border-control, run in-process on its own local chain: the border post verifies
 * the traveller's PID presentation from the signed snapshot alone (no chain configured, a
 * fetch that refuses), and the wallet disclosed only the four requested claims, withholding
 * the address, place of birth and age attestations.
 */
import { runBorderControl } from '@civitas/example-border-control'
import { createNarrator } from '@civitas/example-story-kit'
import { expect, it } from 'vitest'

it('a PID verifies offline from a trust snapshot, with only the requested claims disclosed', async () => {
  const narrator = createNarrator({ write: () => {} })
  const outcome = await runBorderControl({ narrator })

  expect(outcome.result.errors).toEqual([])
  expect(outcome.result.verified).toBe(true)
  expect(outcome.result.trust.source).toBe('snapshot')
  expect(outcome.networkRequests).toBe(0)
  const trust = outcome.result.checks.find((c) => c.id === 'credential/trust')
  expect(trust?.ok).toBe(true)
  expect(outcome.result.checks.find((c) => c.id === 'credential/status')?.ok).toBe(true)

  const seen = outcome.result.credentials[0]?.credential ?? {}
  expect(seen).toMatchObject({
    given_name: 'Marco',
    family_name: 'Bianchi',
    birthdate: '1987-11-02',
    nationalities: ['IT'],
  })
  for (const withheld of ['address', 'place_of_birth', 'age_over_18', 'age_over_21']) {
    expect(seen).not.toHaveProperty(withheld)
  }
  expect(outcome.withheld).toEqual(expect.arrayContaining(['/address', '/age_over_18']))
  expect(narrator.lines.join('\n')).toContain('At the border post, offline')
})

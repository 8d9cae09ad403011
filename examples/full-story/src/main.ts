// README command 1 (`pnpm demo`): the whole story on a local chain that starts by itself.
import { claimNames } from '@civitas/example-border-control'
import { createNarrator } from '@civitas/example-story-kit'
import { runFullStory } from './story.js'

const started = performance.now()
const narrator = createNarrator()
narrator.title('Civitas: from a ministry to a border post, and a diploma revoked')
const outcome = await runFullStory({ narrator })
const verdict = (verified: boolean) => (verified ? 'verified' : 'not verified')
narrator.chapter('What happened')
narrator.say(`Employer in Rotterdam, diploma presented:     ${verdict(outcome.employer.verified)}`)
// What the officer saw: the disclosed claims, without the SD-JWT's envelope (issuer, type, key, status, times).
const envelope = new Set(['iss', 'iat', 'nbf', 'exp', 'vct', 'cnf', 'status'])
const shown = claimNames(outcome.border.disclosed).filter((name) => !envelope.has(name))
narrator.say(
  `Border post at Schiphol, PID, offline:         ${verdict(outcome.border.result.verified)} (shown: ${shown.join(', ')}; ${claimNames(outcome.border.withheld).length} claims withheld)`,
)
narrator.say(
  `Employer in Rotterdam, after the revocation:   ${verdict(outcome.revocation.result.verified)} (${outcome.revocation.result.errors
    .map((e) => `${e.check} ${e.code}`)
    .join(', ')})`,
)
narrator.say(`Nothing about Chiara is on the ledger: only legal entities, accreditations and status bits.`)
narrator.say(
  `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. Next: \`pnpm test\` runs every test.`,
)

// README command 1 (`pnpm demo`): the whole story on a local chain that starts by itself.
import { createNarrator } from '@civitas/example-story-kit'
import { runFullStory } from './story.js'

const started = performance.now()
const narrator = createNarrator()
narrator.title('Civitas: from a ministry to a border post, and a diploma revoked')
const outcome = await runFullStory({ narrator })
const verdict = (verified: boolean) => (verified ? 'verified' : 'not verified')
narrator.chapter('What happened')
narrator.say(`Employer in Rotterdam, diploma presented:     ${verdict(outcome.employer.verified)}`)
narrator.say(
  `Border post at Schiphol, PID, offline:         ${verdict(outcome.border.result.verified)} (${outcome.border.disclosed.filter((p) => !/^\/(iss|iat|vct|cnf|status|exp|nbf)(\/|$)/.test(p)).length} claims shown, ${outcome.border.withheld.length} withheld)`,
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

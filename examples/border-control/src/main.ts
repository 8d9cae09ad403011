// `npx -y -p pnpm@10.34.8 pnpm --filter @civitas/example-border-control start`: the story on its own local chain.
import { createNarrator } from '@civitas/example-story-kit'
import { runBorderControl } from './story.js'

const narrator = createNarrator()
narrator.title('Civitas: a PID at the border, minimal disclosure, verified offline')
const outcome = await runBorderControl({ narrator })
narrator.blank()
narrator.say(
  `Border check: ${outcome.result.verified ? 'verified' : 'NOT verified'} from a ${outcome.result.trust.source}, ` +
    `${outcome.withheld.length} claims withheld, ${outcome.networkRequests} network requests`,
)

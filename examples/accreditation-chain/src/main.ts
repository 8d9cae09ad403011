// `npx -y -p pnpm@10.34.8 pnpm --filter @civitas/example-accreditation-chain start`: the story on its own local chain.
import { createNarrator } from '@civitas/example-story-kit'
import { runAccreditationChain } from './story.js'

const narrator = createNarrator()
narrator.title('Civitas: a TAO loses its accreditation')
const outcome = await runAccreditationChain({ narrator })
const failed = Object.entries(outcome.after).filter(([, result]) => !result.verified)
narrator.blank()
narrator.say(
  `After ${outcome.revokedAgency} lost its accreditation: ${failed.length} of ${outcome.diplomas.length} diplomas fail (${failed
    .map(([name]) => name)
    .join(', ')})`,
)

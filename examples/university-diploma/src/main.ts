// `npx -y -p pnpm@10.34.8 pnpm --filter @civitas/example-university-diploma start`: the story on its own local chain.
import { createNarrator } from '@civitas/example-story-kit'
import { runUniversityDiploma } from './story.js'

const narrator = createNarrator()
narrator.title('Civitas: a university diploma, from accreditation to revocation')
const outcome = await runUniversityDiploma({ narrator })
narrator.blank()
narrator.say(
  `Presented: ${outcome.presented.verified ? 'verified' : 'NOT verified'}; after revocation: ${
    outcome.revocation.result.verified ? 'verified' : 'not verified'
  } (${outcome.revocation.result.errors.map((e) => e.code).join(', ')})`,
)

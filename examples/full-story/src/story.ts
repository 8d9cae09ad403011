/**
 * The whole Civitas story, README command 1.
 *
 * Governance appoints the Ministry of Education as Root TAO; it accredits the national
 * accreditation agency, which accredits the University of Bologna for diplomas. The university
 * issues a diploma to Chiara's wallet; Chiara presents it to an employer in Rotterdam. Her PID,
 * from the National Population Register (under the Ministry of the Interior, the other Root
 * TAO), goes into the same wallet; at Schiphol she shows only her name, birth date and
 * nationality, and the border post verifies offline from a signed trust snapshot. Finally the
 * university revokes the diploma, and the employer sees it.
 */
import {
  type BorderCheck,
  checkAtBorder,
  issuePidToTraveller,
  openPidIssuer,
} from '@civitas/example-border-control'
import {
  createNarrator,
  createPersonalData,
  establishTrust,
  type Narrator,
  type PersonalData,
  startStoryChain,
} from '@civitas/example-story-kit'
import {
  type IssuedDiploma,
  issueDiplomaToStudent,
  openUniversityIssuer,
  presentDiplomaToEmployer,
  type Revocation,
  revokeDiploma,
} from '@civitas/example-university-diploma'
import type { LocalChain } from '@civitas/registry-contracts/local-chain'
import type { PresentationVerificationResult } from '@civitas/verifier'

export interface FullStoryOptions {
  narrator?: Narrator
  /** A local chain with the registries to run on, left running (tests scan it afterwards); default: a new one, stopped at the end. */
  chain?: LocalChain
}

export interface FullStoryOutcome {
  chain: LocalChain
  diploma: IssuedDiploma
  /** The employer's check of the presented diploma. */
  employer: PresentationVerificationResult
  /** The border post's offline check of the PID. */
  border: BorderCheck
  revocation: Revocation
  /** Every personal value the story created: none of it may be on the ledger. */
  personalData: PersonalData
}

export async function runFullStory(options: FullStoryOptions = {}): Promise<FullStoryOutcome> {
  const narrator = options.narrator ?? createNarrator()
  const personalData = createPersonalData()
  const chain = options.chain ?? (await startStoryChain(narrator))
  try {
    const world = await establishTrust(chain, narrator)
    const university = await openUniversityIssuer(world)
    const registry = await openPidIssuer(world)
    try {
      const diploma = await issueDiplomaToStudent(world, university, narrator, personalData)
      narrator.chapter('Chiara applies for a job in Rotterdam: the employer checks her diploma online')
      const employer = await presentDiplomaToEmployer(world, diploma, narrator, personalData)

      const { traveller } = await issuePidToTraveller(world, registry, narrator, personalData, {
        name: diploma.student.name,
        givenName: 'Chiara',
        familyName: 'Rossi',
        birthdate: '1999-03-14',
        wallet: diploma.student.wallet,
      })
      const border = await checkAtBorder(world, traveller, narrator, personalData)

      const revocation = await revokeDiploma(world, university, diploma, narrator)
      await diploma.student.wallet.close()
      return { chain, diploma, employer, border, revocation, personalData }
    } finally {
      await registry.close()
      await university.close()
    }
  } finally {
    if (!options.chain) await chain.stop()
  }
}

/**
 * What happens below a TAO that loses its accreditation.
 *
 * The Ministry of Education (Root TAO) accredits two regional accreditation agencies (TAOs).
 * The northern agency accredits two universities, the southern one a third; each university
 * issues a diploma. An employer verifies all three. Then the ministry revokes the northern
 * agency's accreditation, one transaction on the ledger: both diplomas issued under it stop
 * verifying at once, `credential/trust` naming the revoked hop, while the third university's
 * diploma still verifies. No credential was touched.
 */
import { didKeyFromJwk, generateKeyPair } from '@civitas/core'
import {
  accreditationDocument,
  createNarrator,
  DIPLOMA,
  type LegalEntity,
  legalEntity,
  type Narrator,
  startStoryChain,
} from '@civitas/example-story-kit'
import { createIssuer } from '@civitas/issuer'
import type { LocalChain } from '@civitas/registry-contracts/local-chain'
import { type CredentialVerificationResult, createVerifier } from '@civitas/verifier'
import type { Wallet } from 'ethers'

export interface AccreditationStoryOptions {
  narrator?: Narrator
}

/** One university of the story, the agency above it and the diploma it issued. */
export interface UniversityDiploma {
  university: string
  agency: string
  token: string
}

export interface AccreditationStoryOutcome {
  diplomas: UniversityDiploma[]
  /** The employer's results before the revocation, per university name. */
  before: Record<string, CredentialVerificationResult>
  /** The same diplomas after the ministry revoked the northern agency. */
  after: Record<string, CredentialVerificationResult>
  revokedAgency: string
}

function names(chain: LocalChain) {
  const [gov, min, north, south, padova, trento, napoli] = chain.wallets as Wallet[]
  return {
    governance: legalEntity(chain, gov!, 'Civitas network governance'),
    ministry: legalEntity(chain, min!, 'Ministry of Education'),
    north: legalEntity(chain, north!, 'Northern Accreditation Agency'),
    south: legalEntity(chain, south!, 'Southern Accreditation Agency'),
    universities: [
      { entity: legalEntity(chain, padova!, 'University of Padova'), agency: 'north' as const },
      { entity: legalEntity(chain, trento!, 'University of Trento'), agency: 'north' as const },
      { entity: legalEntity(chain, napoli!, 'University of Naples'), agency: 'south' as const },
    ],
  }
}

/** A diploma from `university` to a new student (did:key: a natural person is never on the ledger). */
async function issueOne(chain: LocalChain, university: LegalEntity, familyName: string): Promise<string> {
  const issuer = await createIssuer({
    did: university.did,
    signer: university.signer,
    chain: { manifest: chain.manifest, txSigner: university.wallet },
    store: 'sqlite::memory:',
    statusLists: { baseUrl: `https://status.${university.address.slice(2, 10).toLowerCase()}.example` },
    flushIntervalMs: 0,
  })
  try {
    const student = didKeyFromJwk((await generateKeyPair('ES256')).publicJwk)
    // The built-in 'diploma' template in VCDM 2.0: the Europass / ELM rendering.
    const { token } = await issuer.issue({
      format: 'vc+jwt',
      template: 'diploma',
      subject: student,
      claims: {
        givenNames: 'Giulia',
        familyName,
        dateOfBirth: '2000-05-02',
        awardingBody: { name: university.name },
        qualification: { title: 'Laurea in Fisica', eqfLevel: 6, iscedfCode: '0533' },
        awardDate: '2025-10-21',
      },
    })
    return token
  } finally {
    await issuer.close()
  }
}

export async function runAccreditationChain(
  options: AccreditationStoryOptions = {},
): Promise<AccreditationStoryOutcome> {
  const narrator = options.narrator ?? createNarrator()
  const chain = await startStoryChain(narrator, 7)
  try {
    const { governance, ministry, north, south, universities } = names(chain)
    const tir = (entity: LegalEntity) => entity.registries.trustedIssuers

    narrator.chapter('The accreditation tree')
    const root = await tir(governance).appointRootTao(ministry.address, {
      types: [DIPLOMA],
      ...accreditationDocument('https://gov.civitas.example/decisions/root-tao'),
    })
    narrator.say(`${governance.name} appoints ${ministry.name} as Root TAO for ${DIPLOMA}`)
    const agencies = { north, south }
    const agencyRecords: Record<'north' | 'south', number> = { north: 0, south: 0 }
    for (const key of ['north', 'south'] as const) {
      const record = await tir(ministry).accredit(agencies[key].address, 'TAO', root.index, {
        types: [DIPLOMA],
        ...accreditationDocument(`https://mur.civitas.example/decrees/${key}`),
      })
      agencyRecords[key] = record.index
      narrator.say(`${ministry.name} accredits ${agencies[key].name} (TAO)`)
    }
    const diplomas: UniversityDiploma[] = []
    for (const [i, { entity, agency }] of universities.entries()) {
      await tir(agencies[agency]).accredit(entity.address, 'TrustedIssuer', agencyRecords[agency], {
        types: [DIPLOMA],
        ...accreditationDocument(`https://${agency}.agency.civitas.example/accreditations/${i}`),
      })
      narrator.say(`${agencies[agency].name} accredits ${entity.name} (Trusted Issuer)`)
      const token = await issueOne(chain, entity, ['Conti', 'Greco', 'Esposito'][i]!)
      narrator.detail(
        `${entity.name} issues a diploma (template 'diploma', vc+jwt with Europass fields) to a graduate`,
      )
      diplomas.push({ university: entity.name, agency: agencies[agency].name, token })
    }

    const employer = () =>
      createVerifier({ chain: { manifest: chain.manifest }, trust: { rootTaos: [ministry.did] } })
    const verifyAll = async (): Promise<Record<string, CredentialVerificationResult>> => {
      const results: Record<string, CredentialVerificationResult> = {}
      const verifier = employer()
      for (const diploma of diplomas) {
        const result = await verifier.verifyCredential(diploma.token)
        results[diploma.university] = result
        const trust = result.checks.find((check) => check.id === 'credential/trust')
        if (result.verified) narrator.ok(`${diploma.university}: verified`)
        else narrator.fail(`${diploma.university}: not verified — ${trust?.code}: ${trust?.message}`)
      }
      return results
    }

    narrator.chapter('An employer verifies the three diplomas')
    const before = await verifyAll()

    narrator.chapter(`${ministry.name} revokes the accreditation of ${north.name}`)
    await tir(ministry).revoke(north.address, agencyRecords.north)
    narrator.say('One transaction; no diploma is touched, no holder is named')

    narrator.chapter('The employer verifies the same diplomas again')
    const after = await verifyAll()
    return { diplomas, before, after, revokedAgency: north.name }
  } finally {
    await chain.stop()
  }
}

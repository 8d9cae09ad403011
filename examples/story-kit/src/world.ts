import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import type { Wallet } from 'ethers'
import { accreditationDocument, type LegalEntity, legalEntity } from './entities.js'
import type { Narrator } from './narrator.js'

/** The credential types of the stories. */
export const DIPLOMA = 'VerifiableDiploma'
export const PID = 'urn:eudi:pid:1'

/** The did:ethr network name of the stories' chain. */
export const NETWORK = 'civitas'

/** Starts anvil with the four registries; the accounts are anvil's public test keys. */
export async function startStoryChain(narrator: Narrator, accounts = 10): Promise<LocalChain> {
  narrator.say('Starting a local EVM chain (anvil) and deploying the four Civitas registries')
  const chain = await startLocalChain({ networkName: NETWORK, accounts })
  const c = chain.contracts
  narrator.detail(`chain id ${chain.chainId} at ${chain.rpcUrl}`)
  narrator.detail(`DIDRegistry ${c.DIDRegistry}, TrustedIssuersRegistry ${c.TrustedIssuersRegistry}`)
  narrator.detail(`StatusRegistry ${c.StatusRegistry}, SchemaRegistry ${c.SchemaRegistry}`)
  return chain
}

/** The legal entities of the diploma and border stories, and their accreditation records. */
export interface TrustedWorld {
  chain: LocalChain
  governance: LegalEntity
  /** Root TAO for diplomas. */
  education: LegalEntity
  /** TAO under the ministry of education. */
  agency: LegalEntity
  /** Trusted issuer of diplomas under the agency. */
  university: LegalEntity
  /** Root TAO for person identification data. */
  interior: LegalEntity
  /** Trusted issuer of PIDs under the ministry of the interior. */
  identityRegistry: LegalEntity
  records: {
    education: number
    agency: number
    university: number
    interior: number
    identityRegistry: number
  }
}

/**
 * Governance appoints two Root TAOs (education for diplomas, the interior for PIDs); education
 * accredits the national accreditation agency (a TAO), which accredits the university for
 * diplomas; the interior accredits the national identity registry for PIDs. Every hop can only
 * narrow what it received.
 */
export async function establishTrust(chain: LocalChain, narrator: Narrator): Promise<TrustedWorld> {
  const [gov, edu, agc, uni, int, reg] = chain.wallets as Wallet[]
  const governance = legalEntity(chain, gov!, 'Civitas network governance')
  const education = legalEntity(chain, edu!, 'Ministry of Education (IT)')
  const agency = legalEntity(chain, agc!, 'National Agency for the Evaluation of Universities (IT)')
  const university = legalEntity(chain, uni!, 'University of Bologna')
  const interior = legalEntity(chain, int!, 'Ministry of the Interior (IT)')
  const identityRegistry = legalEntity(chain, reg!, 'National Population Register (IT)')
  const tir = (entity: LegalEntity) => entity.registries.trustedIssuers

  narrator.chapter('Who trusts whom: the accreditation chain on the ledger')
  const educationRoot = await tir(governance).appointRootTao(education.address, {
    types: [DIPLOMA],
    ...accreditationDocument('https://gov.civitas.example/decisions/root-tao-education'),
  })
  narrator.say(`${governance.name} appoints ${education.name} as Root TAO for ${DIPLOMA}`)
  narrator.detail(education.did)
  const agencyRecord = await tir(education).accredit(agency.address, 'TAO', educationRoot.index, {
    types: [DIPLOMA],
    ...accreditationDocument('https://mur.civitas.example/decrees/agency'),
  })
  narrator.say(`${education.name} accredits ${agency.name} (TAO) for ${DIPLOMA}`)
  narrator.detail(agency.did)
  const universityRecord = await tir(agency).accredit(
    university.address,
    'TrustedIssuer',
    agencyRecord.index,
    {
      types: [DIPLOMA],
      ...accreditationDocument('https://agency.civitas.example/accreditations/unibo'),
    },
  )
  narrator.say(`${agency.name} accredits ${university.name} (Trusted Issuer) for ${DIPLOMA}`)
  narrator.detail(university.did)
  const interiorRoot = await tir(governance).appointRootTao(interior.address, {
    types: [PID],
    ...accreditationDocument('https://gov.civitas.example/decisions/root-tao-interior'),
  })
  narrator.say(
    `${governance.name} appoints ${interior.name} as Root TAO for ${PID} (person identification data)`,
  )
  const registryRecord = await tir(interior).accredit(
    identityRegistry.address,
    'TrustedIssuer',
    interiorRoot.index,
    {
      types: [PID],
      ...accreditationDocument('https://interno.civitas.example/decrees/anpr'),
    },
  )
  narrator.say(`${interior.name} accredits ${identityRegistry.name} (Trusted Issuer) for ${PID}`)
  narrator.detail(
    'Only legal entities are on the ledger: their addresses, accreditations and document hashes.',
  )
  return {
    chain,
    governance,
    education,
    agency,
    university,
    interior,
    identityRegistry,
    records: {
      education: educationRoot.index,
      agency: agencyRecord.index,
      university: universityRecord.index,
      interior: interiorRoot.index,
      identityRegistry: registryRecord.index,
    },
  }
}

/** The accreditation chain a verification found, leaf first, in the entities' names. */
export function describeTrustChain(
  world: TrustedWorld,
  checks: readonly { id: string; data?: Record<string, unknown> }[],
): string | undefined {
  const hops = checks.find((check) => check.id === 'credential/trust')?.data?.chain
  if (!Array.isArray(hops)) return undefined
  const entities = [
    world.university,
    world.agency,
    world.education,
    world.identityRegistry,
    world.interior,
    world.governance,
  ]
  return hops
    .map((hop: { address?: string; role?: string }) => {
      const entity = entities.find((e) => e.address.toLowerCase() === hop.address?.toLowerCase())
      return `${entity?.name ?? hop.address} (${hop.role})`
    })
    .join(' ← ')
}

/**
 * A university diploma, from accreditation to revocation.
 *
 * The University of Bologna, accredited for diplomas by the national agency (itself accredited
 * by the Ministry of Education, a Root TAO), issues a diploma to a student's wallet. The
 * student presents it to an employer in the Netherlands, who checks signature, validity,
 * status on the ledger and the accreditation chain. The university then revokes the diploma:
 * the revocation is queued, reaches the ledger with the next batch, and the employer sees it.
 */
import { randomUUID } from 'node:crypto'
import {
  createNarrator,
  createPersonalData,
  DIPLOMA,
  describeTrustChain,
  establishTrust,
  type Narrator,
  type PersonalData,
  recordClaims,
  startStoryChain,
  type TrustedWorld,
} from '@civitas/example-story-kit'
import { createIssuer, type FlushResult, type Issuer } from '@civitas/issuer'
import { createVerifier, type PresentationVerificationResult, type Verifier } from '@civitas/verifier'
import { type HolderKey, openWallet, type Wallet } from '@civitas/wallet'

export interface DiplomaStoryOptions {
  /** Where the story is told (default: standard output). */
  narrator?: Narrator
  /** An accreditation chain to run in; default: a new local chain with its own. */
  world?: TrustedWorld
  /** Filled with every personal value the story creates. */
  personalData?: PersonalData
}

/** The student's side: a wallet with one holder key. */
export interface Student {
  name: string
  wallet: Wallet
  key: HolderKey
}

export interface IssuedDiploma {
  id: string
  token: string
  student: Student
}

export const EMPLOYER = 'https://careers.port-of-rotterdam.example'

/** The university's issuer: its did:ethr, its controller key, status lists it owns on the ledger. */
export async function openUniversityIssuer(world: TrustedWorld): Promise<Issuer> {
  const { university, chain } = world
  return await createIssuer({
    did: university.did,
    signer: university.signer,
    chain: { manifest: chain.manifest, txSigner: university.wallet },
    store: 'sqlite::memory:', // a file or postgres://… in production
    statusLists: { baseUrl: 'https://status.unibo.example/lists', purposes: ['revocation'] },
    flushIntervalMs: 0, // the story flushes by hand; a service lets the timer batch revocations
  })
}

/** A verifier of the employer abroad: it trusts the Italian Ministry of Education as Root TAO. */
export function employerVerifier(world: TrustedWorld): Verifier {
  return createVerifier({
    chain: { manifest: world.chain.manifest },
    trust: { rootTaos: [world.education.did] },
  })
}

export async function issueDiplomaToStudent(
  world: TrustedWorld,
  issuer: Issuer,
  narrator: Narrator,
  personalData: PersonalData = createPersonalData(),
): Promise<IssuedDiploma> {
  narrator.chapter(`${world.university.name} issues a diploma to a student's wallet`)
  const wallet = await openWallet({ store: 'memory', passphrase: 'chiara: correct horse battery staple' })
  const key = await wallet.createKey({ alg: 'ES256K', did: 'key' })
  const student: Student = { name: 'Chiara Rossi', wallet, key }
  narrator.say(`${student.name} opens a wallet and creates a holder key (did:key, never on the ledger)`)
  narrator.detail(`${key.did.slice(0, 40)}…`)

  // The built-in 'diploma' template: EBSI's VerifiableDiploma subject for jwt_vc_json
  // (Europass / ELM for vc+jwt); the claims are checked against its schema before anything is signed.
  const claims = {
    identifier: '0000912345',
    givenNames: 'Chiara',
    familyName: 'Rossi',
    dateOfBirth: '1999-03-14',
    awardingBody: { name: world.university.name, homepage: 'https://www.unibo.example/' },
    qualification: {
      title: 'Laurea Magistrale in Ingegneria Informatica',
      eqfLevel: 7,
      iscedfCode: '0613',
      ects: 120,
    },
    awardDate: '2025-07-18',
    country: 'IT',
  }
  const { id, token } = await issuer.issue({
    format: 'jwt_vc_json',
    template: 'diploma',
    subject: key.did,
    claims,
  })
  narrator.say(
    `${world.university.name} signs a ${DIPLOMA} (template 'diploma', jwt_vc_json, ES256K, its did:ethr key)`,
  )
  narrator.detail(`credential ${id}; status: a random index in its revocation list on the ledger`)

  await wallet.accept(token, { verifier: employerVerifier(world) })
  narrator.ok(
    `${student.name}'s wallet checked the diploma (signature, status, accreditation) and stored it encrypted`,
  )

  personalData.dids.push(key.did)
  personalData.publicJwks.push(key.publicJwk)
  personalData.credentialIds.push(id)
  personalData.tokens.push(token)
  // The awarding body is the university's public record, the qualification's codes are public too.
  recordClaims(personalData, {
    identifier: claims.identifier,
    givenNames: claims.givenNames,
    familyName: claims.familyName,
    dateOfBirth: claims.dateOfBirth,
    title: claims.qualification.title,
    awardDate: claims.awardDate,
  })
  return { id, token, student }
}

/** The employer asks for a diploma (OpenID4VP DCQL), the wallet answers, the employer verifies. */
export async function presentDiplomaToEmployer(
  world: TrustedWorld,
  diploma: IssuedDiploma,
  narrator: Narrator,
  personalData: PersonalData = createPersonalData(),
  { failedOnly = false }: { failedOnly?: boolean } = {},
): Promise<PresentationVerificationResult> {
  const { wallet, name } = diploma.student
  const nonce = randomUUID()
  const match = await wallet.match({
    credentials: [
      { id: 'diploma', format: 'jwt_vc_json', meta: { type_values: [['VerifiableCredential', DIPLOMA]] } },
    ],
  })
  if (!match.choice) throw new Error('the wallet holds no diploma')
  const { vpToken } = await wallet.present(match.choice, { nonce, audience: EMPLOYER })
  const presentation = vpToken.diploma?.[0] as string
  personalData.tokens.push(presentation)
  narrator.say(`${name} presents the diploma to ${EMPLOYER} (VP JWT bound to its nonce and audience)`)
  const result = await employerVerifier(world).verifyPresentation(presentation, { nonce, audience: EMPLOYER })
  if (result.verified) narrator.ok('The employer accepts the diploma:')
  else narrator.fail('The employer rejects the diploma:')
  narrator.checks(result.checks, { failedOnly })
  const chain = describeTrustChain(world, result.checks)
  if (chain && !failedOnly) narrator.detail(`trust chain: ${chain}`)
  return result
}

export interface Revocation {
  /** Status changes waiting in the issuer's queue right after revoke(). */
  pendingAfterRevoke: number
  flush: FlushResult
  /** The employer's verification after the batch reached the ledger. */
  result: PresentationVerificationResult
}

export async function revokeDiploma(
  world: TrustedWorld,
  issuer: Issuer,
  diploma: IssuedDiploma,
  narrator: Narrator,
): Promise<Revocation> {
  narrator.chapter(`${world.university.name} revokes the diploma`)
  await issuer.revoke(diploma.id)
  const pendingAfterRevoke = await issuer.pending()
  narrator.say(`revoke() queues the change durably: ${pendingAfterRevoke} change pending, no transaction yet`)
  const flush = await issuer.flush()
  narrator.say(
    `flush() sends the batch: ${flush.applied} change in ${flush.transactions} transaction (only list ids and bit masks)`,
  )
  narrator.say('The student presents the diploma again; the employer reads the status word on the ledger')
  const result = await presentDiplomaToEmployer(world, diploma, narrator, undefined, { failedOnly: true })
  return { pendingAfterRevoke, flush, result }
}

export interface DiplomaStoryOutcome {
  issued: IssuedDiploma
  presented: PresentationVerificationResult
  revocation: Revocation
  personalData: PersonalData
}

/** The whole story; on its own local chain unless `options.world` is given. */
export async function runUniversityDiploma(options: DiplomaStoryOptions = {}): Promise<DiplomaStoryOutcome> {
  const narrator = options.narrator ?? createNarrator()
  const personalData = options.personalData ?? createPersonalData()
  const chain = options.world ? undefined : await startStoryChain(narrator)
  try {
    const world = options.world ?? (await establishTrust(chain!, narrator))
    const issuer = await openUniversityIssuer(world)
    try {
      const issued = await issueDiplomaToStudent(world, issuer, narrator, personalData)
      narrator.chapter('An employer abroad checks the diploma')
      const presented = await presentDiplomaToEmployer(world, issued, narrator, personalData)
      const revocation = await revokeDiploma(world, issuer, issued, narrator)
      await issued.student.wallet.close()
      return { issued, presented, revocation, personalData }
    } finally {
      await issuer.close()
    }
  } finally {
    await chain?.stop()
  }
}

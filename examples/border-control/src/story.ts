/**
 * A border post checks a traveller's identity without a network.
 *
 * The National Population Register (accredited for PIDs by the Ministry of the Interior, a Root
 * TAO) issues a PID-like SD-JWT VC to a traveller's wallet: every claim is a separate
 * Disclosure. Before the shift, the border operator makes a trust snapshot of the ledger
 * (accreditations, DID documents, status words) and signs it with its own key. At the desk, the
 * post asks (OpenID4VP DCQL) for the name, birth date and nationality only; the wallet discloses
 * exactly those, bound to the post's nonce; the post verifies from the snapshot alone.
 */
import { randomUUID } from 'node:crypto'
import { didJwkFromJwk, generateKeyPair, type Jwk, localSigner } from '@civitas/core'
import {
  createNarrator,
  createPersonalData,
  describeTrustChain,
  establishTrust,
  type Narrator,
  type PersonalData,
  PID,
  recordClaims,
  startStoryChain,
  type TrustedWorld,
} from '@civitas/example-story-kit'
import { createIssuer, type Issuer } from '@civitas/issuer'
import { createTrustSnapshot, createVerifier, type PresentationVerificationResult } from '@civitas/verifier'
import { type HolderKey, openWallet, type Wallet } from '@civitas/wallet'

export interface BorderStoryOptions {
  narrator?: Narrator
  /** An accreditation chain to run in; default: a new local chain with its own. */
  world?: TrustedWorld
  /** Filled with every personal value the story creates. */
  personalData?: PersonalData
}

export interface Traveller {
  name: string
  wallet: Wallet
  key: HolderKey
}

export const BORDER_POST = 'https://schiphol.border.kmar.example'

/** What the border post asks for: who the traveller is, nothing about where they live. */
export const BORDER_REQUEST = {
  credentials: [
    {
      id: 'pid',
      format: 'dc+sd-jwt',
      meta: { vct_values: [PID] },
      claims: [
        { path: ['given_name'] },
        { path: ['family_name'] },
        { path: ['birthdate'] },
        { path: ['nationalities'] },
      ],
    },
  ],
}

/** The PID provider's issuer: SD-JWT VCs with a revocation entry on the ledger. */
export async function openPidIssuer(world: TrustedWorld): Promise<Issuer> {
  const { identityRegistry, chain } = world
  return await createIssuer({
    did: identityRegistry.did,
    signer: identityRegistry.signer,
    chain: { manifest: chain.manifest, txSigner: identityRegistry.wallet },
    store: 'sqlite::memory:',
    statusLists: { baseUrl: 'https://status.anpr.example/lists', purposes: ['revocation'] },
    flushIntervalMs: 0,
  })
}

/** Who receives the PID: a new traveller, or a person who already has a wallet. */
export interface PidHolder {
  name: string
  givenName: string
  familyName: string
  birthdate: string
  wallet?: Wallet
}

export const MARCO: PidHolder = {
  name: 'Marco Bianchi',
  givenName: 'Marco',
  familyName: 'Bianchi',
  birthdate: '1987-11-02',
}

export async function issuePidToTraveller(
  world: TrustedWorld,
  issuer: Issuer,
  narrator: Narrator,
  personalData: PersonalData = createPersonalData(),
  person: PidHolder = MARCO,
): Promise<{ id: string; token: string; traveller: Traveller }> {
  narrator.chapter(`${world.identityRegistry.name} issues a PID to ${person.name}'s wallet`)
  const wallet =
    person.wallet ?? (await openWallet({ store: 'memory', passphrase: 'tr0ub4dor & 3 at the border' }))
  // A key of its own for the PID: two credentials on two keys cannot be linked by their key.
  const key = await wallet.createKey({ alg: 'ES256', did: 'jwk' })
  const traveller: Traveller = { name: person.name, wallet, key }
  narrator.say(`${traveller.name} creates a holder key in the wallet for it (did:jwk, never on the ledger)`)
  const claims = {
    given_name: person.givenName,
    family_name: person.familyName,
    birthdate: person.birthdate,
    nationalities: ['IT'],
    place_of_birth: { locality: 'Padova', country: 'IT' },
    address: { street_address: 'Via dei Servi 21', locality: 'Firenze', postal_code: '50122', country: 'IT' },
  }
  // The built-in 'pid' template: EUDI PID claim names, every claim (each address part, each
  // nationality) its own Disclosure, and age_over_NN derived from the birth date by the issuer.
  const { id, token } = await issuer.issue({
    format: 'dc+sd-jwt',
    template: 'pid',
    claims,
    holderKey: key.publicJwk,
  })
  narrator.say(
    `${world.identityRegistry.name} signs a PID (dc+sd-jwt): template 'pid', every claim a separate Disclosure, bound to the key`,
  )
  // The wallet checks what it accepts with a verifier of its own, online at home.
  const home = createVerifier({
    chain: { manifest: world.chain.manifest },
    trust: { rootTaos: [world.interior.did] },
  })
  await wallet.accept(token, { verifier: home })
  narrator.ok(
    `${traveller.name}'s wallet checked the PID (signature, status, accreditation, key binding) and stored it`,
  )

  personalData.publicJwks.push(key.publicJwk)
  personalData.dids.push(key.did)
  personalData.credentialIds.push(id)
  personalData.tokens.push(token)
  recordClaims(personalData, claims)
  return { id, token, traveller }
}

/** The top-level claim names of JSON Pointers (`/address/locality` → `address`), sorted, once each. */
export function claimNames(pointers: readonly string[]): string[] {
  return [...new Set(pointers.map((pointer) => pointer.split('/')[1] ?? pointer))].sort()
}

export interface BorderCheck {
  /** JSON Pointers the wallet showed, and those it kept back. */
  disclosed: readonly string[]
  withheld: readonly string[]
  result: PresentationVerificationResult
  /** Network requests the verifier attempted at the desk (none: it is offline). */
  networkRequests: number
}

/**
 * The border post verifies from a snapshot it was handed, with no chain and a fetch that
 * refuses: a result can only come from the snapshot.
 */
export async function checkAtBorder(
  world: TrustedWorld,
  traveller: Traveller,
  narrator: Narrator,
  personalData: PersonalData = createPersonalData(),
): Promise<BorderCheck> {
  narrator.chapter('Before the shift: the border operator takes a signed trust snapshot of the ledger')
  const operator = await generateKeyPair('ES256')
  const operatorDid = didJwkFromJwk(operator.publicJwk)
  const snapshot = await createTrustSnapshot({
    chain: { manifest: world.chain.manifest },
    rootTaos: [world.interior.did],
    signer: localSigner(operator.privateJwk, { kid: `${operatorDid}#0` }),
  })
  narrator.say(
    `The snapshot holds the accreditations under ${world.interior.name}, the issuers' DID documents`,
  )
  narrator.say(
    `and their status words, signed with the operator's key (${Math.round(snapshot.length / 1024)} KiB)`,
  )

  narrator.chapter('At the border post, offline')
  let networkRequests = 0
  const border = createVerifier({
    trust: { snapshot, snapshotKey: operator.publicJwk as Jwk },
    policy: { maxSnapshotAgeSeconds: 86_400 },
    fetch: async () => {
      networkRequests++
      throw new Error('the border post has no network')
    },
  })
  const nonce = randomUUID()
  narrator.say('The post asks for given_name, family_name, birthdate and nationalities (OpenID4VP DCQL)')
  const match = await traveller.wallet.match(BORDER_REQUEST)
  const candidate = match.candidates.pid?.[0]
  if (!match.choice || !candidate) throw new Error('the wallet holds no PID')
  narrator.say(`${traveller.name}'s wallet discloses ${claimNames(candidate.requested).join(', ')}`)
  narrator.detail(`and withholds ${claimNames(candidate.withheld).join(', ')}`)
  const { vpToken } = await traveller.wallet.present(match.choice, { nonce, audience: BORDER_POST })
  const presentation = vpToken.pid?.[0] as string
  personalData.tokens.push(presentation)
  const result = await border.verifyPresentation(presentation, { nonce, audience: BORDER_POST })
  if (result.verified)
    narrator.ok(
      `The post accepts the PID (trust from the ${result.trust.source}, block ${result.trust.block}):`,
    )
  else narrator.fail('The post rejects the PID:')
  narrator.checks(result.checks)
  const chain = describeTrustChain(world, result.checks)
  if (chain) narrator.detail(`trust chain: ${chain}`)
  const seen = result.credentials[0]?.credential ?? {}
  narrator.detail(
    `the officer sees: ${Object.keys(seen)
      .filter((k) => !['iss', 'vct', 'cnf', 'iat', 'status', 'exp', 'nbf'].includes(k))
      .join(', ')}`,
  )
  return { disclosed: candidate.disclosed, withheld: candidate.withheld, result, networkRequests }
}

export interface BorderStoryOutcome extends BorderCheck {
  personalData: PersonalData
}

/** The whole story; on its own local chain unless `options.world` is given. */
export async function runBorderControl(options: BorderStoryOptions = {}): Promise<BorderStoryOutcome> {
  const narrator = options.narrator ?? createNarrator()
  const personalData = options.personalData ?? createPersonalData()
  const chain = options.world ? undefined : await startStoryChain(narrator)
  try {
    const world = options.world ?? (await establishTrust(chain!, narrator))
    const issuer = await openPidIssuer(world)
    try {
      const { traveller } = await issuePidToTraveller(world, issuer, narrator, personalData)
      const check = await checkAtBorder(world, traveller, narrator, personalData)
      await traveller.wallet.close()
      return { ...check, personalData }
    } finally {
      await issuer.close()
    }
  } finally {
    await chain?.stop()
  }
}

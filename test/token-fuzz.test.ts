/**
 * Seeded fuzzing of every token format core verifies: valid tokens are mutated (see
 * fuzz/mutate.ts) and verified. For each mutant:
 *  - verification answers with a result (`verified: false` and its errors), never an error;
 *  - it verifies only when it decodes to the same header, payload (and disclosed claims,
 *    key binding, enclosed credentials) as the original: a mutant may re-spell nothing;
 *  - it finishes within a per-case bound (Promise.race), so a mutant cannot stall verification.
 * Seeds are fixed: a failure replays exactly.
 */
import { isDeepStrictEqual } from 'node:util'
import * as core from '@civitas/core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  applyMutation,
  editJson,
  type JsonEdit,
  type Mutation,
  mutation,
  resign,
  sweepEdits,
} from './fuzz/mutate.js'

const RUNS = 300
const SEED = 20_260_107
/** A case that takes longer than this is a stall, whatever the machine's load. */
const CASE_TIMEOUT_MS = 10_000
const NOW = 1_760_000_000
const NONCE = 'n-0S6_WzA2Mj'
const AUDIENCE = 'https://verifier.example'

type Outcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'civitas'; code: string }
  | { kind: 'raw'; error: unknown }

async function bounded(run: () => Promise<unknown>): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS)
  })
  try {
    return { kind: 'result', value: await Promise.race([run(), stall]) }
  } catch (error) {
    return core.isCivitasError(error) ? { kind: 'civitas', code: error.code } : { kind: 'raw', error }
  } finally {
    clearTimeout(timer)
  }
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.kind === 'raw') {
    const e = outcome.error as Error
    return `raw ${e?.name}: ${String(e?.message).slice(0, 200)}`
  }
  return outcome.kind === 'civitas' ? `CivitasError ${outcome.code}` : 'a result'
}

let fx: Awaited<ReturnType<typeof fixtures>>

async function fixtures() {
  const issuerKeys = await core.generateKeyPair('ES256')
  const holderKeys = await core.generateKeyPair('EdDSA')
  const issuer = core.didKeyFromJwk(issuerKeys.publicJwk)
  const holder = core.didKeyFromJwk(holderKeys.publicJwk)
  const signer = core.localSigner(issuerKeys.privateJwk, { kid: `${issuer}#${issuer.slice(8)}` })
  const holderSigner = core.localSigner(holderKeys.privateJwk, { kid: `${holder}#${holder.slice(8)}` })
  const resolver = core.createResolver({ web: false })
  const subject = { id: holder, degree: { type: 'BachelorDegree', name: 'Civil Engineering' }, gpa: 3.7 }
  const vc11 = await core.issueJwtVc(
    {
      '@context': [core.VCDM_1_1_CONTEXT],
      id: 'urn:uuid:8d6b2f4e-1c1a-4a0b-9d59-3c1e1f6a2b10',
      type: ['VerifiableCredential', 'UniversityDegreeCredential'],
      issuer,
      issuanceDate: '2025-01-01T00:00:00Z',
      expirationDate: '2030-01-01T00:00:00Z',
      credentialSubject: subject,
    },
    { format: 'jwt_vc_json', signer, iat: NOW - 100 },
  )
  const vc20 = await core.issueJwtVc(
    {
      '@context': [core.VCDM_2_0_CONTEXT],
      type: ['VerifiableCredential', 'UniversityDegreeCredential'],
      issuer,
      validFrom: '2025-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
      credentialSubject: subject,
    },
    { format: 'vc+jwt', signer },
  )
  const vp = await core.issueJwtVp(
    {
      '@context': [core.VCDM_1_1_CONTEXT],
      type: ['VerifiablePresentation'],
      holder,
      verifiableCredential: [vc11],
    },
    { format: 'jwt_vc_json', signer: holderSigner, nonce: NONCE, audience: AUDIENCE, iat: NOW - 10 },
  )
  const issued = await core.issueSdJwtVc(
    {
      vct: 'urn:eudi:pid:1',
      iss: issuer,
      iat: NOW - 100,
      exp: NOW + 86_400,
      cnf: { jwk: holderKeys.publicJwk },
      claims: {
        given_name: 'Ada',
        family_name: 'Lovelace',
        address: { locality: 'London', country: 'GB' },
        nationalities: ['GB', 'IT'],
      },
      disclosable: ['/given_name', '/family_name', '/address/locality', '/nationalities/1'],
    },
    { signer },
  )
  const sdJwt = await core.presentSdJwt(issued, {
    disclose: ['/given_name', '/address/locality', '/nationalities/1'],
    keyBinding: { signer: holderSigner, nonce: NONCE, audience: AUDIENCE, iat: NOW - 10 },
  })
  const general = core.sdJwtToJson(sdJwt, 'general')
  const flattened = core.sdJwtToJson(sdJwt, 'flattened')
  const statusUri = 'https://issuer.example/status/7'
  const statusToken = await core.issueStatusListToken(
    { iss: issuer, sub: statusUri, statuses: [0, 1, 2, 3, 0, 1], bits: 2, iat: NOW - 100, exp: NOW + 3_600 },
    { signer },
  )
  // The signers a re-signing attacker would use: the issuer's (ES256) and the holder's (EdDSA).
  const signerFor = (alg: unknown) => (alg === 'ES256' ? signer : alg === 'EdDSA' ? holderSigner : undefined)
  return { resolver, vc11, vc20, vp, sdJwt, general, flattened, statusUri, statusToken, signerFor }
}

beforeAll(async () => {
  fx = await fixtures()
}, 60_000)

/** A verification result's content that must not change without the verification failing. */
interface Format {
  verify(token: unknown): Promise<unknown>
  /** What a verified result says; a verified mutant must say exactly the same. */
  meaning(result: unknown): unknown
}

const r = (value: unknown) => value as Record<string, unknown>

const formats: Record<string, () => Format> = {
  jwt_vc_json: () => ({
    verify: (token) => core.verifyJwtVc(token as string, { resolver: fx.resolver, now: NOW }),
    meaning: (result) => [r(result).header, r(result).payload],
  }),
  'vc+jwt': () => ({
    verify: (token) => core.verifyJwtVc(token as string, { resolver: fx.resolver, now: NOW }),
    meaning: (result) => [r(result).header, r(result).payload],
  }),
  'VP JWT': () => ({
    verify: (token) =>
      core.verifyJwtVp(token as string, {
        resolver: fx.resolver,
        nonce: NONCE,
        audience: AUDIENCE,
        now: NOW,
      }),
    meaning: (result) => [
      r(result).header,
      r(result).payload,
      (r(result).credentials as Record<string, unknown>[]).map((c) => [c.header, c.payload]),
    ],
  }),
  'dc+sd-jwt': () => ({
    verify: (token) =>
      core.verifySdJwt(token as string, {
        resolver: fx.resolver,
        nonce: NONCE,
        audience: AUDIENCE,
        now: NOW,
      }),
    meaning: (result) => [
      r(result).header,
      r(result).payload,
      r(result).claims,
      r(r(result).keyBinding ?? {}).payload,
    ],
  }),
  'status-list token': () => ({
    verify: (token) =>
      core.verifyStatusListToken(token as string, { resolver: fx.resolver, uri: fx.statusUri, now: NOW }),
    meaning: (result) => [r(result).header, r(result).payload, r(r(result).list ?? {}).bytes],
  }),
}

/**
 * Checks one mutant; returns why it failed, or undefined. `original` is what the unmutated
 * token means; undefined for re-signed mutants, which may legitimately verify with new values.
 */
async function check(format: Format, mutant: unknown, original: unknown): Promise<string | undefined> {
  const outcome = await bounded(() => format.verify(mutant))
  if (outcome.kind === 'raw') return describeOutcome(outcome)
  if (outcome.kind === 'civitas') {
    return `threw ${describeOutcome(outcome)} instead of returning verified: false`
  }
  const result = r(outcome.value)
  if (typeof result.verified !== 'boolean') return 'returned no verification result'
  if (result.verified && original !== undefined && !isDeepStrictEqual(format.meaning(result), original)) {
    return 'verified although it decodes to other values than the original'
  }
  return undefined
}

async function baseline(format: Format, token: unknown): Promise<unknown> {
  const result = r(await format.verify(token))
  expect(result.errors ?? []).toEqual([])
  expect(result.verified).toBe(true)
  return format.meaning(result)
}

function fuzzCompact(name: string, token: () => string) {
  it(`${name}: ${RUNS} seeded mutations never verify as something else, never throw raw, never stall`, async () => {
    const format = formats[name]!()
    const original = await baseline(format, token())
    await fc.assert(
      // Half the mutants are signed again by a key the attacker holds: they get past the
      // signature to every later check, which must then fail (or pass) without a raw error.
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (mutations: Mutation[], resigned) => {
          let mutant = mutations.reduce(applyMutation, token())
          if (resigned) mutant = await resign(mutant, fx.signerFor)
          const failure = await check(format, mutant, resigned ? undefined : original)
          if (failure)
            throw new Error(`${failure}\n${resigned ? 're-signed ' : ''}mutant: ${mutant.slice(0, 300)}`)
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
  }, 600_000)
}

/**
 * Each member of each JSON segment replaced by each hostile value (and hostile members
 * added), the token then signed again with the attacker's own key: every check after the
 * signature sees every hostile value once. No raw error, no stall.
 */
function sweepSigned(name: string, token: () => string) {
  it(`${name}: every member replaced by every hostile value, re-signed, answers without a raw error`, async () => {
    const format = formats[name]!()
    const failures: string[] = []
    let count = 0
    for (const edit of sweepEdits(token())) {
      const mutant = await resign(applyMutation(token(), edit), fx.signerFor)
      const failure = await check(format, mutant, undefined)
      count++
      if (failure) failures.push(`${failure}: ${JSON.stringify(edit)}`)
    }
    expect(count).toBeGreaterThan(100)
    expect(failures.slice(0, 20)).toEqual([])
  }, 600_000)
}

describe('seeded fuzzing of the token formats (mutations of valid tokens)', () => {
  fuzzCompact('jwt_vc_json', () => fx.vc11)
  fuzzCompact('vc+jwt', () => fx.vc20)
  fuzzCompact('VP JWT', () => fx.vp)
  fuzzCompact('dc+sd-jwt', () => fx.sdJwt)
  fuzzCompact('status-list token', () => fx.statusToken)
  sweepSigned('jwt_vc_json', () => fx.vc11)
  sweepSigned('vc+jwt', () => fx.vc20)
  sweepSigned('VP JWT', () => fx.vp)
  sweepSigned('dc+sd-jwt', () => fx.sdJwt)
  sweepSigned('status-list token', () => fx.statusToken)

  /** JWS JSON Serialization: edit the JSON itself, or mutate one of its string members. */
  const jsonMutation = fc.oneof(
    fc.record({
      kind: fc.constant('json-edit' as const),
      edit: fc.constantFrom<JsonEdit['kind']>('replace', 'remove', 'add', 'duplicate-key', 'wrap'),
      path: fc.nat(),
      key: fc.nat(),
      json: fc.nat(),
      levels: fc.integer({ min: 1, max: 200 }),
    }),
    fc.record({ kind: fc.constant('member' as const), member: fc.nat(), mutation }),
    fc.record({ kind: fc.constant('extra-signatures' as const), count: fc.integer({ min: 1, max: 40 }) }),
  )
  type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never

  function mutateSerialization(json: Record<string, unknown>, m: JsonMutation): string {
    const text = JSON.stringify(json)
    if (m.kind === 'json-edit') {
      const edit = { kind: m.edit, path: m.path, key: m.key, json: m.json, levels: m.levels } as JsonEdit
      return editJson(text, edit) ?? text
    }
    const copy = structuredClone(json) as Record<string, unknown>
    if (m.kind === 'extra-signatures') {
      // Many copies of the signature: each one costs a verification attempt, none adds meaning.
      const signatures = (copy.signatures as unknown[] | undefined) ?? []
      const first = signatures[0] ?? { protected: copy.protected, signature: copy.signature }
      copy.signatures = [...signatures, ...Array.from({ length: m.count }, () => first)]
      if (copy.payload === undefined) copy.payload = json.payload
      return JSON.stringify(copy)
    }
    // The string members a JSON SD-JWT carries, wherever they sit.
    const slots: [Record<string, unknown> | unknown[], string | number][] = []
    const walk = (node: unknown) => {
      if (Array.isArray(node)) {
        for (const [i, v] of node.entries()) {
          if (typeof v === 'string') slots.push([node, i])
          else walk(v)
        }
      } else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (typeof v === 'string') slots.push([node as Record<string, unknown>, k])
          else walk(v)
        }
      }
    }
    walk(copy)
    const [holder, slot] = slots[m.member % slots.length]!
    ;(holder as Record<string | number, unknown>)[slot] = applyMutation(
      (holder as Record<string | number, string>)[slot]!,
      m.mutation,
    )
    return JSON.stringify(copy)
  }

  for (const serialization of ['flattened', 'general'] as const) {
    it(`dc+sd-jwt (${serialization} JSON Serialization): ${RUNS} seeded mutations, as text and as an object`, async () => {
      const format = formats['dc+sd-jwt']!()
      const json = (serialization === 'general' ? fx.general : fx.flattened) as unknown as Record<
        string,
        unknown
      >
      const original = await baseline(format, json)
      await fc.assert(
        fc.asyncProperty(jsonMutation, fc.boolean(), async (m, asObject) => {
          const text = mutateSerialization(json, m)
          let mutant: unknown = text
          if (asObject) {
            try {
              mutant = JSON.parse(text)
            } catch {
              mutant = text
            }
          }
          const failure = await check(format, mutant, original)
          if (failure) throw new Error(`${failure}\nmutant: ${text.slice(0, 300)}`)
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
    }, 600_000)
  }
})

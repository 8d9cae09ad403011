/**
 * EBSI conformance, with EBSI's own libraries as the oracle:
 * `@cef-ebsi/verifiable-credential` 5.5.0 and `@cef-ebsi/verifiable-presentation` 6.4.0 (with
 * `@cef-ebsi/ebsi-did-resolver` and `@cef-ebsi/key-did-resolver`), for ES256, ES256K and EdDSA.
 *
 * - core → EBSI: every credential and presentation core issues with `profile: 'ebsi'`
 *   verifies under EBSI's verifier;
 * - EBSI → core: what EBSI's library creates verifies with core under `profile: 'ebsi'`;
 * - both refuse: tokens EBSI's verifier refuses (one rule broken each) are refused by core's
 *   `profile: 'ebsi'` too, so the profile checks at least what EBSI checks.
 *
 * Issuers are did:ebsi legal entities, holders jwk_jcs-pub did:keys (EBSI natural persons).
 * Every lookup EBSI's libraries make (read from their source) is served by a local HTTP
 * server standing in for the EBSI APIs, configured through their `ebsiEnvConfig`:
 * - DID Registry `GET /did-registry/v5/identifiers/<did>` (did:ebsi documents, ebsi-did-resolver);
 * - Trusted Issuers Registry `GET /trusted-issuers-registry/v5/issuers/<did>` (EBSI_VC_006: the
 *   issuer is registered) and the issuer's StatusList2021Credential under that prefix;
 * - Trusted Schemas Registry `GET /trusted-schemas-registry/v3/schemas/<id>` (EBSI_VC_002: the
 *   credentialSchema; EBSI's own schemas are bundled and never fetched).
 * JSON-LD contexts come from the libraries' bundled copies; did:key resolves offline.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { util as ebsiDidUtil, getResolver as getEbsiResolver } from '@cef-ebsi/ebsi-did-resolver'
import { createVerifiableCredentialJwt, verifyCredentialJwt } from '@cef-ebsi/verifiable-credential'
import { createVerifiablePresentationJwt, verifyPresentationJwt } from '@cef-ebsi/verifiable-presentation'
import {
  base64urlDecode,
  createResolver,
  decodeJwt,
  didKeyFromJwk,
  encodeBitstringStatusList,
  generateKeyPair,
  issueJwtVc,
  issueJwtVp,
  type Jwk,
  jwkThumbprint,
  localSigner,
  type SignatureAlgorithm,
  type Signer,
  signJws,
  VCDM_1_1_CONTEXT,
  verifyJwtVc,
  verifyJwtVp,
} from '@civitas/core'
import { type DIDResolver, Resolver } from 'did-resolver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ALGORITHMS = ['ES256', 'ES256K', 'EdDSA'] as const
const AUDIENCE = 'https://border.example'
const NONCE = 'n-0S6_WzA2Mj'
const DAY = 86_400

// EBSI's bundled StatusList2021Credential schema (2024-01), by its multibase id.
const STATUS_LIST_SCHEMA_ID = 'z7DmpwC9doRxZrtQ9PBjz8qQgGWqojkGExELnrw1x8qdi'
// A diploma schema published on the (local) Trusted Schemas Registry, id = its SHA-256 as EBSI does.
const DIPLOMA_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Civitas test diploma',
  type: 'object',
  properties: {
    credentialSubject: {
      type: 'object',
      properties: {
        degree: {
          type: 'object',
          properties: { type: { type: 'string' }, name: { type: 'string' } },
          required: ['type', 'name'],
        },
      },
      required: ['id', 'degree'],
    },
  },
  required: ['credentialSubject'],
}
const DIPLOMA_SCHEMA_ID = `0x${createHash('sha256').update(JSON.stringify(DIPLOMA_SCHEMA)).digest('hex')}`
const REVOKED_INDEX = 7
const VALID_INDEX = 94_567

interface Party {
  alg: SignatureAlgorithm
  did: string
  kid: string
  publicJwk: Jwk
  privateJwk: Jwk
  signer: Signer
}

/** What EBSI's libraries call an issuer (a holder signs with the same shape). */
function ebsiSigner(party: Party) {
  return {
    did: party.did,
    kid: party.kid,
    alg: party.alg as 'ES256' | 'ES256K' | 'EdDSA',
    publicKeyJwk: party.publicJwk,
    privateKeyJwk: party.privateJwk,
  }
}

/** A legal entity: did:ebsi (method v1), its document served by the DID Registry. */
async function legalEntity(alg: SignatureAlgorithm): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair(alg)
  const did = ebsiDidUtil.createDid(randomBytes(16))
  const kid = `${did}#${await jwkThumbprint(publicJwk)}`
  return { alg, did, kid, publicJwk, privateJwk, signer: localSigner(privateJwk, { kid }) }
}

/** A natural person: did:key in EBSI's jwk_jcs-pub form. */
async function naturalPerson(alg: SignatureAlgorithm): Promise<Party> {
  const { privateJwk, publicJwk } = await generateKeyPair(alg)
  const did = didKeyFromJwk(publicJwk, { format: 'jwk_jcs-pub' })
  const kid = `${did}#${did.slice('did:key:'.length)}`
  return { alg, did, kid, publicJwk, privateJwk, signer: localSigner(privateJwk, { kid }) }
}

function didDocument(party: Party): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: party.did,
    controller: [party.did],
    verificationMethod: [
      { id: party.kid, type: 'JsonWebKey2020', controller: party.did, publicKeyJwk: party.publicJwk },
    ],
    authentication: [party.kid],
    assertionMethod: [party.kid],
    capabilityInvocation: [party.kid],
  }
}

/** XML Schema / RFC 3339 date-time in whole seconds, as EBSI writes them. */
function dateTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// ── the local stand-in for the EBSI APIs ──────────────────────────────────────

interface Reply {
  type: string
  body: string
}
const routes = new Map<string, Reply>()
const served: string[] = []
// Every path ever served: EBSI's libraries memoize fetches (5 min), so a later test may not refetch.
const everServed = new Set<string>()
let server: Server
let base = ''

const paths = {
  didRegistry: '/did-registry/v5/identifiers',
  issuers: '/trusted-issuers-registry/v5/issuers',
  schemas: '/trusted-schemas-registry/v3/schemas',
}

function serveJson(path: string, value: unknown, type = 'application/json'): void {
  routes.set(path, { type, body: JSON.stringify(value) })
}

/** The options every call into EBSI's libraries gets: the local APIs and a short timeout. */
function ebsiOptions() {
  return {
    ebsiAuthority: new URL(base).host,
    trustedHostnames: ['127.0.0.1'],
    ebsiEnvConfig: {
      didRegistry: `${base}${paths.didRegistry}`,
      trustedIssuersRegistry: `${base}${paths.issuers}`,
      trustedPoliciesRegistry: `${base}/trusted-policies-registry/v3/users`,
    },
    timeout: 5_000,
  }
}

/** Core's view of the same world: EBSI's did:ebsi resolver next to core's did:key. */
function coreResolver() {
  const core = createResolver({ web: false, cache: false })
  const key: DIDResolver = (did, _parsed, _resolver, options) => core.resolve(did, options)
  return new Resolver({
    ...(getEbsiResolver({ registry: `${base}${paths.didRegistry}` }) as unknown as Record<
      string,
      DIDResolver
    >),
    key,
  })
}

interface World {
  university: Party
  student: Party
  other: Party
  statusListUrl: string
}
const worlds = new Map<SignatureAlgorithm, World>()

/** Registers a legal entity: DID document, TIR entry, and a revocation list with one revoked index. */
async function register(university: Party): Promise<string> {
  serveJson(`${paths.didRegistry}/${university.did}`, didDocument(university), 'application/did+ld+json')
  serveJson(`${paths.issuers}/${university.did}`, {
    did: university.did,
    attributes: [
      {
        hash: `0x${'ab'.repeat(32)}`,
        body: '',
        issuerType: 'TI',
        tao: university.did,
        rootTao: university.did,
      },
    ],
  })
  const statusListUrl = `${base}${paths.issuers}/${university.did}/proxies/0x${'cd'.repeat(32)}/credentials/status/1`
  const statuses = new Uint8Array(131_072)
  statuses[REVOKED_INDEX] = 1
  // StatusList2021 (EBSI today): base64 without multibase prefix; the GZIP bytes are the same.
  const encodedList = Buffer.from(base64urlDecode(encodeBitstringStatusList(statuses).slice(1))).toString(
    'base64',
  )
  const now = Math.floor(Date.now() / 1000)
  const list = await issueJwtVc(
    {
      '@context': [VCDM_1_1_CONTEXT],
      id: statusListUrl,
      type: ['VerifiableCredential', 'VerifiableAttestation', 'StatusList2021Credential'],
      issuer: university.did,
      issuanceDate: dateTime(now - DAY),
      issued: dateTime(now - DAY),
      validFrom: dateTime(now - DAY),
      expirationDate: dateTime(now + 30 * DAY),
      credentialSubject: {
        id: `${statusListUrl}#list`,
        type: 'StatusList2021',
        statusPurpose: 'revocation',
        encodedList,
      },
      credentialSchema: {
        id: `${base}${paths.schemas}/${STATUS_LIST_SCHEMA_ID}`,
        type: 'FullJsonSchemaValidator2021',
      },
    },
    { format: 'jwt_vc_json', signer: university.signer, profile: 'ebsi' },
  )
  routes.set(new URL(statusListUrl).pathname, { type: 'application/jwt', body: list })
  return statusListUrl
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
    served.push(path)
    everServed.add(path)
    const reply = routes.get(path)
    if (request.method !== 'GET' || reply === undefined) {
      response.writeHead(404, { 'content-type': 'application/problem+json' })
      response.end(JSON.stringify({ title: 'Not Found', status: 404, detail: `${path} is not registered` }))
      return
    }
    response.writeHead(200, { 'content-type': reply.type })
    response.end(reply.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  serveJson(`${paths.schemas}/${DIPLOMA_SCHEMA_ID}`, DIPLOMA_SCHEMA, 'application/schema+json')
  for (const alg of ALGORITHMS) {
    const university = await legalEntity(alg)
    const statusListUrl = await register(university)
    worlds.set(alg, {
      university,
      student: await naturalPerson(alg),
      other: await naturalPerson(alg),
      statusListUrl,
    })
  }
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function world(alg: SignatureAlgorithm): World {
  return worlds.get(alg)!
}

/** An EBSI Verifiable Attestation (VCDM 1.1) as an EBSI issuer writes it. */
function diploma(w: World, { index = VALID_INDEX, subject = w.student.did } = {}) {
  const now = Math.floor(Date.now() / 1000)
  const issued = dateTime(now - 3_600)
  return {
    '@context': [VCDM_1_1_CONTEXT] as [string, ...string[]],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'VerifiableAttestation', 'VerifiableDiploma'],
    issuer: w.university.did,
    issuanceDate: issued,
    issued,
    validFrom: issued,
    validUntil: dateTime(now + 3_650 * DAY),
    expirationDate: dateTime(now + 365 * DAY),
    credentialSubject: { id: subject, degree: { type: 'MasterDegree', name: 'MSc Informatics' } },
    credentialSchema: {
      id: `${base}${paths.schemas}/${DIPLOMA_SCHEMA_ID}`,
      type: 'FullJsonSchemaValidator2021',
    },
    credentialStatus: {
      id: `${w.statusListUrl}#${index}`,
      type: 'StatusList2021Entry',
      statusPurpose: 'revocation',
      statusListIndex: `${index}`,
      statusListCredential: w.statusListUrl,
    },
  }
}

function presentation(holder: Party, credentials: string[]) {
  return {
    '@context': [VCDM_1_1_CONTEXT] as [string, ...string[]],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: credentials,
  }
}

function codes(result: { errors: readonly { code: string }[] }): string[] {
  return result.errors.map((e) => e.code)
}

describe('EBSI conformance: core → EBSI verifier', () => {
  for (const alg of ALGORITHMS) {
    it(`${alg}: core's EBSI-profile credential and presentation verify under EBSI's verifiers`, async () => {
      const w = world(alg)
      const credential = diploma(w)
      const vc = await issueJwtVc(credential, {
        format: 'jwt_vc_json',
        signer: w.university.signer,
        profile: 'ebsi',
      })
      // EBSI_JWT_VC_001: iat = issued, nbf = validFrom, exp = expirationDate (the earlier end).
      expect(decodeJwt(vc).payload).toMatchObject({
        iat: Date.parse(credential.issued) / 1000,
        nbf: Date.parse(credential.validFrom) / 1000,
        exp: Date.parse(credential.expirationDate) / 1000,
        sub: w.student.did,
      })
      served.length = 0
      await expect(verifyCredentialJwt(vc, ebsiOptions())).resolves.toMatchObject({ id: credential.id })
      // The oracle really looked the issuer, its status list and the schema up here.
      expect(served).toEqual(
        expect.arrayContaining([
          `${paths.didRegistry}/${w.university.did}`,
          `${paths.issuers}/${w.university.did}`,
          new URL(w.statusListUrl).pathname,
        ]),
      )

      const vp = await issueJwtVp(presentation(w.student, [vc]), {
        format: 'jwt_vc_json',
        signer: w.student.signer,
        nonce: NONCE,
        audience: AUDIENCE,
        profile: 'ebsi',
      })
      expect(decodeJwt(vp).payload).toMatchObject({ iss: w.student.did, sub: w.student.did })
      await expect(verifyPresentationJwt(vp, AUDIENCE, ebsiOptions())).resolves.toMatchObject({
        holder: w.student.did,
      })
      // And core agrees with itself under the same profile.
      const resolver = coreResolver()
      const ours = await verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUDIENCE, profile: 'ebsi' })
      expect(codes(ours)).toEqual([])
    })
  }

  it("EBSI's verifier reads the status list core issued: a revoked index is refused", async () => {
    const w = world('ES256')
    const vc = await issueJwtVc(diploma(w, { index: REVOKED_INDEX }), {
      format: 'jwt_vc_json',
      signer: w.university.signer,
      profile: 'ebsi',
    })
    await expect(verifyCredentialJwt(vc, ebsiOptions())).rejects.toThrow('The credential is revoked')
  })

  it('the schema is fetched from the Trusted Schemas Registry and applied', async () => {
    const w = world('ES256')
    const credential = diploma(w)
    const vc = await issueJwtVc(
      { ...credential, credentialSubject: { id: w.student.did, degree: { type: 'MasterDegree' } } },
      { format: 'jwt_vc_json', signer: w.university.signer, profile: 'ebsi' },
    )
    await expect(verifyCredentialJwt(vc, ebsiOptions())).rejects.toThrow(/name/)
    expect(everServed).toContain(`${paths.schemas}/${DIPLOMA_SCHEMA_ID}`)
  })
})

describe('EBSI conformance: EBSI library → core', () => {
  for (const alg of ALGORITHMS) {
    it(`${alg}: EBSI's credential and presentation verify with core under profile ebsi`, async () => {
      const w = world(alg)
      const credential = diploma(w)
      const vc = await createVerifiableCredentialJwt(credential, ebsiSigner(w.university), ebsiOptions())
      const resolver = coreResolver()
      const checked = await verifyJwtVc(vc, { resolver, profile: 'ebsi' })
      expect(codes(checked)).toEqual([])
      expect(checked.credential).toMatchObject({
        id: credential.id,
        credentialSubject: { id: w.student.did },
      })

      const vp = await createVerifiablePresentationJwt(
        presentation(w.student, [vc]),
        ebsiSigner(w.student),
        AUDIENCE,
        {
          ...ebsiOptions(),
          nonce: NONCE,
        },
      )
      const result = await verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUDIENCE, profile: 'ebsi' })
      expect(codes(result)).toEqual([])
      expect(result.verified).toBe(true)
      expect(result.holder).toBe(w.student.did)
      expect(result.credentials.map((c) => c.verified)).toEqual([true])
    })
  }
})

// ── refusals: one EBSI rule broken at a time ────────────────────────────────────

type Claims = Record<string, unknown> & { vc: Record<string, unknown> }

/** A JWT as an EBSI issuer would sign it, before `mutate` breaks one rule; signed directly. */
async function mutatedCredential(
  w: World,
  mutate: (claims: Claims, header: Record<string, unknown>) => void,
): Promise<string> {
  const credential: Record<string, unknown> = diploma(w)
  const seconds = (member: string) => Date.parse(credential[member] as string) / 1000
  const claims: Claims = {
    iss: w.university.did,
    sub: w.student.did,
    jti: credential.id,
    iat: seconds('issued'),
    nbf: seconds('validFrom'),
    exp: seconds('expirationDate'),
    vc: credential,
  }
  const header: Record<string, unknown> = { typ: 'JWT', kid: w.university.kid }
  mutate(claims, header)
  return signJws(claims, w.university.signer, header)
}

const credentialRefusals: [string, (claims: Claims, header: Record<string, unknown>, w: World) => void][] = [
  [
    'iat is not the issued date',
    (c) => {
      c.iat = (c.iat as number) + 1
    },
  ],
  [
    'nbf is not validFrom',
    (c) => {
      c.nbf = (c.nbf as number) - 60
    },
  ],
  [
    'exp is not expirationDate',
    (c) => {
      c.exp = (c.exp as number) + DAY
    },
  ],
  [
    'no exp while the credential has an expirationDate',
    (c) => {
      delete c.exp
    },
  ],
  [
    'jti is not the credential id',
    (c) => {
      c.jti = 'urn:uuid:00000000-0000-4000-8000-000000000000'
    },
  ],
  [
    'no id (and no jti)',
    (c) => {
      delete c.vc.id
      delete c.jti
    },
  ],
  [
    'no issued date',
    (c) => {
      delete c.vc.issued
      delete c.iat
    },
  ],
  [
    'validFrom differs from issuanceDate',
    (c) => {
      c.vc.issuanceDate = dateTime(Date.parse(c.vc.validFrom as string) / 1000 - 60)
    },
  ],
  [
    'expirationDate before validFrom',
    (c) => {
      c.vc.expirationDate = dateTime((c.nbf as number) - 60)
      c.exp = (c.nbf as number) - 60
    },
  ],
  [
    'sub is not the subject',
    (c, _h, w) => {
      c.sub = w.other.did
    },
  ],
  [
    'a subject DID that is not did:ebsi or did:key',
    (c) => {
      const did = 'did:web:student.example'
      c.vc.credentialSubject = { ...(c.vc.credentialSubject as object), id: did }
      c.sub = did
    },
  ],
  [
    'a W3C multicodec did:key subject (natural persons use jwk_jcs-pub)',
    (c) => {
      const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
      c.vc.credentialSubject = { ...(c.vc.credentialSubject as object), id: did }
      c.sub = did
    },
  ],
  [
    'no typ header',
    (_c, h) => {
      delete h.typ
    },
  ],
  [
    'VerifiableCredential is not the first type',
    (c) => {
      c.vc.type = ['VerifiableAttestation', 'VerifiableCredential']
    },
  ],
  [
    'an unsupported credentialSchema type',
    (c) => {
      c.vc.credentialSchema = {
        id: (c.vc.credentialSchema as { id: string }).id,
        type: 'ShaclValidator2017',
      }
    },
  ],
  [
    'an unsupported credentialStatus type',
    (c) => {
      c.vc.credentialStatus = {
        ...(c.vc.credentialStatus as object),
        type: 'BitstringStatusListEntry',
      }
    },
  ],
  [
    'no credentialSchema',
    (c) => {
      delete c.vc.credentialSchema
    },
  ],
  [
    'a kid of another DID',
    (_c, h, w) => {
      h.kid = w.student.kid
    },
  ],
]

describe("EBSI conformance: core's profile ebsi refuses what EBSI's verifier refuses", () => {
  it('the unbroken credential passes both (so each refusal below is the broken rule)', async () => {
    const w = world('ES256')
    const vc = await mutatedCredential(w, () => {})
    await expect(verifyCredentialJwt(vc, ebsiOptions())).resolves.toBeDefined()
    expect(codes(await verifyJwtVc(vc, { resolver: coreResolver(), profile: 'ebsi' }))).toEqual([])
  })

  for (const [name, mutate] of credentialRefusals) {
    it(`credential: ${name}`, async () => {
      const w = world('ES256')
      const vc = await mutatedCredential(w, (c, h) => mutate(c, h, w))
      await expect(verifyCredentialJwt(vc, ebsiOptions())).rejects.toThrow()
      const ours = await verifyJwtVc(vc, { resolver: coreResolver(), profile: 'ebsi' })
      expect(ours.verified).toBe(false)
      expect(ours.errors.length).toBeGreaterThan(0)
    })
  }

  /** A presentation as EBSI's rules want it, before `mutate` breaks one; signed directly. */
  async function mutatedPresentation(
    w: World,
    vcs: string[],
    mutate: (
      claims: Record<string, unknown> & { vp: Record<string, unknown> },
      header: Record<string, unknown>,
    ) => void,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      iss: w.student.did,
      sub: w.student.did,
      aud: AUDIENCE,
      nonce: NONCE,
      iat: now,
      nbf: now,
      exp: now + 300,
      vp: presentation(w.student, vcs) as Record<string, unknown>,
    }
    const header: Record<string, unknown> = { typ: 'JWT', kid: w.student.kid }
    mutate(claims, header)
    return signJws(claims, w.student.signer, header)
  }

  const presentationRefusals: [
    string,
    (
      claims: Record<string, unknown> & { vp: Record<string, unknown> },
      header: Record<string, unknown>,
    ) => void,
  ][] = [
    [
      'no sub',
      (c) => {
        delete c.sub
      },
    ],
    [
      'no nbf',
      (c) => {
        delete c.nbf
      },
    ],
    [
      'no exp',
      (c) => {
        delete c.exp
      },
    ],
    [
      'aud as an array',
      (c) => {
        c.aud = [AUDIENCE]
      },
    ],
    [
      'no typ header',
      (_c, h) => {
        delete h.typ
      },
    ],
    [
      'jti that is not the presentation id',
      (c) => {
        c.jti = 'urn:uuid:00000000-0000-4000-8000-000000000001'
      },
    ],
  ]

  it('the unbroken presentation passes both', async () => {
    const w = world('ES256')
    const vc = await issueJwtVc(diploma(w), {
      format: 'jwt_vc_json',
      signer: w.university.signer,
      profile: 'ebsi',
    })
    const vp = await mutatedPresentation(w, [vc], () => {})
    await expect(verifyPresentationJwt(vp, AUDIENCE, ebsiOptions())).resolves.toBeDefined()
    const ours = await verifyJwtVp(vp, {
      resolver: coreResolver(),
      nonce: NONCE,
      audience: AUDIENCE,
      profile: 'ebsi',
    })
    expect(codes(ours)).toEqual([])
  })

  for (const [name, mutate] of presentationRefusals) {
    it(`presentation: ${name}`, async () => {
      const w = world('ES256')
      const vc = await issueJwtVc(diploma(w), {
        format: 'jwt_vc_json',
        signer: w.university.signer,
        profile: 'ebsi',
      })
      const vp = await mutatedPresentation(w, [vc], mutate)
      await expect(verifyPresentationJwt(vp, AUDIENCE, ebsiOptions())).rejects.toThrow()
      const ours = await verifyJwtVp(vp, {
        resolver: coreResolver(),
        nonce: NONCE,
        audience: AUDIENCE,
        profile: 'ebsi',
      })
      expect(ours.verified).toBe(false)
    })
  }

  it("presentation: a holder presenting another person's credential (EBSI_VP_005)", async () => {
    const w = world('ES256')
    const vc = await issueJwtVc(diploma(w, { subject: w.other.did }), {
      format: 'jwt_vc_json',
      signer: w.university.signer,
      profile: 'ebsi',
    })
    const vp = await mutatedPresentation(w, [vc], () => {})
    await expect(verifyPresentationJwt(vp, AUDIENCE, ebsiOptions())).rejects.toThrow(/don't match/)
    const ours = await verifyJwtVp(vp, {
      resolver: coreResolver(),
      nonce: NONCE,
      audience: AUDIENCE,
      profile: 'ebsi',
    })
    expect(ours.verified).toBe(false)
    expect(ours.errors.map((e) => e.message).join('\n')).toMatch(/subject \(sub\) is not the holder/)
    // Nor does core sign one.
    await expect(
      issueJwtVp(presentation(w.student, [vc]), {
        format: 'jwt_vc_json',
        signer: w.student.signer,
        nonce: NONCE,
        audience: AUDIENCE,
        profile: 'ebsi',
      }),
    ).rejects.toMatchObject({ code: 'CLAIM_INVALID' })
  })
})

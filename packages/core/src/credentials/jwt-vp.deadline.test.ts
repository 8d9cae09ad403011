/**
 * Issue 7, "A presentation whose 64 credentials name 64 slow did:web issuers": verifyJwtVp
 * has one overall deadline (VERIFICATION_TIMEOUT) and verifies enclosed credentials in
 * parallel with a bound (default 8), so one request costs at most the deadline, not 64 times
 * the web timeout. The issuers' DID documents are served by a real HTTP server on 127.0.0.1
 * that answers slowly; only the did:web fetch is redirected to it (https → http://127.0.0.1).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import type { FetchLike } from '../did/web.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { VCDM_2_0_CONTEXT } from './data-model.js'
import { issueJwtVc } from './jwt-vc.js'
import { issueJwtVp, verifyJwtVp } from './jwt-vp.js'

const HOST = 'issuers.test'
const NONCE = 'n-deadline'
const AUDIENCE = 'https://border.example'

interface SlowServer {
  server: Server
  port: number
  delayMs: number
  started: number
  inFlight: number
  maxInFlight: number
  generation: number
}

const documents = new Map<string, unknown>()
let slow: SlowServer
let issuerKey: { publicJwk: Jwk; signer: Signer }
let holder: { did: string; signer: Signer }

function startSlowServer(): Promise<SlowServer> {
  const state = { delayMs: 0, started: 0, inFlight: 0, maxInFlight: 0, generation: 0 } as SlowServer
  state.server = createServer((request, response) => {
    // Requests left hanging by an earlier test do not count towards this one.
    const generation = state.generation
    state.started++
    state.inFlight++
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight)
    const timer = setTimeout(() => {
      const document = documents.get(request.url ?? '')
      response.writeHead(document ? 200 : 404, { 'content-type': 'application/did+json' })
      response.end(JSON.stringify(document ?? {}))
    }, state.delayMs)
    response.on('close', () => {
      clearTimeout(timer)
      if (generation === state.generation) state.inFlight--
    })
  })
  return new Promise((resolve) =>
    state.server.listen(0, '127.0.0.1', () => {
      state.port = (state.server.address() as AddressInfo).port
      resolve(state)
    }),
  )
}

// The one boundary replaced: did:web is HTTPS-only, the test server is plain HTTP on loopback.
const toLocalServer: FetchLike = (url, init) =>
  fetch(url.replace(`https://${HOST}`, `http://127.0.0.1:${slow.port}`), init)

beforeAll(async () => {
  slow = await startSlowServer()
  const issuer = await generateKeyPair('ES256')
  issuerKey = { publicJwk: issuer.publicJwk, signer: localSigner(issuer.privateJwk) }
  const holderKeys = await generateKeyPair('ES256')
  const holderDid = didJwkFromJwk(holderKeys.publicJwk)
  holder = { did: holderDid, signer: localSigner(holderKeys.privateJwk, { kid: `${holderDid}#0` }) }
})

afterAll(async () => {
  slow.server.closeAllConnections()
  await new Promise((resolve) => slow.server.close(resolve))
})

/** A presentation enclosing `count` credentials, each by its own did:web issuer. */
async function presentationFromIssuers(count: number): Promise<string> {
  const credentials: string[] = []
  for (let i = 0; i < count; i++) {
    const did = `did:web:${HOST}:issuer-${i}`
    documents.set(`/issuer-${i}/did.json`, {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: did,
      verificationMethod: [
        { id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: issuerKey.publicJwk },
      ],
      assertionMethod: [`${did}#key-1`],
    })
    credentials.push(
      await issueJwtVc(
        {
          '@context': [VCDM_2_0_CONTEXT],
          type: ['VerifiableCredential'],
          issuer: did,
          credentialSubject: { id: holder.did, n: i },
        },
        { format: 'vc+jwt', signer: issuerKey.signer, kid: `${did}#key-1` },
      ),
    )
  }
  return issueJwtVp(
    {
      '@context': [VCDM_2_0_CONTEXT],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: credentials,
    },
    { format: 'vc+jwt', signer: holder.signer, nonce: NONCE, audience: AUDIENCE },
  )
}

function reset(delayMs: number): void {
  slow.generation++
  slow.delayMs = delayMs
  slow.started = 0
  slow.inFlight = 0
  slow.maxInFlight = 0
}

describe('verifyJwtVp: one deadline, bounded parallel credential checks', () => {
  it('64 credentials from 64 issuers that never answer in time: VERIFICATION_TIMEOUT, at most 8 lookups ever started', async () => {
    reset(60_000)
    const vp = await presentationFromIssuers(64)
    const resolver = createResolver({ web: { fetch: toLocalServer, timeoutMs: 30_000 }, cache: false })
    const result = await verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUDIENCE, timeoutMs: 1_000 })
    expect(result.verified).toBe(false)
    expect(result.credentials).toHaveLength(64)
    for (const credential of result.credentials) {
      expect(credential.errors.map((e) => e.code)).toEqual(['VERIFICATION_TIMEOUT'])
    }
    // The first 8 were in flight when the deadline passed; no further lookup was started.
    expect(slow.maxInFlight).toBeLessThanOrEqual(8)
    expect(slow.started).toBeLessThanOrEqual(8)
  })

  it('16 credentials from slow issuers verify, looked up in parallel but never more than 8 at once', async () => {
    reset(300)
    const vp = await presentationFromIssuers(16)
    const resolver = createResolver({ web: { fetch: toLocalServer }, cache: false })
    const result = await verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUDIENCE })
    expect(result.errors).toEqual([])
    expect(result.credentials.every((c) => c.verified)).toBe(true)
    expect(slow.started).toBe(16)
    expect(slow.maxInFlight).toBeGreaterThan(1)
    expect(slow.maxInFlight).toBeLessThanOrEqual(8)
  })

  it('concurrency is the caller’s bound', async () => {
    reset(50)
    const vp = await presentationFromIssuers(6)
    const resolver = createResolver({ web: { fetch: toLocalServer }, cache: false })
    const result = await verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUDIENCE, concurrency: 2 })
    expect(result.verified).toBe(true)
    expect(slow.maxInFlight).toBeLessThanOrEqual(2)
  })

  it('timeoutMs and concurrency must be positive integers (INVALID_ARGUMENT)', async () => {
    const vp = await presentationFromIssuers(1)
    const resolver = createResolver({ web: { fetch: toLocalServer }, cache: false })
    for (const bad of [
      { timeoutMs: Number.NaN },
      { timeoutMs: 0 },
      { concurrency: 0 },
      { concurrency: 1.5 },
    ]) {
      await expect(
        verifyJwtVp(vp, { resolver, nonce: NONCE, audience: AUDIENCE, ...bad }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
  })
})

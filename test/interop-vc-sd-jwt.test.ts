/**
 * vc+sd-jwt (W3C vc-jose-cose §3.2: VCDM 2.0 secured with SD-JWT) with a peer implementation:
 * Transmute's `@transmute/verifiable-credentials` 0.3.3, built on the vc-jose-cose working
 * draft of January 2024, whose media type was `application/vc-ld+sd-jwt`.
 *
 * - core → peer: credentials core issues, fully and selectively disclosed, verify with it;
 * - peer → core: its credentials verify with core (which accepts the draft's media type).
 *   With Disclosures, the peer ends the token after the last Disclosure, where RFC 9901 §4
 *   requires a `~` (without it the last part would be a KB-JWT): core refuses that, and
 *   verifies the same token once the `~` is there, so digests and Disclosures agree.
 */
import {
  generateKeyPair,
  issueVcSdJwt,
  type Jwk,
  localSigner,
  presentSdJwt,
  type Signer,
  signJws,
  VCDM_2_0_CONTEXT,
  verifyVcSdJwt,
} from '@civitas/core'
import * as transmute from '@transmute/verifiable-credentials'
import { beforeAll, describe, expect, it } from 'vitest'

const PEER_TYPE = 'application/vc-ld+sd-jwt'
const ISSUER = 'did:example:university'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

let publicJwk: Jwk
let signer: Signer

beforeAll(async () => {
  const keys = await generateKeyPair('ES256')
  publicJwk = keys.publicJwk
  signer = localSigner(keys.privateJwk, { kid: `${ISSUER}#key-1` })
})

function peerVerifier() {
  const content = encoder.encode(JSON.stringify(publicJwk))
  return transmute.verifier({
    resolver: { resolve: async () => ({ type: 'application/jwk+json', content }) },
  })
}

async function peerVerify(token: string): Promise<Record<string, unknown>> {
  return (await peerVerifier().verify({
    type: PEER_TYPE,
    content: encoder.encode(token),
  } as never)) as Record<string, unknown>
}

/** The peer's issuer, signing with core's Signer (it hands over the payload bytes only). */
async function peerIssue(yaml: string): Promise<string> {
  const issued = await transmute
    .issuer({
      alg: 'ES256',
      type: PEER_TYPE,
      signer: {
        sign: async (bytes: Uint8Array) =>
          encoder.encode(await signJws(JSON.parse(decoder.decode(bytes)), signer, { typ: PEER_TYPE })),
      },
    } as never)
    .issue({ claimset: encoder.encode(yaml) } as never)
  return decoder.decode(issued as Uint8Array)
}

const credential = () => ({
  '@context': [VCDM_2_0_CONTEXT],
  id: 'https://university.example/credentials/1872',
  type: ['VerifiableCredential', 'ExampleAlumniCredential'],
  issuer: ISSUER,
  validFrom: '2026-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:alice', name: 'Alice', alumniOf: 'Example University' },
})

const yaml = (subjectName: string) => `
"@context":
  - ${VCDM_2_0_CONTEXT}
id: https://university.example/credentials/1872
type:
  - VerifiableCredential
  - ExampleAlumniCredential
issuer: ${ISSUER}
validFrom: "2026-01-01T00:00:00Z"
credentialSubject:
  id: did:example:alice
  ${subjectName}: Alice
  alumniOf: Example University
`

describe('interop: vc+sd-jwt with @transmute/verifiable-credentials', () => {
  it("core's credential verifies with the peer, in full and with Disclosures withheld", async () => {
    const token = await issueVcSdJwt(credential(), {
      signer,
      disclosable: ['/credentialSubject/name', '/credentialSubject/alumniOf'],
    })
    expect(await peerVerify(token)).toMatchObject(credential())
    const presented = await presentSdJwt(token, { disclose: ['/credentialSubject/alumniOf'] })
    const seen = await peerVerify(presented)
    expect(seen.credentialSubject).toEqual({ id: 'did:example:alice', alumniOf: 'Example University' })
  })

  it("the peer's credential verifies with core", async () => {
    const token = await peerIssue(yaml('name'))
    const result = await verifyVcSdJwt(token, { publicJwk })
    expect(result.errors).toEqual([])
    expect(result.credential).toMatchObject(credential())
  })

  it("the peer's selectively disclosable credential verifies with core once it ends in ~ (RFC 9901 §4)", async () => {
    const token = await peerIssue(yaml('!sd name'))
    expect(token.endsWith('~')).toBe(false)
    const asIs = await verifyVcSdJwt(token, { publicJwk })
    expect(asIs.verified).toBe(false)
    const result = await verifyVcSdJwt(`${token}~`, { publicJwk })
    expect(result.errors).toEqual([])
    expect(result.credential).toMatchObject(credential())
    expect(result.disclosures).toEqual([
      expect.objectContaining({ name: 'name', path: '/credentialSubject/name' }),
    ])
  })
})

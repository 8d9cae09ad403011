import { describe, expect, it } from 'vitest'
import { didJwkFromJwk } from '../did/jwk.js'
import { createResolver } from '../did/resolver.js'
import { signJws } from '../jose/sign.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { issueStatusListToken, verifyStatusListToken } from './status-list-token.js'
import { encodeTokenStatusList } from './token-status-list.js'

const NOW = 1_760_000_000

/** The codes of a verification that must fail, and no list with them. */
async function failure(
  result: Promise<{ verified: boolean; list?: unknown; errors: readonly { code: string }[] }>,
): Promise<string[]> {
  const { verified, list, errors } = await result
  expect(verified).toBe(false)
  expect(list).toBeUndefined()
  return errors.map((e) => e.code)
}
const URI = 'https://issuer.example/status/1'

describe('IETF Status List Token (statuslist+jwt)', () => {
  it('issues and verifies; the list reads back', async () => {
    const keys = await generateKeyPair('ES256')
    const token = await issueStatusListToken(
      {
        iss: 'https://issuer.example',
        sub: URI,
        statuses: [0, 1, 2, 0],
        bits: 2,
        iat: NOW,
        exp: NOW + 3600,
        ttl: 300,
      },
      { signer: localSigner(keys.privateJwk) },
    )
    const result = await verifyStatusListToken(token, { publicJwk: keys.publicJwk, uri: URI, now: NOW })
    expect(result.errors).toEqual([])
    expect(result.verified).toBe(true)
    expect(result.header?.typ).toBe('statuslist+jwt')
    expect(result.payload).toMatchObject({ sub: URI, ttl: 300 })
    expect([0, 1, 2, 3].map((i) => result.list?.get(i))).toEqual([0, 1, 2, 0])
    expect(result.signatures).toEqual([{ role: 'issuer', alg: 'ES256', publicJwk: keys.publicJwk }])
  })

  it('fails closed, never throwing for a token: another list (STATUS_LIST_INVALID), expired (CREDENTIAL_EXPIRED), foreign key; no list then', async () => {
    const keys = await generateKeyPair('ES256')
    const token = await issueStatusListToken(
      { iss: 'https://issuer.example', sub: URI, statuses: [1], bits: 1, iat: NOW, exp: NOW + 10 },
      { signer: localSigner(keys.privateJwk) },
    )
    expect(
      await failure(verifyStatusListToken(token, { publicJwk: keys.publicJwk, uri: `${URI}x`, now: NOW })),
    ).toEqual(['STATUS_LIST_INVALID'])
    expect(
      await failure(verifyStatusListToken(token, { publicJwk: keys.publicJwk, uri: URI, now: NOW + 3600 })),
    ).toEqual(['CREDENTIAL_EXPIRED'])
    const other = await generateKeyPair('ES256')
    expect(
      await failure(verifyStatusListToken(token, { publicJwk: other.publicJwk, uri: URI, now: NOW })),
    ).toEqual(['SIGNATURE_INVALID'])
  })

  it('the caller must name the list it expects: without uri, INVALID_ARGUMENT (fail closed)', async () => {
    const keys = await generateKeyPair('ES256')
    // A genuine, all-valid list of the same issuer, for another list than the credential's.
    const token = await issueStatusListToken(
      { iss: 'https://issuer.example', sub: `${URI}-other`, statuses: [0, 0], bits: 1, iat: NOW },
      { signer: localSigner(keys.privateJwk) },
    )
    for (const uri of [undefined, '', 42]) {
      await expect(
        verifyStatusListToken(token, { publicJwk: keys.publicJwk, uri, now: NOW } as never),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    }
    expect(
      await failure(verifyStatusListToken(token, { publicJwk: keys.publicJwk, uri: URI, now: NOW })),
    ).toEqual(['STATUS_LIST_INVALID'])
  })
})

describe('IETF Status List Token signer', () => {
  it('a token without iss does not verify through whatever DID its kid names', async () => {
    const keys = await generateKeyPair('ES256')
    const did = didJwkFromJwk(keys.publicJwk)
    const token = await signJws(
      { sub: URI, iat: NOW, status_list: encodeTokenStatusList([0], { bits: 1 }) },
      localSigner(keys.privateJwk),
      { typ: 'statuslist+jwt', kid: `${did}#0` },
    )
    const resolver = createResolver({ web: false, cache: false })
    expect(await failure(verifyStatusListToken(token, { resolver, uri: URI, now: NOW }))).toEqual([
      'CLAIM_INVALID',
    ])
  })
})

describe('IETF Status List Token claims', () => {
  it('iat is required (CLAIM_INVALID)', async () => {
    const keys = await generateKeyPair('ES256')
    const token = await signJws(
      { iss: 'https://issuer.example', sub: URI, status_list: encodeTokenStatusList([0], { bits: 1 }) },
      localSigner(keys.privateJwk),
      { typ: 'statuslist+jwt' },
    )
    expect(
      await failure(verifyStatusListToken(token, { publicJwk: keys.publicJwk, uri: URI, now: NOW })),
    ).toEqual(['CLAIM_INVALID'])
  })
})

import { describe, expect, it } from 'vitest'
import { issueJwtVc, verifyJwtVc } from '../credentials/jwt-vc.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner } from '../keys/signer.js'
import { BITSTRING_STATUS_LIST_MIN_ENTRIES, decodeBitstringStatusList } from './bitstring-status-list.js'
import { createBitstringStatusListCredential } from './bitstring-status-list-credential.js'

const NOW = 1_760_000_000
const URI = 'https://issuer.example/status/1'

describe('W3C BitstringStatusListCredential', () => {
  it('is a valid VCDM 2.0 credential whose encodedList decodes', async () => {
    const keys = await generateKeyPair('ES256')
    const statuses = new Uint8Array(BITSTRING_STATUS_LIST_MIN_ENTRIES)
    statuses[94_567] = 1
    const credential = createBitstringStatusListCredential({
      id: URI,
      issuer: 'https://issuer.example',
      statusPurpose: 'revocation',
      statuses,
    })
    const jwt = await issueJwtVc(credential, { format: 'vc+jwt', signer: localSigner(keys.privateJwk) })
    const result = await verifyJwtVc(jwt, { publicJwk: keys.publicJwk, now: NOW })
    expect(result.errors).toEqual([])
    const subject = result.credential?.credentialSubject as { encodedList: string; type: string }
    expect(subject.type).toBe('BitstringStatusList')
    expect(decodeBitstringStatusList(subject.encodedList).get(94_567)).toBe(1)
  })

  it.each([
    ['input null', null],
    ['an unknown statusPurpose', { statusPurpose: 'expiry' }],
    ['a statusPurpose with toString: null', { statusPurpose: { toString: null } }],
    ['an empty id', { id: '' }],
    ['a negative ttl', { ttl: -1 }],
    ['a NaN ttl', { ttl: Number.NaN }],
    ['a numeric validFrom', { validFrom: 5 }],
  ])('%s: INVALID_ARGUMENT', (_name, change) => {
    const input =
      change === null
        ? null
        : { id: URI, issuer: 'https://issuer.example', statusPurpose: 'revocation', statuses: [], ...change }
    expect(() => createBitstringStatusListCredential(input as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

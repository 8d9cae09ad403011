import { describe, expect, it } from 'vitest'
import { splitSdJwt } from './serialization.js'
import { verifySdJwt } from './verify.js'

// RFC 9901 §5.2: the presentation of the §5.1 SD-JWT with a KB-JWT, and the issuer key of
// Appendix A.5. Signed in 2025, so evaluated at the KB-JWT's iat.
const ISSUER_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ',
  y: 'Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8',
}
const PRESENTATION = [
  'eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBbIkNyUWU3UzVrcUJBSHQtbk1ZWGdjNmJk',
  'dDJTSDVhVFkxc1VfTS1QZ2tqUEkiLCAiSnpZakg0c3ZsaUgwUjNQeUVNZmVadTZKdDY5dTVxZWhabzdGN0VQWWxTRSIsICJQb3JG',
  'YnBLdVZ1Nnh5bUphZ3ZrRnNGWEFiUm9jMkpHbEFVQTJCQTRvN2NJIiwgIlRHZjRvTGJnd2Q1SlFhSHlLVlFaVTlVZEdFMHc1cnRE',
  'c3JaemZVYW9tTG8iLCAiWFFfM2tQS3QxWHlYN0tBTmtxVlI2eVoyVmE1TnJQSXZQWWJ5TXZSS0JNTSIsICJYekZyendzY002R242',
  'Q0pEYzZ2Vks4QmtNbmZHOHZPU0tmcFBJWmRBZmRFIiwgImdiT3NJNEVkcTJ4Mkt3LXc1d1BFemFrb2I5aFYxY1JEMEFUTjNvUUw5',
  'Sk0iLCAianN1OXlWdWx3UVFsaEZsTV8zSmx6TWFTRnpnbGhRRzBEcGZheVF3TFVLNCJdLCAiaXNzIjogImh0dHBzOi8vaXNzdWVy',
  'LmV4YW1wbGUuY29tIiwgImlhdCI6IDE2ODMwMDAwMDAsICJleHAiOiAxODgzMDAwMDAwLCAic3ViIjogInVzZXJfNDIiLCAibmF0',
  'aW9uYWxpdGllcyI6IFt7Ii4uLiI6ICJwRm5kamtaX1ZDem15VGE2VWpsWm8zZGgta284YUlLUWM5RGxHemhhVllvIn0sIHsiLi4u',
  'IjogIjdDZjZKa1B1ZHJ5M2xjYndIZ2VaOGtoQXYxVTFPU2xlclAwVmtCSnJXWjAifV0sICJfc2RfYWxnIjogInNoYS0yNTYiLCAi',
  'Y25mIjogeyJqd2siOiB7Imt0eSI6ICJFQyIsICJjcnYiOiAiUC0yNTYiLCAieCI6ICJUQ0FFUjE5WnZ1M09IRjRqNFc0dmZTVm9I',
  'SVAxSUxpbERsczd2Q2VHZW1jIiwgInkiOiAiWnhqaVdXYlpNUUdIVldLVlE0aGJTSWlyc1ZmdWVjQ0U2dDRqVDlGMkhaUSJ9fX0.',
  'xJUoRLl1sVRxz57ralck9kBWbzbq0soK6dQ5liBXuge3IY8vVYq2xi1tywYwvlRTtPIM2A-XDzyta-SaJLhexQ~WyJlbHVWNU9nM',
  '2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd~WyJBSngtMDk1VlBycFR0TjRRTU9xUk9BIiwgImFkZHJlc3Mi',
  'LCB7InN0cmVldF9hZGRyZXNzIjogIjEyMyBNYWluIFN0IiwgImxvY2FsaXR5IjogIkFueXRvd24iLCAicmVnaW9uIjogIkFueXN0',
  'YXRlIiwgImNvdW50cnkiOiAiVVMifV0~WyIyR0xDNDJzS1F2ZUNmR2ZyeU5STjl3IiwgImdpdmVuX25hbWUiLCAiSm9obiJd~WyJ',
  'sa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIlVTIl0~eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImtiK2p3dCJ9.eyJub25jZSI6IC',
  'IxMjM0NTY3ODkwIiwgImF1ZCI6ICJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUub3JnIiwgImlhdCI6IDE3NDg1MzY4NjUsICJzZF',
  '9oYXNoIjogImZNVjA1dnVNQVJzM3VHMERnMEJZZF83bVFSOUVHQmtSb2YwY1RaeXVxWEUifQ.76YniH11s4EDLnqNXKzYtIU1yXE',
  'BNzY8wfTd1QkpKzcJ0JY_KXbURL8qQBJA7xpZiA8vXYrlpPpd4yfHJTfhQA',
].join('')
const KB_IAT = 1748536865
const PROCESSED = {
  iss: 'https://issuer.example.com',
  iat: 1683000000,
  exp: 1883000000,
  sub: 'user_42',
  nationalities: ['US'],
  cnf: {
    jwk: {
      kty: 'EC',
      crv: 'P-256',
      x: 'TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc',
      y: 'ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ',
    },
  },
  family_name: 'Doe',
  address: {
    street_address: '123 Main St',
    locality: 'Anytown',
    region: 'Anystate',
    country: 'US',
  },
  given_name: 'John',
}

describe('RFC 9901 §5 example', () => {
  it('verifies with its KB-JWT and yields the processed payload', async () => {
    const result = await verifySdJwt(PRESENTATION, {
      publicJwk: ISSUER_JWK,
      profile: 'sd-jwt',
      now: KB_IAT,
      nonce: '1234567890',
      audience: 'https://verifier.example.org',
    })
    expect(result.errors).toEqual([])
    expect(result.claims).toEqual(PROCESSED)
  })

  it('fails once a Disclosure is dropped (sd_hash covers the exact presentation)', async () => {
    const { jwt, disclosures, kbJwt } = splitSdJwt(PRESENTATION)
    const shorter = `${[jwt, ...disclosures.slice(1)].join('~')}~${kbJwt}`
    const result = await verifySdJwt(shorter, {
      publicJwk: ISSUER_JWK,
      profile: 'sd-jwt',
      now: KB_IAT,
      nonce: '1234567890',
      audience: 'https://verifier.example.org',
    })
    expect(result.errors.map((e) => e.code)).toEqual(['KB_SD_HASH_MISMATCH'])
  })
})

import { type DcqlCredential, DcqlQuery } from 'dcql'
import { describe, expect, it } from 'vitest'
import type { StoredCredential } from './credentials.js'
import { matchCandidates, parseDcqlQuery } from './dcql.js'

function sdJwt(id: string, claims: Record<string, unknown>, disclosable: string[] = []): StoredCredential {
  return {
    id,
    format: 'dc+sd-jwt',
    token: '',
    types: ['urn:eudi:pid:1'],
    issuer: 'did:example:issuer',
    keyId: 'k',
    holder: 'did:example:holder',
    claims: { vct: 'urn:eudi:pid:1', iss: 'did:example:issuer', ...claims },
    disclosable,
    acceptedAt: '2026-01-01T00:00:00Z',
  }
}

const credentials = [
  sdJwt('a', {
    given_name: 'Erika',
    age_over_18: true,
    nationalities: ['DE', 'FR'],
    address: { locality: 'Köln' },
  }),
  sdJwt('b', { given_name: 'Max', age_over_18: false, nationalities: ['AT'] }),
  sdJwt('c', { given_name: null, age_over_18: 'yes', nationalities: [], address: { locality: 'Wien' } }),
  sdJwt('d', { family_name: 'X', nationalities: ['FR', 'DE'], age_over_18: 1 }),
  sdJwt('e', { given_name: 'Ada', age_over_18: true, nationalities: 'DE', address: ['Köln'] }),
]

const claimQueries: unknown[][] = [
  [{ path: ['given_name'] }],
  [{ path: ['age_over_18'], values: [true] }],
  [{ path: ['age_over_18'], values: [true, 1, 'yes'] }],
  [{ path: ['nationalities', 0] }],
  [{ path: ['nationalities', 1], values: ['DE'] }],
  [{ path: ['address', 'locality'] }],
  [{ path: ['address'] }, { path: ['given_name'] }],
  [{ path: ['address', 0] }],
]

function direct(query: unknown): string[] {
  const parsed = DcqlQuery.parse(query as DcqlQuery.Input)
  const all = credentials.map(
    (c): DcqlCredential => ({
      credential_format: 'dc+sd-jwt',
      vct: c.types[0] as string,
      claims: c.claims as never,
      cryptographic_holder_binding: true,
    }),
  )
  const result = DcqlQuery.query(parsed, all)
  return (result.credential_matches.q?.valid_credentials ?? []).map(
    (v) => credentials[v.input_credential_index]?.id as string,
  )
}

describe('DCQL matching runs dcql once per projection, with the same outcome as dcql on each credential', () => {
  for (const claims of claimQueries) {
    it(`claims ${JSON.stringify(claims)}`, () => {
      const query = { credentials: [{ id: 'q', format: 'dc+sd-jwt', claims }] }
      const ours = matchCandidates(parseDcqlQuery(query), () => credentials).q?.map((c) => c.credentialId)
      expect(ours).toEqual(direct(query))
    })
  }

  it('a null wildcard over an empty array selects nothing (OpenID4VP 1.0 §7.1), where dcql 3.0.0 matches', () => {
    const query = {
      credentials: [
        { id: 'q', format: 'dc+sd-jwt', claims: [{ path: ['nationalities', null], values: ['FR'] }] },
      ],
    }
    // dcql reports no issue for an empty array (its "every element failed" loop is empty), so
    // it accepts credential c; the spec's processing yields an empty selection, an unmatched claim.
    expect(direct(query)).toEqual(['a', 'c', 'd'])
    expect(matchCandidates(parseDcqlQuery(query), () => credentials).q?.map((c) => c.credentialId)).toEqual([
      'a',
      'd',
    ])
  })

  it('claim_sets pick the first satisfiable set per credential, as dcql does', () => {
    const query = {
      credentials: [
        {
          id: 'q',
          format: 'dc+sd-jwt',
          claims: [
            { id: 'n', path: ['given_name'] },
            { id: 'f', path: ['family_name'] },
            { id: 'fr', path: ['nationalities', null], values: ['FR'] },
          ],
          claim_sets: [['n', 'fr'], ['f'], ['n']],
        },
      ],
    }
    const ours = matchCandidates(parseDcqlQuery(query), () => credentials).q ?? []
    expect(ours.map((c) => [c.credentialId, c.claimSetIndex])).toEqual([
      ['a', 0],
      ['b', 2],
      ['d', 1],
      ['e', 2],
    ])
    expect(ours.map((c) => c.credentialId)).toEqual(direct(query))
  })
})

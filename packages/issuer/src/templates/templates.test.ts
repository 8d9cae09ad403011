import { describe, expect, it } from 'vitest'
import {
  BUILT_IN_TEMPLATES,
  defineTemplate,
  diplomaTemplate,
  ELM_CONTEXT,
  findTemplate,
  pidTemplate,
  renderTemplate,
  templateRegistry,
} from './index.js'
import { ageAt } from './pid.js'

// Issue #9 "Templates": the diploma (EBSI VerifiableDiploma / ELM), the PID-like SD-JWT VC
// and user templates, rendered without a chain or a store.

const ISSUER = 'did:ethr:0x7a69:0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const at = new Date('2026-11-29T10:00:00Z')
const ctx = (format: 'jwt_vc_json' | 'vc+jwt' | 'dc+sd-jwt') => ({ format, issuer: ISSUER, issuedAt: at })

const diplomaClaims = () => ({
  identifier: 'S-20231',
  givenNames: 'Chiara',
  familyName: 'Rossi',
  dateOfBirth: '2001-03-14',
  awardingBody: {
    name: 'Università di Bologna',
    homepage: 'https://www.unibo.it/',
    registration: '80007010376',
  },
  qualification: { title: 'Laurea Magistrale in Informatica', eqfLevel: 7, iscedfCode: '0613', ects: 120 },
  awardDate: '2026-07-15',
  country: 'IT',
})

const pidClaims = () => ({
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '2005-12-01',
  nationalities: ['DE', 'IT'],
  address: {
    street_address: 'Heidestraße',
    house_number: '17',
    postal_code: '51147',
    locality: 'Köln',
    country: 'DE',
  },
})

function codeOf(fn: () => unknown): { code?: string; details?: Record<string, unknown> } {
  try {
    fn()
  } catch (error) {
    return error as { code?: string; details?: Record<string, unknown> }
  }
  throw new Error('expected a throw')
}

describe('diploma template', () => {
  it('jwt_vc_json renders EBSI VerifiableDiploma: VerifiableAttestation type, givenNames/familyName/dateOfBirth, awardingBody (default id: the issuer), iscedfCode and eqfLevel', () => {
    const r = renderTemplate(diplomaTemplate, diplomaClaims(), ctx('jwt_vc_json'))
    expect(r.types).toEqual(['VerifiableAttestation', 'VerifiableDiploma'])
    expect(r.contexts).toEqual([])
    expect(r.claims).toEqual({
      identifier: 'S-20231',
      givenNames: 'Chiara',
      familyName: 'Rossi',
      dateOfBirth: '2001-03-14',
      awardingOpportunity: {
        awardingBody: {
          id: ISSUER,
          eidasLegalIdentifier: 'Unknown',
          registration: '80007010376',
          preferredName: 'Università di Bologna',
          homepage: 'https://www.unibo.it/',
        },
        location: 'IT',
        endedAtTime: '2026-07-15T00:00:00Z',
      },
      learningAchievement: { title: 'Laurea Magistrale in Informatica' },
      learningSpecification: { iscedfCode: ['0613'], eqfLevel: 7, ectsCreditPoints: 120 },
    })
  })

  it('vc+jwt renders the Europass / ELM fields: a Person with hasClaim → LearningAchievement, awardedBy (awardingBody, awardingDate), specifiedBy Qualification with EQF level and ISCED-F concepts', () => {
    const r = renderTemplate(diplomaTemplate, { ...diplomaClaims(), language: 'it' }, ctx('vc+jwt'))
    expect(r.contexts).toEqual([ELM_CONTEXT])
    expect(r.types).toEqual(['VerifiableAttestation', 'VerifiableDiploma'])
    expect(r.claims).toMatchObject({
      type: 'Person',
      givenName: { it: 'Chiara' },
      familyName: { it: 'Rossi' },
      dateOfBirth: '2001-03-14T00:00:00Z',
      hasClaim: [
        {
          type: 'LearningAchievement',
          awardedBy: {
            type: 'AwardingProcess',
            awardingDate: '2026-07-15T00:00:00Z',
            awardingBody: [{ id: ISSUER, type: 'Organisation', legalName: { it: 'Università di Bologna' } }],
          },
          specifiedBy: {
            type: 'Qualification',
            title: { it: 'Laurea Magistrale in Informatica' },
            eqfLevel: { id: 'http://data.europa.eu/snb/eqf/7', type: 'Concept' },
            ISCEDFCode: [{ id: 'http://data.europa.eu/snb/isced-f/0613', type: 'Concept' }],
          },
        },
      ],
    })
  })

  it('claims that do not fit are CLAIM_INVALID naming the claim path: missing, out of range, unknown, wrong type', () => {
    const { title: _, ...untitled } = diplomaClaims().qualification
    const missing = { ...diplomaClaims(), qualification: untitled }
    expect(codeOf(() => renderTemplate(diplomaTemplate, missing, ctx('vc+jwt')))).toMatchObject({
      code: 'CLAIM_INVALID',
      details: { path: '/qualification/title', template: 'diploma' },
    })
    const level = diplomaClaims()
    level.qualification.eqfLevel = 9
    expect(codeOf(() => renderTemplate(diplomaTemplate, level, ctx('vc+jwt')))).toMatchObject({
      code: 'CLAIM_INVALID',
      details: { path: '/qualification/eqfLevel' },
    })
    expect(
      codeOf(() => renderTemplate(diplomaTemplate, { ...diplomaClaims(), grade: 'A' }, ctx('vc+jwt'))),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/grade' } })
    expect(
      codeOf(() =>
        renderTemplate(
          diplomaTemplate,
          { ...diplomaClaims(), dateOfBirth: '14/03/2001' },
          ctx('jwt_vc_json'),
        ),
      ),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/dateOfBirth' } })
  })

  it('is not an SD-JWT VC template: dc+sd-jwt is FORMAT_UNSUPPORTED', () => {
    expect(codeOf(() => renderTemplate(diplomaTemplate, diplomaClaims(), ctx('dc+sd-jwt')))).toMatchObject({
      code: 'FORMAT_UNSUPPORTED',
      details: { template: 'diploma', supported: ['jwt_vc_json', 'vc+jwt'] },
    })
  })
})

describe('pid template (EUDI PID claim names)', () => {
  it('vct urn:eudi:pid:1; age_over_NN, age_in_years and age_birth_year derived at issuance', () => {
    const r = renderTemplate(pidTemplate, pidClaims(), ctx('dc+sd-jwt'))
    expect(r.vct).toBe('urn:eudi:pid:1')
    // Born 2005-12-01, issued 2026-11-29: 20 years old, 21 only two days later.
    expect(r.claims).toMatchObject({
      age_over_14: true,
      age_over_16: true,
      age_over_18: true,
      age_over_21: false,
      age_over_65: false,
      age_in_years: 20,
      age_birth_year: 2005,
    })
  })

  it('every claim is disclosable: each top-level claim, each address part, each nationality', () => {
    const r = renderTemplate(pidTemplate, pidClaims(), ctx('dc+sd-jwt'))
    expect(r.disclosable).toEqual(
      expect.arrayContaining([
        '/given_name',
        '/family_name',
        '/birthdate',
        '/nationalities',
        '/nationalities/0',
        '/nationalities/1',
        '/address',
        '/address/street_address',
        '/address/house_number',
        '/address/postal_code',
        '/address/locality',
        '/address/country',
        '/age_over_18',
        '/age_over_21',
        '/age_in_years',
        '/age_birth_year',
      ]),
    )
    expect(r.disclosable).toHaveLength(
      Object.keys(r.claims).length + 2 + Object.keys(pidClaims().address).length,
    )
  })

  it('derived claims cannot be supplied, and W3C formats are FORMAT_UNSUPPORTED', () => {
    expect(
      codeOf(() => renderTemplate(pidTemplate, { ...pidClaims(), age_over_18: true }, ctx('dc+sd-jwt'))),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/age_over_18' } })
    expect(
      codeOf(() => renderTemplate(pidTemplate, { ...pidClaims(), nationalities: ['deu'] }, ctx('dc+sd-jwt'))),
    ).toMatchObject({ code: 'CLAIM_INVALID', details: { path: '/nationalities/0' } })
    expect(codeOf(() => renderTemplate(pidTemplate, pidClaims(), ctx('vc+jwt')))).toMatchObject({
      code: 'FORMAT_UNSUPPORTED',
    })
  })

  it('ageAt counts whole years on UTC calendar dates (the birthday itself counts)', () => {
    expect(ageAt('2008-11-29', new Date('2026-11-29T00:00:00Z'))).toBe(18)
    expect(ageAt('2008-11-30', new Date('2026-11-29T23:59:59Z'))).toBe(17)
    expect(ageAt('2008-02-29', new Date('2026-02-28T12:00:00Z'))).toBe(17)
    expect(ageAt('2008-02-29', new Date('2026-03-01T00:00:00Z'))).toBe(18)
  })
})

describe('defineTemplate', () => {
  const membership = defineTemplate({
    id: 'library-card',
    type: 'LibraryCard',
    extraTypes: ['VerifiableAttestation'],
    context: { 'vc+jwt': ['https://library.example/contexts/v1'] },
    formats: ['vc+jwt', 'dc+sd-jwt'],
    credentialSchema: { 'vc+jwt': { id: 'https://library.example/schemas/card', type: 'JsonSchema' } },
    schema: {
      type: 'object',
      required: ['cardNumber'],
      additionalProperties: false,
      properties: { cardNumber: { type: 'string', pattern: '^[0-9]{6}$' }, branch: { type: 'string' } },
    },
    disclosable: ['/branch'],
    build: (claims) => ({ ...claims, memberSince: 2026 }),
  })

  it('types, contexts, credentialSchema and disclosable per format; build adds claims', () => {
    const w3c = renderTemplate(membership, { cardNumber: '004711', branch: 'Nord' }, ctx('vc+jwt'))
    expect(w3c).toMatchObject({
      types: ['VerifiableAttestation', 'LibraryCard'],
      contexts: ['https://library.example/contexts/v1'],
      credentialSchema: { id: 'https://library.example/schemas/card', type: 'JsonSchema' },
      claims: { cardNumber: '004711', branch: 'Nord', memberSince: 2026 },
    })
    const sd = renderTemplate(membership, { cardNumber: '004711', branch: 'Nord' }, ctx('dc+sd-jwt'))
    expect(sd).toMatchObject({ vct: 'LibraryCard', disclosable: ['/branch'], contexts: [] })
    expect(sd.credentialSchema).toBeUndefined()
    expect(codeOf(() => renderTemplate(membership, { cardNumber: '47' }, ctx('vc+jwt')))).toMatchObject({
      code: 'CLAIM_INVALID',
      details: { path: '/cardNumber', template: 'library-card' },
    })
  })

  it('a bad definition is INVALID_ARGUMENT: no id, a type that is no name, an unknown format, a schema that does not compile, a build that is no function', () => {
    const bad = [
      { type: 'X' },
      { id: 'x', type: 'not a type' },
      { id: 'x', type: 'X', formats: ['ldp_vc'] },
      { id: 'x', type: 'X', schema: { type: 'no-such-type' } },
      { id: 'x', type: 'X', build: 'nope' },
      { id: 'x', type: 'X', disclosable: ['given_name'] },
      { id: 'x', type: 'X', context: 'https://example' },
    ]
    for (const definition of bad) {
      expect(codeOf(() => defineTemplate(definition as never)).code).toBe('INVALID_ARGUMENT')
    }
  })

  it('a build that throws is CLAIM_INVALID with the error as cause, not a raw TypeError', () => {
    const broken = defineTemplate({
      id: 'broken',
      type: 'Broken',
      build: (claims) => ({ n: (claims.missing as { x: number }).x }),
    })
    const error = codeOf(() => renderTemplate(broken, {}, ctx('vc+jwt'))) as {
      code?: string
      cause?: unknown
    }
    expect(error.code).toBe('CLAIM_INVALID')
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('claims nested deeper than the bound are CLAIM_INVALID before any schema or build sees them', () => {
    let deep: Record<string, unknown> = {}
    const root = deep
    for (let i = 0; i < 10_000; i++) deep = deep.a = {}
    const open = defineTemplate({ id: 'open', type: 'Open' })
    expect(codeOf(() => renderTemplate(open, root, ctx('vc+jwt'))).code).toBe('CLAIM_INVALID')
  })

  it('the registry: built-ins by id, a user template of the same id replaces one, two user templates of one id are refused, lookups are own names only', () => {
    const registry = templateRegistry(BUILT_IN_TEMPLATES, [membership])
    expect([...registry.keys()].sort()).toEqual(['diploma', 'library-card', 'pid'])
    const own = { ...diplomaTemplate, id: 'diploma', type: 'MasterDiploma' }
    expect(findTemplate(templateRegistry(BUILT_IN_TEMPLATES, [own]), 'diploma').type).toBe('MasterDiploma')
    expect(codeOf(() => templateRegistry(BUILT_IN_TEMPLATES, [membership, membership])).code).toBe(
      'INVALID_ARGUMENT',
    )
    for (const name of ['nope', 'constructor', '__proto__', 42]) {
      expect(codeOf(() => findTemplate(registry, name)).code).toBe('TEMPLATE_NOT_FOUND')
    }
  })
})

describe('disclosable pointers to claims a credential does not carry', () => {
  const schema = {
    type: 'object',
    required: ['cardNumber'],
    properties: {
      cardNumber: { type: 'string' },
      branch: { type: 'string' },
      address: { type: 'object', properties: { locality: { type: 'string' } } },
    },
  }
  const sd = { format: 'dc+sd-jwt', issuer: 'did:example:issuer', issuedAt: new Date(0) } as const

  it('an optional claim the schema declares is skipped when absent, kept when present', () => {
    const card = defineTemplate({
      id: 'card',
      type: 'Card',
      schema,
      disclosable: ['/branch', '/address/locality'],
    })
    expect(renderTemplate(card, { cardNumber: '1' }, sd).disclosable).toEqual([])
    expect(
      renderTemplate(card, { cardNumber: '1', branch: 'Nord', address: { locality: 'Roma' } }, sd)
        .disclosable,
    ).toEqual(['/branch', '/address/locality'])
  })

  it('a misspelt pointer (top level or nested) and any absent pointer of a template with build stay, so core refuses them', () => {
    const typo = defineTemplate({
      id: 'typo',
      type: 'Card',
      schema,
      disclosable: ['/brnach', '/address/locailty'],
    })
    expect(
      renderTemplate(typo, { cardNumber: '1', branch: 'Nord', address: { locality: 'Roma' } }, sd)
        .disclosable,
    ).toEqual(['/brnach', '/address/locailty'])
    const built = defineTemplate({
      id: 'built',
      type: 'Card',
      schema,
      disclosable: ['/branch'],
      build: (claims) => ({ ...claims, renamed: claims.branch }),
    })
    expect(renderTemplate(built, { cardNumber: '1' }, sd).disclosable).toEqual(['/branch'])
  })
})

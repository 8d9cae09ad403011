import { type CredentialTemplate, defineTemplate, type TemplateBuildContext } from './define.js'

// A university diploma, one set of claims, two renderings:
// - jwt_vc_json: EBSI's `VerifiableDiploma` (VCDM 1.1, the subject shape of EBSI's diploma
//   schema: givenNames, familyName, dateOfBirth, awardingOpportunity.awardingBody,
//   learningAchievement, learningSpecification with iscedfCode / eqfLevel);
// - vc+jwt: a VCDM 2.0 credential carrying the Europass / European Learning Model (ELM 3)
//   fields: a Person with hasClaim → LearningAchievement, awardedBy → AwardingProcess
//   (awardingBody, awardingDate), specifiedBy → Qualification (eqfLevel, ISCEDFCode).

/** The European Learning Model's JSON-LD context (Europass Digital Credentials application profile). */
export const ELM_CONTEXT = 'http://data.europa.eu/snb/model/context/edc-ap'

const text = { type: 'string', minLength: 1, maxLength: 1024 } as const
const uri = { type: 'string', format: 'uri', maxLength: 2048 } as const
const fullDate = { type: 'string', format: 'date' } as const
/** ISCED-F 2013 field codes: broad (2 digits), narrow (3), detailed (4). */
const iscedCode = { type: 'string', pattern: '^[0-9]{2,4}$' } as const

/** JSON Schema (2020-12) of the claims `issue({ template: 'diploma' })` takes. */
export const DIPLOMA_CLAIMS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['givenNames', 'familyName', 'dateOfBirth', 'awardingBody', 'qualification', 'awardDate'],
  properties: {
    /** The student's identifier at the university (matriculation number). */
    identifier: text,
    givenNames: text,
    familyName: text,
    dateOfBirth: fullDate,
    awardingBody: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: text,
        /** Default: the issuer's DID. */
        id: uri,
        homepage: uri,
        /** National registration number of the institution. */
        registration: text,
        eidasLegalIdentifier: text,
      },
    },
    qualification: {
      type: 'object',
      additionalProperties: false,
      required: ['title', 'eqfLevel', 'iscedfCode'],
      properties: {
        title: text,
        description: text,
        /** European Qualifications Framework level, 1–8 (a master's degree is 7). */
        eqfLevel: { type: 'integer', minimum: 1, maximum: 8 },
        /** ISCED-F 2013 field(s) of education. */
        iscedfCode: { anyOf: [iscedCode, { type: 'array', items: iscedCode, minItems: 1, maxItems: 16 }] },
        nqfLevel: text,
        ects: { type: 'number', minimum: 0, maximum: 1000 },
      },
    },
    /** The date the qualification was awarded. */
    awardDate: { anyOf: [fullDate, { type: 'string', format: 'date-time' }] },
    /** Country of award (ISO 3166-1 alpha-2). */
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    /** Language of the names in the ELM rendering's language maps (BCP 47); default `en`. */
    language: { type: 'string', pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$' },
  },
} as const

interface DiplomaClaims {
  identifier?: string
  givenNames: string
  familyName: string
  dateOfBirth: string
  awardingBody: {
    name: string
    id?: string
    homepage?: string
    registration?: string
    eidasLegalIdentifier?: string
  }
  qualification: {
    title: string
    description?: string
    eqfLevel: number
    iscedfCode: string | string[]
    nqfLevel?: string
    ects?: number
  }
  awardDate: string
  country?: string
  language?: string
}

/** `2024-07-01` → `2024-07-01T00:00:00Z`; a date-time stays as given. */
const dateTime = (value: string) => (value.length === 10 ? `${value}T00:00:00Z` : value)
const codes = (value: string | string[]) => (Array.isArray(value) ? value : [value])
const defined = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined))

function ebsiSubject(c: DiplomaClaims, ctx: TemplateBuildContext): Record<string, unknown> {
  const body = c.awardingBody
  const q = c.qualification
  return defined({
    identifier: c.identifier,
    givenNames: c.givenNames,
    familyName: c.familyName,
    dateOfBirth: c.dateOfBirth,
    awardingOpportunity: defined({
      awardingBody: defined({
        id: body.id ?? ctx.issuer,
        eidasLegalIdentifier: body.eidasLegalIdentifier ?? 'Unknown',
        registration: body.registration,
        preferredName: body.name,
        homepage: body.homepage,
      }),
      location: c.country,
      endedAtTime: dateTime(c.awardDate),
    }),
    learningAchievement: defined({ title: q.title, description: q.description }),
    learningSpecification: defined({
      iscedfCode: codes(q.iscedfCode),
      eqfLevel: q.eqfLevel,
      nqfLevel: q.nqfLevel === undefined ? undefined : [q.nqfLevel],
      ectsCreditPoints: q.ects,
    }),
  })
}

function elmSubject(c: DiplomaClaims, ctx: TemplateBuildContext): Record<string, unknown> {
  const lang = c.language ?? 'en'
  const label = (value: string) => ({ [lang]: value })
  const body = c.awardingBody
  const q = c.qualification
  return defined({
    type: 'Person',
    identifier: c.identifier === undefined ? undefined : [{ type: 'Identifier', notation: c.identifier }],
    givenName: label(c.givenNames),
    familyName: label(c.familyName),
    dateOfBirth: dateTime(c.dateOfBirth),
    hasClaim: [
      defined({
        type: 'LearningAchievement',
        title: label(q.title),
        description: q.description === undefined ? undefined : label(q.description),
        awardedBy: defined({
          type: 'AwardingProcess',
          awardingBody: [
            defined({
              id: body.id ?? ctx.issuer,
              type: 'Organisation',
              legalName: label(body.name),
              homepage:
                body.homepage === undefined
                  ? undefined
                  : [{ type: 'WebResource', contentURL: body.homepage }],
              registration:
                body.registration === undefined
                  ? undefined
                  : { type: 'LegalIdentifier', notation: body.registration },
              eidasIdentifier:
                body.eidasLegalIdentifier === undefined
                  ? undefined
                  : { type: 'LegalIdentifier', notation: body.eidasLegalIdentifier },
            }),
          ],
          awardingDate: dateTime(c.awardDate),
          location:
            c.country === undefined
              ? undefined
              : {
                  type: 'Location',
                  address: [
                    {
                      type: 'Address',
                      countryCode: {
                        id: `http://publications.europa.eu/resource/authority/country/${c.country}`,
                        type: 'Concept',
                      },
                    },
                  ],
                },
        }),
        specifiedBy: defined({
          type: 'Qualification',
          title: label(q.title),
          eqfLevel: { id: `http://data.europa.eu/snb/eqf/${q.eqfLevel}`, type: 'Concept' },
          ISCEDFCode: codes(q.iscedfCode).map((code) => ({
            id: `http://data.europa.eu/snb/isced-f/${code}`,
            type: 'Concept',
          })),
          nqfLevel:
            q.nqfLevel === undefined ? undefined : [{ type: 'Concept', prefLabel: label(q.nqfLevel) }],
          creditPoint:
            q.ects === undefined
              ? undefined
              : [
                  {
                    type: 'CreditPoint',
                    framework: {
                      id: 'http://data.europa.eu/snb/education-credit/6fcec5c5af',
                      type: 'Concept',
                    },
                    point: String(q.ects),
                  },
                ],
        }),
      }),
    ],
  })
}

/** `issue({ template: 'diploma' })`: EBSI VerifiableDiploma (jwt_vc_json) or an ELM diploma (vc+jwt). */
export const diplomaTemplate: CredentialTemplate = defineTemplate({
  id: 'diploma',
  type: 'VerifiableDiploma',
  formats: ['jwt_vc_json', 'vc+jwt'],
  extraTypes: {
    jwt_vc_json: ['VerifiableAttestation'],
    // Not ELM's `EuropeanDigitalCredential`: a verifier wants the accreditation to cover every
    // specific type, and a university is accredited for diplomas.
    'vc+jwt': ['VerifiableAttestation'],
  },
  context: { 'vc+jwt': [ELM_CONTEXT] },
  schema: DIPLOMA_CLAIMS_SCHEMA,
  build: (claims, ctx) =>
    ctx.format === 'jwt_vc_json'
      ? ebsiSubject(claims as unknown as DiplomaClaims, ctx)
      : elmSubject(claims as unknown as DiplomaClaims, ctx),
})

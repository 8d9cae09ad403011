import { type CredentialTemplate, defineTemplate } from './define.js'

// A PID-like SD-JWT VC with the claim names of the EUDI Wallet PID rulebook (SD-JWT VC
// encoding, vct `urn:eudi:pid:1`). Every claim is selectively disclosable, down to each
// address part and each nationality, and the age claims are derived by the issuer from the
// birth date at issuance, so a holder can prove `age_over_18` without showing `birthdate`.

/** The EUDI PID type. */
export const PID_VCT = 'urn:eudi:pid:1'

/** Ages with an `age_over_NN` claim. */
export const PID_AGE_THRESHOLDS = [14, 16, 18, 21, 65] as const

const text = { type: 'string', minLength: 1, maxLength: 512 } as const
const country = { type: 'string', pattern: '^[A-Z]{2}$' } as const
const fullDate = { type: 'string', format: 'date' } as const

/** JSON Schema (2020-12) of the claims `issue({ template: 'pid' })` takes (the derived age claims are not among them). */
export const PID_CLAIMS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['family_name', 'given_name', 'birthdate', 'nationalities'],
  properties: {
    family_name: text,
    given_name: text,
    birthdate: fullDate,
    birth_family_name: text,
    birth_given_name: text,
    place_of_birth: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { country, region: text, locality: text },
    },
    /** ISO 3166-1 alpha-2 codes. */
    nationalities: { type: 'array', items: country, minItems: 1, maxItems: 16, uniqueItems: true },
    address: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        formatted: text,
        street_address: text,
        house_number: text,
        postal_code: text,
        locality: text,
        region: text,
        country,
      },
    },
    personal_administrative_number: text,
    /** ISO/IEC 5218 and the rulebook's additions. */
    sex: { enum: [0, 1, 2, 3, 4, 5, 6, 9] },
    email: { type: 'string', format: 'email', maxLength: 512 },
    phone_number: { type: 'string', pattern: '^\\+[0-9]{6,15}$' },
    issuing_authority: text,
    issuing_country: country,
    issuing_jurisdiction: text,
    date_of_expiry: fullDate,
    document_number: text,
  },
} as const

/** Whole years between a `YYYY-MM-DD` birth date and `at` (UTC calendar dates). */
export function ageAt(birthdate: string, at: Date): number {
  const [year, month, day] = birthdate.split('-').map(Number) as [number, number, number]
  const age = at.getUTCFullYear() - year
  const hadBirthday =
    at.getUTCMonth() + 1 > month || (at.getUTCMonth() + 1 === month && at.getUTCDate() >= day)
  return hadBirthday ? age : age - 1
}

/** `issue({ template: 'pid', format: 'dc+sd-jwt' })`: a PID-like SD-JWT VC, every claim disclosable. */
export const pidTemplate: CredentialTemplate = defineTemplate({
  id: 'pid',
  // The vct is the type a verifier checks the issuer's accreditation for.
  type: PID_VCT,
  formats: ['dc+sd-jwt'],
  schema: PID_CLAIMS_SCHEMA,
  disclosable: 'all',
  build(claims, ctx) {
    const birthdate = claims.birthdate as string
    const age = ageAt(birthdate, ctx.issuedAt)
    const derived: Record<string, unknown> = {}
    for (const threshold of PID_AGE_THRESHOLDS) derived[`age_over_${threshold}`] = age >= threshold
    return {
      ...claims,
      ...derived,
      age_in_years: age,
      age_birth_year: Number(birthdate.slice(0, 4)),
    }
  },
})

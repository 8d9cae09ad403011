import { CivitasError, describeValue } from '@civitas/core'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS with `exports.default`: the default import is the module object
// under NodeNext typing and, at run time, the plugin itself (which also has `.default`).
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void

/** Deepest nesting of a caller's claims: well past any credential, far from a stack overflow in ajv. */
export const MAX_CLAIMS_DEPTH = 32

/** Compiles a template's JSON Schema (2020-12) of the caller's claims; a bad schema is the template author's INVALID_ARGUMENT. */
export function compileClaimsSchema(schema: Record<string, unknown>, templateId: string): ValidateFunction {
  // One Ajv per template: a schema's $id must not shadow another template's.
  const ajv = new Ajv2020({ strict: false, allErrors: false, logger: false, validateSchema: true })
  addFormats(ajv)
  try {
    return ajv.compile(schema)
  } catch (error) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `the claims schema of template ${describeValue(templateId)} does not compile: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}`,
      { cause: error },
    )
  }
}

/** RFC 6901: a member name as one JSON Pointer segment. */
export const pointerSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/** The JSON Pointer of the claim an ajv error is about (the missing or unexpected member for those keywords). */
export function claimPathOf(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  const member =
    error.keyword === 'required'
      ? params.missingProperty
      : error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties'
        ? (params.additionalProperty ?? params.unevaluatedProperty)
        : undefined
  return typeof member === 'string'
    ? `${error.instancePath}/${pointerSegment(member)}`
    : error.instancePath || '/'
}

/** Throws CLAIM_INVALID naming the first claim that does not fit the template. */
export function assertClaimsFit(validate: ValidateFunction, claims: unknown, templateId: string): void {
  if (validate(claims)) return
  const error = validate.errors?.[0]
  const path = error ? claimPathOf(error) : '/'
  const reason =
    error?.keyword === 'required'
      ? 'is required'
      : error?.keyword === 'additionalProperties' || error?.keyword === 'unevaluatedProperties'
        ? 'is not a claim of this template'
        : (error?.message ?? 'is invalid')
  throw new CivitasError(
    'CLAIM_INVALID',
    `claim ${describeValue(path, 200)} does not fit template ${describeValue(templateId)}: ${reason}`,
    { details: { template: templateId, path, keyword: error?.keyword } },
  )
}

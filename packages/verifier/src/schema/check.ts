import { CivitasError, createLruCache, describeValue, isCivitasError } from '@civitas/core'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { ReadCredential, SchemaRef } from '../core-adapter.js'
import { type CheckResult, fail, pass } from '../result.js'
import type { SchemaDocument, SchemaSource } from './source.js'

// ajv-formats is CommonJS with `exports.default`: the default import is the module object
// under NodeNext typing and, at run time, the plugin itself (which also has `.default`).
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void

/** `credentialSchema.type` values that name a JSON Schema (VCDM 2.0, EBSI, older suites), plus SD-JWT VC's vct. */
const JSON_SCHEMA_TYPES = new Set([
  'JsonSchema',
  'JsonSchemaValidator2018',
  'FullJsonSchemaValidator2021',
  'vct',
])

export interface SchemaCheckContext {
  source?: SchemaSource
  /** A credential without a schema reference fails instead of passing. */
  requireSchema: boolean
  validators: SchemaValidators
}

/** Compiled validators, one per registered document hash (content-addressed, so safe to share). */
export interface SchemaValidators {
  get(schema: SchemaDocument): ValidateFunction
}

export function createSchemaValidators(maxEntries = 64): SchemaValidators {
  const cache = createLruCache<ValidateFunction>({ maxEntries })
  return {
    get(schema) {
      const key = schema.registered.hash.toLowerCase()
      const cached = cache.get(key)
      if (cached) return cached
      // One Ajv per document: schemas register their $id with their Ajv, and one document
      // must not be able to take an $id another resolves against.
      const ajv = new Ajv2020({ strict: false, allErrors: false, logger: false, validateSchema: true })
      addFormats(ajv)
      let validate: ValidateFunction
      try {
        validate = ajv.compile(schema.document as object)
      } catch (error) {
        throw new CivitasError(
          'SCHEMA_UNAVAILABLE',
          `the schema registered for ${describeValue(schema.registered.id, 200)} cannot be used: ${error instanceof Error ? error.message.slice(0, 200) : 'it does not compile'}`,
          { cause: error },
        )
      }
      cache.set(key, validate, Number.POSITIVE_INFINITY)
      return validate
    },
  }
}

/**
 * One schema reference against `instance` (the W3C credential, or an SD-JWT VC's disclosed
 * claims): the registered document (hash checked), compiled once, validated. The issuer runs
 * the same function before signing, so it never issues what this check refuses.
 */
export async function checkSchemaRef(
  ref: SchemaRef,
  instance: unknown,
  context: Pick<SchemaCheckContext, 'validators'> & { source: SchemaSource },
): Promise<
  { ok: true; data: Record<string, unknown> } | { ok: false; error: CivitasError } | { ok: 'none' }
> {
  if (!JSON_SCHEMA_TYPES.has(ref.type)) {
    return {
      ok: false,
      error: new CivitasError(
        'SCHEMA_UNAVAILABLE',
        `schema type ${describeValue(ref.type)} is not supported (JsonSchema is)`,
      ),
    }
  }
  let schema: SchemaDocument | undefined
  try {
    schema = await context.source.document(ref.id)
  } catch (error) {
    return {
      ok: false,
      error: isCivitasError(error)
        ? error
        : new CivitasError('SCHEMA_UNAVAILABLE', 'the schema could not be read', { cause: error }),
    }
  }
  if (schema === undefined) {
    // An SD-JWT VC always names its type; only an explicit credentialSchema must be registered.
    if (ref.type === 'vct') return { ok: 'none' }
    return {
      ok: false,
      error: new CivitasError(
        'SCHEMA_UNAVAILABLE',
        `no schema is registered under ${describeValue(ref.id, 200)}`,
      ),
    }
  }
  let validate: ValidateFunction
  try {
    validate = context.validators.get(schema)
  } catch (error) {
    return { ok: false, error: error as CivitasError }
  }
  const data = {
    id: ref.id,
    version: schema.registered.version,
    hash: schema.registered.hash,
    block: schema.block,
  }
  if (validate(instance)) return { ok: true, data }
  const reasons = (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath === '' ? 'the credential' : e.instancePath} ${e.message ?? 'is invalid'}`)
  return {
    ok: false,
    error: new CivitasError(
      'SCHEMA_INVALID',
      `the credential does not match its schema ${describeValue(ref.id, 200)}: ${reasons.join('; ')}`,
      {
        details: { ...data, errors: (validate.errors ?? []).slice(0, 10) },
      },
    ),
  }
}

/** `credential/schema`: each schema the credential names is the registered one, and the credential matches it. */
export async function checkSchema(read: ReadCredential, context: SchemaCheckContext): Promise<CheckResult> {
  const id = 'credential/schema'
  if (read.schemaProblems.length > 0) {
    return fail(id, 'SCHEMA_INVALID', `The schema reference is malformed: ${read.schemaProblems.join('; ')}.`)
  }
  const refs = read.schemas
  const source = context.source
  if (refs.length === 0) {
    return context.requireSchema
      ? fail(id, 'SCHEMA_UNAVAILABLE', 'The credential names no schema, and the policy requires one.')
      : pass(id, 'The credential names no schema.', { schemas: [] })
  }
  if (source === undefined) {
    // An SD-JWT VC's vct is a type name first: without a registry it is simply not looked up.
    if (!context.requireSchema && refs.every((ref) => ref.type === 'vct')) {
      return pass(id, 'No schema registry is configured to look the credential type up in.', { schemas: [] })
    }
    return fail(
      id,
      'SCHEMA_UNAVAILABLE',
      "This verifier has no schema registry to check the credential's schema against.",
    )
  }
  const outcomes = await Promise.all(
    refs.map((ref) => checkSchemaRef(ref, read.credential, { ...context, source })),
  )
  const checked: Record<string, unknown>[] = []
  for (const outcome of outcomes) {
    if (outcome.ok === false) {
      const { error } = outcome
      return fail(id, error.code, `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`, {
        ...(error.details ?? {}),
      })
    }
    if (outcome.ok === true) checked.push(outcome.data)
  }
  if (checked.length === 0) {
    return context.requireSchema
      ? fail(
          id,
          'SCHEMA_UNAVAILABLE',
          'No schema is registered for the credential type, and the policy requires one.',
        )
      : pass(id, 'No schema is registered for the credential type.', { schemas: [] })
  }
  return pass(
    id,
    `Matches its registered schema${checked.length > 1 ? 's' : ''} ${checked.map((c) => describeValue(c.id, 200)).join(', ')}.`,
    {
      schemas: checked,
    },
  )
}

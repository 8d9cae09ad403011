import { CivitasError, describeValue, hasOwn, isRecord } from '@civitas/core'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { ISSUE_FORMATS, type IssueFormat } from '../formats.js'
import { assertClaimsFit, compileClaimsSchema, MAX_CLAIMS_DEPTH, pointerSegment } from './claims.js'

/** A value that may differ per format: one for all, or one per format name. */
export type PerFormat<T> = T | Partial<Record<IssueFormat, T>>

/** `credentialSchema` of the W3C formats. */
export interface CredentialSchemaRef {
  id: string
  type: string
}

/** What a template's `build` knows besides the claims. */
export interface TemplateBuildContext {
  format: IssueFormat
  /** The issuer's DID. */
  issuer: string
  /** The holder (`credentialSubject.id` / `sub`), when given. */
  subject?: string
  /** When the credential is issued: derived claims (ages) are computed at this instant. */
  issuedAt: Date
}

/** What `defineTemplate` takes. */
export interface TemplateDefinition {
  /** The name `issue({ template })` picks it by. */
  id: string
  /** The credential type the issuer's accreditation must cover (`VerifiableDiploma`); the last `type` entry and the default `vct`. */
  type: string
  /** Types between `VerifiableCredential` and `type` (EBSI: `VerifiableAttestation`). */
  extraTypes?: PerFormat<readonly string[]>
  /** `@context` entries after the VCDM 1.1 / 2.0 base context. */
  context?: PerFormat<readonly string[]>
  /** SD-JWT VC type; default `type`. */
  vct?: string
  /** The formats this template issues; default all three. */
  formats?: readonly IssueFormat[]
  /** JSON Schema (2020-12) of the caller's claims, checked before anything is allocated: CLAIM_INVALID with the claim's path. */
  schema?: Record<string, unknown>
  /** `credentialSchema` of the W3C formats. */
  credentialSchema?: PerFormat<CredentialSchemaRef>
  /**
   * SD-JWT VC claims the holder may withhold: `'all'` (every claim, nested members and
   * array elements too), `'top-level'` (the default) or JSON Pointers (`/address/locality`).
   * A listed claim a credential does not carry is skipped when the `schema` declares it (an
   * optional claim) and the template has no `build`; any other absent pointer is refused
   * (a misspelt pointer would otherwise leave the claim it meant always visible).
   */
  disclosable?: 'all' | 'top-level' | readonly string[]
  /** Turns the caller's (checked) claims into `credentialSubject` members / SD-JWT VC claims. Default: as given. */
  build?(claims: Record<string, unknown>, context: TemplateBuildContext): Record<string, unknown>
}

/** A checked, frozen template: what `createIssuer({ templates })` and the built-ins are. */
export interface CredentialTemplate extends Readonly<Omit<TemplateDefinition, 'formats'>> {
  readonly formats: readonly IssueFormat[]
}

/** What a template makes of one issuance's claims, ready to sign. */
export interface RenderedCredential {
  claims: Record<string, unknown>
  /** Types after `VerifiableCredential`, ending with the template's type. */
  types: string[]
  contexts: string[]
  credentialSchema?: CredentialSchemaRef
  vct: string
  /** JSON Pointers of the SD-JWT VC claims the holder may withhold. */
  disclosable: string[]
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$/
const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/

// Templates defineTemplate checked, and their compiled claim validators (held beside the frozen template, not on it).
const defined = new WeakSet<CredentialTemplate>()
const validators = new WeakMap<CredentialTemplate, ValidateFunction>()

function isPerFormatMap(value: unknown): value is Partial<Record<IssueFormat, unknown>> {
  return isRecord(value) && Object.keys(value).every((k) => (ISSUE_FORMATS as readonly string[]).includes(k))
}

function forFormat<T>(value: PerFormat<T> | undefined, format: IssueFormat, isMap: boolean): T | undefined {
  if (value === undefined) return undefined
  if (!isMap) return value as T
  const map = value as Partial<Record<IssueFormat, T>>
  return hasOwn(map, format) ? map[format] : undefined
}

function assertStringList(value: unknown, name: string, pattern?: RegExp): void {
  const check = (list: unknown) => {
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || (pattern && !pattern.test(s)))) {
      throw new CivitasError('INVALID_ARGUMENT', `${name} must be a list of strings`)
    }
  }
  if (value === undefined) return
  if (Array.isArray(value)) check(value)
  else if (isPerFormatMap(value)) for (const list of Object.values(value)) check(list)
  else throw new CivitasError('INVALID_ARGUMENT', `${name} must be a list of strings or one per format`)
}

function assertSchemaRef(value: unknown): void {
  const ok = (ref: unknown) => isRecord(ref) && typeof ref.id === 'string' && typeof ref.type === 'string'
  if (value === undefined) return
  if (ok(value)) return
  if (isPerFormatMap(value) && Object.values(value).every(ok)) return
  throw new CivitasError('INVALID_ARGUMENT', 'credentialSchema must be { id, type } or one per format')
}

/**
 * Checks a template definition and freezes it: a user's own credential kind (type, contexts,
 * claims schema, which claims are disclosable), passed to `createIssuer({ templates })`.
 */
export function defineTemplate(definition: TemplateDefinition): CredentialTemplate {
  if (!isRecord(definition))
    throw new CivitasError('INVALID_ARGUMENT', 'a template definition must be an object')
  const { id, type, vct, formats = ISSUE_FORMATS, schema, disclosable, build } = definition
  if (typeof id !== 'string' || !TEMPLATE_ID.test(id)) {
    throw new CivitasError('INVALID_ARGUMENT', `template id ${describeValue(id)} must be a short name`)
  }
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `template type ${describeValue(type)} is not a credential type name`,
    )
  }
  if (vct !== undefined && (typeof vct !== 'string' || vct.length === 0 || vct.length > 512)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `template vct ${describeValue(vct)} must be a non-empty string`,
    )
  }
  if (
    !Array.isArray(formats) ||
    formats.length === 0 ||
    formats.some((f) => !(ISSUE_FORMATS as readonly string[]).includes(f))
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `template formats must list some of ${ISSUE_FORMATS.join(', ')}`,
    )
  }
  assertStringList(definition.extraTypes, 'extraTypes', TYPE_NAME)
  assertStringList(definition.context, 'context')
  assertSchemaRef(definition.credentialSchema)
  if (
    disclosable !== undefined &&
    disclosable !== 'all' &&
    disclosable !== 'top-level' &&
    !(Array.isArray(disclosable) && disclosable.every((p) => typeof p === 'string' && p.startsWith('/')))
  ) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      "disclosable must be 'all', 'top-level' or a list of JSON Pointers",
    )
  }
  if (build !== undefined && typeof build !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'build must be a function')
  }
  if (schema !== undefined && !isRecord(schema)) {
    throw new CivitasError('INVALID_ARGUMENT', 'schema must be a JSON Schema object')
  }
  const template: CredentialTemplate = Object.freeze({ ...definition, formats: Object.freeze([...formats]) })
  if (schema !== undefined) validators.set(template, compileClaimsSchema(schema, id))
  defined.add(template)
  return template
}

// Templates of plain types, made once per type name (bounded: a type name is caller input).
const typeTemplates = new Map<string, CredentialTemplate>()
const MAX_TYPE_TEMPLATES = 1_024

/** The template of a plain `issue({ type })`: nothing but the type, claims as given. */
export function templateForType(type: unknown): CredentialTemplate {
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
    throw new CivitasError('INVALID_ARGUMENT', `type ${describeValue(type)} is not a credential type name`)
  }
  let template = typeTemplates.get(type)
  if (template === undefined) {
    template = defineTemplate({ id: type.replace(/[^A-Za-z0-9_.:-]/g, '_'), type })
    if (typeTemplates.size >= MAX_TYPE_TEMPLATES) typeTemplates.clear()
    typeTemplates.set(type, template)
  }
  return template
}

/** Looks a template up by id (a Map: never an inherited name). */
export function findTemplate(
  templates: ReadonlyMap<string, CredentialTemplate>,
  id: unknown,
): CredentialTemplate {
  const found = typeof id === 'string' ? templates.get(id) : undefined
  if (!found) {
    throw new CivitasError('TEMPLATE_NOT_FOUND', `no template named ${describeValue(id)}`, {
      details: { known: [...templates.keys()] },
    })
  }
  return found
}

/** The templates an issuer knows: the built-ins, then the user's (a user's template replaces a built-in of the same id). */
export function templateRegistry(
  builtIns: readonly CredentialTemplate[],
  own: readonly (CredentialTemplate | TemplateDefinition)[] | undefined,
): Map<string, CredentialTemplate> {
  if (own !== undefined && !Array.isArray(own)) {
    throw new CivitasError('INVALID_ARGUMENT', 'templates must be a list of templates')
  }
  const registry = new Map(builtIns.map((t) => [t.id, t]))
  const seen = new Set<string>()
  for (const entry of own ?? []) {
    const template = defined.has(entry as CredentialTemplate)
      ? (entry as CredentialTemplate)
      : defineTemplate(entry as TemplateDefinition)
    if (seen.has(template.id)) {
      throw new CivitasError('INVALID_ARGUMENT', `two templates are named ${describeValue(template.id)}`)
    }
    seen.add(template.id)
    registry.set(template.id, template)
  }
  return registry
}

/**
 * JSON Pointers of every claim: top-level members, then (for `deep`) every nested member and
 * array element. Iterative and depth-bounded, so hostile nesting is CLAIM_INVALID, not a stack overflow.
 */
export function claimPointers(claims: Record<string, unknown>, deep: boolean): string[] {
  const pointers: string[] = []
  const stack: Array<[unknown, string, number]> = [[claims, '', 0]]
  while (stack.length > 0) {
    const [value, at, depth] = stack.pop()!
    if (value === null || typeof value !== 'object') continue
    if (depth >= MAX_CLAIMS_DEPTH) {
      throw new CivitasError(
        'CLAIM_INVALID',
        `claim ${describeValue(at, 200)} nests deeper than ${MAX_CLAIMS_DEPTH} levels`,
        {
          details: { path: at, maxDepth: MAX_CLAIMS_DEPTH },
        },
      )
    }
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : Object.entries(value)
    for (const [key, child] of entries.reverse()) {
      const pointer = `${at}/${pointerSegment(key)}`
      if (depth === 0 || deep) pointers.push(pointer)
      stack.push([child, pointer, depth + 1])
    }
  }
  return pointers
}

/**
 * Checks the caller's claims against the template (CLAIM_INVALID with the claim's path) and
 * builds what will be signed. Runs before any status index is allocated.
 */
export function renderTemplate(
  template: CredentialTemplate,
  claims: unknown,
  context: TemplateBuildContext,
): RenderedCredential {
  const { format } = context
  if (!template.formats.includes(format)) {
    throw new CivitasError(
      'FORMAT_UNSUPPORTED',
      `template ${describeValue(template.id)} does not issue ${describeValue(format)} (it issues ${template.formats.join(', ')})`,
      { details: { template: template.id, supported: [...template.formats] } },
    )
  }
  if (!isRecord(claims)) throw new CivitasError('INVALID_ARGUMENT', 'claims must be an object')
  // Bounds first: the walk refuses hostile nesting before ajv or build() recurse into it.
  claimPointers(claims, true)
  const validate = validators.get(template)
  if (validate) assertClaimsFit(validate, claims, template.id)
  let built: Record<string, unknown> = claims
  if (template.build) {
    try {
      built = template.build(claims, context)
    } catch (error) {
      if (error instanceof CivitasError) throw error
      throw new CivitasError(
        'CLAIM_INVALID',
        `template ${describeValue(template.id)} could not build the credential from these claims`,
        {
          cause: error,
          details: { template: template.id },
        },
      )
    }
    if (!isRecord(built)) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `template ${describeValue(template.id)} built no claims object`,
      )
    }
  }
  const disclosable = template.disclosable ?? 'top-level'
  const credentialSchema = forFormat(
    template.credentialSchema,
    format,
    !isSchemaRef(template.credentialSchema),
  )
  return {
    claims: built,
    types: [
      ...(forFormat(template.extraTypes, format, !Array.isArray(template.extraTypes)) ?? []),
      template.type,
    ],
    contexts: [...(forFormat(template.context, format, !Array.isArray(template.context)) ?? [])],
    ...(credentialSchema ? { credentialSchema } : {}),
    vct: template.vct ?? template.type,
    disclosable:
      disclosable === 'all'
        ? claimPointers(built, true)
        : disclosable === 'top-level'
          ? claimPointers(built, false)
          : disclosable.filter(
              // An optional claim the credential does not carry has nothing to withhold. Only a
              // claim the schema declares, through every step of the pointer, and only without a
              // build step (whose output the schema does not describe): a misspelt pointer still
              // fails in core, instead of leaving the claim it meant in the clear.
              (pointer) =>
                resolves(built, pointer) ||
                template.build !== undefined ||
                !declares(template.schema, pointer),
            ),
  }
}

/** RFC 6901 reference tokens of a JSON Pointer (`~1` is `/`, `~0` is `~`). */
function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
}

/** True when `pointer` names a member present in `value` (own members only). */
function resolves(value: unknown, pointer: string): boolean {
  let at = value
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment) || Number(segment) >= at.length) return false
      at = at[Number(segment)]
    } else if (isRecord(at) && hasOwn(at, segment)) {
      at = at[segment]
    } else {
      return false
    }
  }
  return true
}

/** True when `schema` declares the member `pointer` names: `properties` per name, `items` per array index. */
function declares(schema: unknown, pointer: string): boolean {
  let at = schema
  for (const segment of pointerSegments(pointer)) {
    if (!isRecord(at)) return false
    if (/^(0|[1-9][0-9]*)$/.test(segment) && isRecord(at.items)) at = at.items
    else if (isRecord(at.properties) && hasOwn(at.properties, segment)) at = at.properties[segment]
    else return false
  }
  return isRecord(at) || at === true
}

function isSchemaRef(value: unknown): boolean {
  return isRecord(value) && typeof value.id === 'string' && typeof value.type === 'string'
}

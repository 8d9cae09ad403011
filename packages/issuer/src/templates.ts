import { CivitasError, describeValue } from '@civitas/core'

/** How a kind of credential is built: its type, contexts, schema and which claims are disclosable. */
export interface CredentialTemplate {
  /** The name `issue({ template })` picks it by. */
  name: string
  /** The credential type checked against the issuer's accreditation (`VerifiableDiploma`). */
  type: string
  /** Types between `VerifiableCredential` and `type` (EBSI: `VerifiableAttestation`). */
  extraTypes?: readonly string[]
  /** SD-JWT VC type; default `type`. */
  vct?: string
  /** Extra `@context` entries after the VCDM 1.1 / 2.0 base context. */
  contexts11?: readonly string[]
  contexts20?: readonly string[]
  /** JSON Pointers of SD-JWT claims the holder may withhold; default every top-level claim. */
  disclosable?: readonly string[]
  /** `credentialSchema` of the W3C formats. */
  credentialSchema?: { id: string; type: string }
  /** A JSON Schema (2020-12) the claims must satisfy. */
  schema?: Record<string, unknown>
  /** Derives claims from the caller's (e.g. `age_over_18` from `birthdate`). */
  prepareClaims?(claims: Record<string, unknown>): Record<string, unknown>
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$/

/** The template of a plain `issue({ type })`: nothing but the type. */
export function templateForType(type: unknown): CredentialTemplate {
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
    throw new CivitasError('INVALID_ARGUMENT', `type ${describeValue(type)} is not a credential type name`)
  }
  return { name: type, type }
}

/** Looks a template up by name among own properties only. */
export function findTemplate(
  templates: ReadonlyMap<string, CredentialTemplate>,
  name: unknown,
): CredentialTemplate {
  const found = typeof name === 'string' ? templates.get(name) : undefined
  if (!found) {
    throw new CivitasError('TEMPLATE_NOT_FOUND', `no template named ${describeValue(name)}`, {
      details: { known: [...templates.keys()] },
    })
  }
  return found
}

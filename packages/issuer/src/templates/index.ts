import type { CredentialTemplate } from './define.js'
import { diplomaTemplate } from './diploma.js'
import { pidTemplate } from './pid.js'

export {
  type CredentialSchemaRef,
  type CredentialTemplate,
  defineTemplate,
  findTemplate,
  type PerFormat,
  type RenderedCredential,
  renderTemplate,
  type TemplateBuildContext,
  type TemplateDefinition,
  templateForType,
  templateRegistry,
} from './define.js'
export { DIPLOMA_CLAIMS_SCHEMA, diplomaTemplate, ELM_CONTEXT } from './diploma.js'
export { PID_AGE_THRESHOLDS, PID_CLAIMS_SCHEMA, PID_VCT, pidTemplate } from './pid.js'

/** The templates every issuer knows: `diploma` and `pid`. */
export const BUILT_IN_TEMPLATES: readonly CredentialTemplate[] = [diplomaTemplate, pidTemplate]

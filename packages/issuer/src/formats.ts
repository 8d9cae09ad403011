import { CivitasError, describeValue } from '@civitas/core'

export const ISSUE_FORMATS = ['jwt_vc_json', 'vc+jwt', 'dc+sd-jwt'] as const
export type IssueFormat = (typeof ISSUE_FORMATS)[number]

export function assertIssueFormat(format: unknown): asserts format is IssueFormat {
  if (!ISSUE_FORMATS.includes(format as IssueFormat)) {
    throw new CivitasError(
      'FORMAT_UNSUPPORTED',
      `format ${describeValue(format)} is not one of ${ISSUE_FORMATS.join(', ')}`,
      { details: { supported: [...ISSUE_FORMATS] } },
    )
  }
}

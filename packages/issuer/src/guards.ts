// Core's guards (packages/core/src/guards) are not exported by @civitas/core yet; this is the
// same check, to be replaced by the import once core exports it.
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

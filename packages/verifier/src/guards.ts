/**
 * Core's guards (packages/core/src/guards, encoding/json) are not exported from
 * `@civitas/core` yet: these mirror them, one line each, until core's subpath exports land.
 */
import { CivitasError, type CivitasErrorCode } from '@civitas/core'

/** A plain JSON-like object: not null, not an array, not a typed array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  )
}

/** True when `key` is an own property of `target` (never one inherited from Object.prototype). */
export function hasOwn(target: object, key: PropertyKey): boolean {
  return Object.hasOwn(target, key)
}

/** JSON.parse for remote text, bounded in depth; failures become `code`. Iterative depth check. */
export function parseJson(text: string, code: CivitasErrorCode, what: string, maxDepth = 64): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CivitasError(code, `${what} is not valid JSON`, { cause: error })
  }
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number]
    if (current === null || typeof current !== 'object') continue
    if (depth >= maxDepth) throw new CivitasError(code, `${what} nests deeper than ${maxDepth} levels`)
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
  return value
}

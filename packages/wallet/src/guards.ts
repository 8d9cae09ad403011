/**
 * Core's shared guards (packages/core/src/guards) and bounded JSON parse (encoding/json.ts)
 * are not exported by @civitas/core yet (its subpath exports come with the "core seams"
 * issue). Until then the wallet keeps these copies of the same functions in this one file;
 * when core exports them, this file becomes re-exports.
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

const DEFAULT_MAX_JSON_DEPTH = 64

/** Throws `code` when `value` nests deeper than `maxDepth` (iterative: no stack overflow). */
export function assertJsonDepth(
  value: unknown,
  maxDepth: number,
  code: CivitasErrorCode,
  what = 'JSON value',
): void {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number]
    if (current === null || typeof current !== 'object') continue
    if (depth >= maxDepth) {
      throw new CivitasError(code, `${what} nests deeper than ${maxDepth} levels`, { details: { maxDepth } })
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
}

/** JSON.parse with a typed error and a depth bound. */
export function parseJson(
  text: string,
  code: CivitasErrorCode,
  { maxDepth = DEFAULT_MAX_JSON_DEPTH, what = 'JSON' }: { maxDepth?: number; what?: string } = {},
): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CivitasError(code, `${what} is not valid JSON`, { cause: error })
  }
  assertJsonDepth(value, maxDepth, code, what)
  return value
}

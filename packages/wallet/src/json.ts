/**
 * Bounded JSON for what the wallet reads back (its file header, export archives, DCQL
 * queries). The same functions as core's `encoding/json.ts`, which @civitas/core does not
 * export (its guards — isRecord, hasOwn, ... — it does, and the wallet uses those): when
 * core exports these, this file becomes re-exports.
 */
import { CivitasError, type CivitasErrorCode } from '@civitas/core'

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

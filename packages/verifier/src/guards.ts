/**
 * Core's guards are exported from `@civitas/core` (re-exported here so the package keeps one
 * import path); its bounded JSON parser (encoding/json) is not yet: `parseJson` mirrors it.
 */
import { CivitasError, type CivitasErrorCode } from '@civitas/core'

export { hasOwn, isRecord } from '@civitas/core'

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

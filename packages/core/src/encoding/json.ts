import { CivitasError, type CivitasErrorCode } from '../errors/index.js'

/** Deepest nesting accepted in JSON from outside (tokens, DID documents, disclosures). */
export const DEFAULT_MAX_JSON_DEPTH = 64

/**
 * Throws `code` when `value` nests objects/arrays deeper than `maxDepth`. Iterative, so a
 * hostile 5,000-level document cannot overflow the stack here; it is refused before any
 * recursive code (structuredClone, canonicalisation, schema validation) sees it.
 */
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
      throw new CivitasError(code, `${what} nests deeper than ${maxDepth} levels`, {
        details: { maxDepth },
      })
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
    }
  }
}

/**
 * Throws `code` unless `value` is JSON a caller may sign: nested at most `maxDepth` levels
 * (a cycle counts as too deep), no BigInt (JSON.stringify throws on it) and no byte arrays,
 * which serialise as one member per byte (`{"0":1,"1":2,...}`): never what was meant, and
 * megabytes of it take seconds to write. Iterative, like {@link assertJsonDepth}.
 */
export function assertJsonValue(
  value: unknown,
  maxDepth: number,
  code: CivitasErrorCode,
  what = 'value',
): void {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number]
    if (typeof current === 'bigint') {
      throw new CivitasError(code, `${what} holds a BigInt, which JSON cannot carry`)
    }
    if (current === null || typeof current !== 'object') continue
    if (ArrayBuffer.isView(current) || current instanceof ArrayBuffer) {
      throw new CivitasError(code, `${what} holds bytes: encode them (base64url) before putting them in JSON`)
    }
    if (depth >= maxDepth) {
      throw new CivitasError(code, `${what} nests deeper than ${maxDepth} levels`, { details: { maxDepth } })
    }
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && (typeof child === 'object' || typeof child === 'bigint'))
        stack.push([child, depth + 1])
    }
  }
}

/**
 * JSON.parse for remote text: a syntax error or a document nested deeper than `maxDepth`
 * becomes a CivitasError with `code`, never a raw SyntaxError or a later stack overflow.
 */
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

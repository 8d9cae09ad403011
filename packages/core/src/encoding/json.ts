import { CivitasError, type CivitasErrorCode } from '../errors/index.js'
import { assertString, limitOption, optionsRecord } from '../guards/index.js'

/** Deepest nesting accepted in JSON from outside (tokens, DID documents, disclosures). */
export const DEFAULT_MAX_JSON_DEPTH = 64

/**
 * The highest `maxDepth` a caller may ask for. No Civitas document nests a tenth as deep, and
 * the recursive code that runs after these checks (structuredClone, canonicalisation, schema
 * validation) overflows its stack a few thousand levels down: a larger bound protects nothing.
 */
const MAX_JSON_DEPTH = 1_000

/** A `what` longer than this is cut in messages (it is the caller's label, not data). */
const MAX_LABEL_LENGTH = 200

// The code a refusal carries is the caller's; a junk one would make a CivitasError whose code
// is no code at all (a symbol, an object), so its shape is checked before any walk.
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/

type Refusal = 'depth' | 'cycle' | 'bigint' | 'bytes' | 'unreadable'

interface Frame {
  readonly node: object
  readonly children: readonly unknown[]
  next: number
  /** Levels of nesting below and including `node` found so far. */
  levels: number
}

interface Limits {
  readonly code: CivitasErrorCode
  readonly maxDepth: number
  readonly what: string
}

function checkLimits(code: unknown, maxDepth: unknown, what: unknown, names: [string, string]): Limits {
  if (typeof code !== 'string' || !ERROR_CODE.test(code)) {
    throw new CivitasError('INVALID_ARGUMENT', 'code must be a CivitasErrorCode', {
      details: { argument: 'code' },
    })
  }
  const depth = limitOption(maxDepth, names[0], DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH)
  assertString(what, names[1])
  const label = what.length > MAX_LABEL_LENGTH ? `${what.slice(0, MAX_LABEL_LENGTH)}…` : what
  return { code: code as CivitasErrorCode, maxDepth: depth, what: label }
}

function isBytes(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer
}

/** The values below `node`: own enumerable members, as JSON.stringify sees them. */
function childrenOf(node: object, refuse: (reason: Refusal, cause?: unknown) => never): readonly unknown[] {
  // Bytes hold numbers only: one level of nesting, nothing below it (and 2 MiB of them
  // would otherwise become a 2-million-member array here).
  if (isBytes(node)) return []
  try {
    // Object.values also for arrays: a sparse `new Array(2 ** 32 - 1)` has no values, where
    // walking its indices would take minutes.
    return Object.values(node)
  } catch (cause) {
    // A getter or a Proxy trap that throws: no JSON comes out of it either.
    return refuse('unreadable', cause)
  }
}

/**
 * Depth-first walk over `value` with an explicit stack, so no input can overflow the call
 * stack here. The stack never holds more than `maxDepth` frames; an object met again on the
 * current path is a cycle; one met again elsewhere (shared, as in `{ a: x, b: x }`) is not
 * walked twice: its nesting, known from the first time, is checked against its new depth,
 * so a chain of shared objects (2^64 paths in 64 objects) costs one visit each, not a hang.
 * `strict`: BigInts and byte arrays are refused too (what JSON.stringify cannot carry as meant).
 */
function walkJson(
  value: unknown,
  maxDepth: number,
  strict: boolean,
  refuse: (reason: Refusal, cause?: unknown) => never,
): void {
  const checkValue = (item: unknown) => {
    if (!strict) return
    if (typeof item === 'bigint') refuse('bigint')
    if (item !== null && typeof item === 'object' && isBytes(item)) refuse('bytes')
  }
  checkValue(value)
  if (value === null || typeof value !== 'object') return
  const finished = new Map<object, number>()
  const onPath = new Set<object>()
  const stack: Frame[] = []
  const enter = (node: object) => {
    if (stack.length >= maxDepth) refuse('depth')
    onPath.add(node)
    stack.push({ node, children: childrenOf(node, refuse), next: 0, levels: 1 })
  }
  enter(value)
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++]
      checkValue(child)
      if (child === null || typeof child !== 'object') continue
      if (onPath.has(child)) refuse('cycle')
      const levels = finished.get(child)
      if (levels === undefined) {
        enter(child)
      } else {
        if (stack.length + levels > maxDepth) refuse('depth')
        frame.levels = Math.max(frame.levels, levels + 1)
      }
      continue
    }
    stack.pop()
    onPath.delete(frame.node)
    finished.set(frame.node, frame.levels)
    const parent = stack[stack.length - 1]
    if (parent !== undefined) parent.levels = Math.max(parent.levels, frame.levels + 1)
  }
}

function refusal({ code, maxDepth, what }: Limits): (reason: Refusal, cause?: unknown) => never {
  return (reason, cause) => {
    switch (reason) {
      case 'depth':
        throw new CivitasError(code, `${what} nests deeper than ${maxDepth} levels`, {
          details: { maxDepth },
        })
      case 'cycle':
        throw new CivitasError(code, `${what} contains itself (a cycle), which JSON cannot carry`, {
          details: { cyclic: true },
        })
      case 'bigint':
        throw new CivitasError(code, `${what} holds a BigInt, which JSON cannot carry`)
      case 'bytes':
        throw new CivitasError(
          code,
          `${what} holds bytes: encode them (base64url) before putting them in JSON`,
        )
      case 'unreadable':
        throw new CivitasError(code, `${what} has a member that cannot be read`, { cause })
    }
  }
}

function checkJson(strict: boolean, value: unknown, maxDepth: unknown, code: unknown, what: unknown): void {
  const limits = checkLimits(code, maxDepth, what, ['maxDepth', 'what'])
  walkJson(value, limits.maxDepth, strict, refusal(limits))
}

/**
 * Throws `code` when `value` nests objects/arrays deeper than `maxDepth` (1 to 1,000; default
 * {@link DEFAULT_MAX_JSON_DEPTH} when undefined) or contains itself. Iterative and bounded, so
 * a hostile 100,000-level document, a cycle or a web of shared objects is refused here, before
 * any recursive code (structuredClone, canonicalisation, schema validation) sees it. A bad
 * `maxDepth`, `code` or `what` is `INVALID_ARGUMENT`.
 */
export function assertJsonDepth(
  value: unknown,
  maxDepth: number,
  code: CivitasErrorCode,
  what = 'JSON value',
): void {
  checkJson(false, value, maxDepth, code, what)
}

/**
 * Throws `code` unless `value` is JSON a caller may sign: nested at most `maxDepth` levels,
 * no cycle, no BigInt (JSON.stringify throws on it) and no byte arrays, which serialise as
 * one member per byte (`{"0":1,"1":2,...}`): never what was meant, and megabytes of it take
 * seconds to write. Bounded like {@link assertJsonDepth}.
 */
export function assertJsonValue(
  value: unknown,
  maxDepth: number,
  code: CivitasErrorCode,
  what = 'value',
): void {
  checkJson(true, value, maxDepth, code, what)
}

/**
 * JSON.parse for remote text: a syntax error or a document nested deeper than `maxDepth`
 * (default {@link DEFAULT_MAX_JSON_DEPTH}, at most 1,000) becomes a CivitasError with `code`,
 * never a raw SyntaxError or a later stack overflow. The caller bounds the text's length.
 */
export function parseJson(
  text: string,
  code: CivitasErrorCode,
  options: { maxDepth?: number; what?: string } = {},
): unknown {
  const opts = optionsRecord(options)
  const limits = checkLimits(code, opts.maxDepth, opts.what ?? 'JSON', ['options.maxDepth', 'options.what'])
  assertString(text, 'text')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new CivitasError(limits.code, `${limits.what} is not valid JSON`, { cause: error })
  }
  walkJson(value, limits.maxDepth, false, refusal(limits))
  return value
}

/**
 * A private structured copy of caller data that is checked now and used later (signed after an
 * await): what the caller changes afterwards cannot reach what was checked. A value that cannot
 * be copied (a function, a symbol) is `INVALID_ARGUMENT` naming `what`.
 */
export function snapshotValue<T>(value: T, what: string): T {
  try {
    return structuredClone(value)
  } catch (cause) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${what} must be JSON data: it holds a value that cannot be copied`,
      {
        cause,
        details: { argument: what },
      },
    )
  }
}

/** Freezes `value` and every object inside it (no recursion: an explicit stack). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object' || Object.isFrozen(node)) continue
    Object.freeze(node)
    for (const child of Object.values(node)) stack.push(child)
  }
  return value
}

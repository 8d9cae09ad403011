import { describeValue, kindOf } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'

/**
 * Input guards for public functions: each names the argument it checks, so a caller
 * reads `options.now must be ...` rather than a TypeError from deep inside a dependency.
 * All throw `INVALID_ARGUMENT` (caller misuse); token contents are checked elsewhere
 * with the codes of their format.
 */

/** A plain JSON-like object: not null, not an array, not a typed array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
  )
}

/** True when `key` is an own property of `target` (never one inherited from Object.prototype). */
export function hasOwn(target: object, key: PropertyKey): boolean {
  // Nothing is an own property of null / undefined, and a key that is no property key (an
  // object whose toString throws) names none.
  if (target === null || target === undefined) return false
  if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'symbol') return false
  return Object.hasOwn(target, key)
}

/** The argument name for a message: guards are public, so even the name may be junk. */
function label(name: unknown): string {
  return typeof name === 'string' && name.length <= 200 ? name : 'argument'
}

function fail(name: string, expected: string, value: unknown): never {
  throw new CivitasError('INVALID_ARGUMENT', `${label(name)} must be ${expected}, got ${kindOf(value)}`, {
    details: { argument: label(name) },
  })
}

export function assertRecord(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (!isRecord(value)) fail(name, 'an object', value)
}

/** `undefined` or a record: for optional options bags. Returns the record (or `{}`). */
export function optionsRecord<T extends object>(value: T | undefined, name = 'options'): Partial<T> {
  if (value === undefined) return {}
  if (!isRecord(value)) fail(name, 'an object', value)
  return value
}

export function assertString(
  value: unknown,
  name: string,
  options: { nonEmpty?: boolean } = {},
): asserts value is string {
  if (typeof value !== 'string') fail(name, 'a string', value)
  if (isRecord(options) && options.nonEmpty === true && value.length === 0)
    fail(name, 'a non-empty string', value)
}

export function assertBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') fail(name, 'a boolean', value)
}

export function assertFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') fail(name, 'a function', value)
}

export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) fail(name, 'a Uint8Array', value)
}

export function assertArray(value: unknown, name: string): asserts value is unknown[] {
  if (!Array.isArray(value)) fail(name, 'an array', value)
}

interface Bounds {
  min?: number
  max?: number
}

/** The caller's bounds, each a number or the given default (a junk bound never reaches a comparison). */
function boundsOf(bounds: unknown, min: number, max: number): { min: number; max: number } {
  const b = isRecord(bounds) ? bounds : {}
  return {
    min: typeof b.min === 'number' && !Number.isNaN(b.min) ? b.min : min,
    max: typeof b.max === 'number' && !Number.isNaN(b.max) ? b.max : max,
  }
}

function outOfRange(name: string, value: number, min: number, max: number): never {
  throw new CivitasError(
    'INVALID_ARGUMENT',
    `${label(name)} must be between ${min} and ${max}, got ${describeValue(value)}`,
    { details: { argument: label(name), min, max } },
  )
}

/**
 * A safe integer in [min, max]. NaN, Infinity and fractions are refused here, so no later
 * comparison sees a NaN (every comparison with NaN is false, which silently passes limits).
 */
export function assertInteger(value: unknown, name: string, bounds: Bounds = {}): asserts value is number {
  const { min, max } = boundsOf(bounds, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(name, 'an integer', value)
  if (value < min || value > max) outOfRange(name, value, min, max)
}

/** A finite number in [min, max] (NaN and ±Infinity refused). */
export function assertFiniteNumber(
  value: unknown,
  name: string,
  bounds: Bounds = {},
): asserts value is number {
  const { min, max } = boundsOf(bounds, -Number.MAX_VALUE, Number.MAX_VALUE)
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(name, 'a finite number', value)
  if (value < min || value > max) outOfRange(name, value, min, max)
}

/** An optional positive integer limit: the default when undefined, else checked. */
export function limitOption(
  value: unknown,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  assertInteger(value, name, { min: 1, max: typeof max === 'number' ? max : Number.MAX_SAFE_INTEGER })
  return value
}

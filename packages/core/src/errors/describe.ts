/**
 * A short, printable description of an untrusted value, for error messages.
 *
 * `String(x)` and template strings call the value's own `toString` / `Symbol.toPrimitive`,
 * so `{"toString": null}` from a token throws a raw TypeError while the error for it is being
 * built. This never calls anything on the value: strings are JSON-quoted and cut, other
 * primitives printed, objects and arrays named by kind.
 */
export function describeValue(value: unknown, maxLength = 64): string {
  // The limit itself may come from a careless caller: anything but a sane integer is 64.
  const limit =
    typeof maxLength === 'number' && Number.isSafeInteger(maxLength) && maxLength > 0 ? maxLength : 64
  switch (typeof value) {
    case 'string': {
      const cut = value.length > limit ? `${value.slice(0, limit)}…` : value
      return JSON.stringify(cut)
    }
    case 'number':
    case 'boolean':
      return `${value}`
    case 'bigint':
      return `${value}n`
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      if (value === null) return 'null'
      if (Array.isArray(value)) return `an array of ${value.length}`
      if (value instanceof Uint8Array) return `${value.length} bytes`
      return 'an object'
  }
}

/** The kind of a value for "must be X, got Y" messages: `null`, `array`, `string`, ... */
export function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Uint8Array) return 'Uint8Array'
  return typeof value
}

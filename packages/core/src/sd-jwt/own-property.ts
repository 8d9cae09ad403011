/**
 * Sets `key` as an own enumerable property. Claim names come from the token, and a plain
 * `obj[key] = value` with the key `__proto__` would replace the object's prototype
 * instead of adding a claim.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

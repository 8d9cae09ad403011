import { InvalidArgumentError } from 'commander'

/** commander argument parsers: a bad value is a usage error (exit 2) naming what was expected. */
export function positiveInteger(value: string): number {
  if (!/^[0-9]{1,15}$/.test(value) || Number(value) <= 0)
    throw new InvalidArgumentError('expected a positive integer')
  return Number(value)
}

export function nonNegativeInteger(value: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer')
  return Number(value)
}

export function httpUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('expected an http(s) URL')
  return value
}

/** A date (ISO 8601) or unix seconds, as unix seconds. */
export function timeArgument(value: string): number {
  if (/^[0-9]{1,12}$/.test(value)) return Number(value)
  const ms = Date.parse(value)
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected an ISO 8601 date (2027-01-31) or unix seconds')
  return Math.floor(ms / 1000)
}

export function commaList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list')
  return items
}

import { CivitasError, kindOf } from '../errors/index.js'

/** What a message calls the decoded value: the caller's label when it is a plain string. */
function labelOf(label: unknown): string {
  return typeof label === 'string' && label.length <= 100 ? label : 'value'
}

// Node's Buffer decoder silently skips characters outside the alphabet, so a
// tampered segment could decode "successfully". Validate first, then decode fast.
const BASE64URL = /^[A-Za-z0-9_-]*$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// The last character of a 4n+2 / 4n+3 string carries 4 / 2 bits that encode nothing. A
// decoder that ignores them gives every value 16 / 4 spellings, so a signature or key could
// be re-spelled into a "different" token with the same meaning. RFC 4648 §3.5 lets a decoder
// reject non-zero pad bits; we do, so each value has exactly one encoding.
function hasCanonicalTail(input: string): boolean {
  const rest = input.length % 4
  if (rest < 2) return true
  const value = ALPHABET.indexOf(input[input.length - 1] as string)
  return (value & (rest === 2 ? 0x0f : 0x03)) === 0
}

/** Encodes bytes or a UTF-8 string as unpadded base64url (RFC 4648 §5). */
export function base64urlEncode(input: Uint8Array | string): string {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `input must be a string or a Uint8Array, got ${kindOf(input)}`,
      {
        details: { argument: 'input' },
      },
    )
  }
  return (
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  ).toString('base64url')
}

/**
 * Decodes strict unpadded base64url: any character outside the URL-safe alphabet,
 * padding, an impossible length (4n+1) or non-zero unused bits in the last character
 * (a non-canonical spelling) is an `INVALID_ENCODING` error.
 */
export function base64urlDecode(input: string, label = 'value'): Uint8Array {
  const what = labelOf(label)
  if (typeof input !== 'string') {
    throw new CivitasError('INVALID_ENCODING', `${what} must be a base64url string`)
  }
  if (!BASE64URL.test(input) || input.length % 4 === 1 || !hasCanonicalTail(input)) {
    throw new CivitasError('INVALID_ENCODING', `${what} is not valid unpadded base64url`, {
      details: { what },
    })
  }
  const buf = Buffer.from(input, 'base64url')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/** Decodes strict base64url and parses the result as a UTF-8 JSON object. */
export function base64urlDecodeJson(input: string, label = 'value'): Record<string, unknown> {
  const what = labelOf(label)
  const bytes = base64urlDecode(input, what)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (cause) {
    throw new CivitasError('INVALID_ENCODING', `${what} is not UTF-8 JSON`, { cause, details: { what } })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CivitasError('INVALID_ENCODING', `${what} must be a JSON object`, { details: { what } })
  }
  return value as Record<string, unknown>
}

import { assertString, CivitasError, describeValue, limitOption } from '@civitas/core'
import { getAddress, isHexString } from 'ethers'

/**
 * Guards for the arguments of the registry clients. Every public function checks its
 * arguments here first, so a bad one is an INVALID_ARGUMENT naming it, never a TypeError
 * from inside ethers (whose errors also echo the whole value back, a 2 MB buffer included).
 */

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const UINT256_MAX = 2n ** 256n - 1n
/** setTimeout fires at once for delays above 2**31 - 1 ms: a larger timeout would mean none. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1

/** The argument name for a message: several of these guards are public, so even it may be junk. */
function label(name: unknown): string {
  return typeof name === 'string' && name.length <= 200 ? name : 'argument'
}

function invalid(name: string, message: string): CivitasError {
  return new CivitasError('INVALID_ARGUMENT', `${label(name)} ${message}`, {
    details: { argument: label(name) },
  })
}

/** At most `max` items, else INPUT_TOO_LARGE: ethers' ABI encoder is slow on huge arrays. */
export function assertMaxItems(value: readonly unknown[], name: string, max: number): void {
  if (value.length > max) {
    throw new CivitasError(
      'INPUT_TOO_LARGE',
      `${label(name)} has ${value.length} items, at most ${max} are accepted`,
      {
        details: { argument: label(name), count: value.length, max },
      },
    )
  }
}

// did:ethr network names: `mainnet`, `local`, or `<name>:<sub>` as ethr-did-resolver allows.
const NETWORK_NAME = /^[a-zA-Z0-9_-]{1,64}(?::[a-zA-Z0-9_-]{1,64})?$/

export function isNetworkName(value: unknown): value is string {
  return typeof value === 'string' && NETWORK_NAME.test(value)
}

export function assertNetworkName(value: unknown, name: string): asserts value is string {
  if (!isNetworkName(value)) throw invalid(name, 'must be a did:ethr network name (letters, digits, - and _)')
}

/**
 * An Ethereum address: 0x and 40 hex digits, with a valid EIP-55 checksum when mixed-case.
 * Returned as given (ethers accepts every casing); a malformed one is the caller's mistake.
 */
export function assertAddress(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    throw invalid(name, `must be an Ethereum address (0x and 40 hex digits), got ${describeValue(value)}`)
  }
  try {
    getAddress(value)
  } catch {
    throw invalid(name, `has a wrong EIP-55 checksum: ${value}`)
  }
}

/** A 32-byte hex value (`0x` and 64 hex digits). */
export function assertBytes32(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || !isHexString(value, 32)) {
    throw invalid(name, `must be 32 bytes of hex (0x and 64 hex digits), got ${describeValue(value)}`)
  }
}

/** An ethers ContractRunner (a Provider or a Signer): an object, checked before ethers sees it. */
export function assertRunner(value: unknown, name = 'runner'): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(name, 'must be an ethers Provider or Signer')
  }
}

/** A timeout in milliseconds: a positive integer that setTimeout can honour. */
export function timeoutOption(value: unknown, name: string, fallback: number): number {
  return limitOption(value, name, fallback, MAX_TIMEOUT_MS)
}

/**
 * A uint argument as the ABI takes it. `BigInt(1.5)` would throw a bare RangeError (and
 * synchronously, out of a promise-returning method): callers get INVALID_ARGUMENT instead.
 */
export function toUint(value: bigint | number, name: string, maxValue: bigint = UINT256_MAX): bigint {
  const max = typeof maxValue === 'bigint' ? maxValue : UINT256_MAX
  const ok =
    typeof value === 'bigint'
      ? value >= 0n && value <= max
      : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && BigInt(value) <= max
  if (ok) return BigInt(value)
  throw new CivitasError(
    'INVALID_ARGUMENT',
    `${label(name)} must be an integer in 0..${max}, got ${describeValue(value)}`,
    {
      details: { argument: label(name), [label(name)]: describeValue(value) },
    },
  )
}

/** A non-empty string of well-formed UTF-16 (a lone surrogate has no UTF-8 encoding). */
export function assertText(value: unknown, name: string, maxLength: number): asserts value is string {
  assertString(value, name, { nonEmpty: true })
  if (value.length > maxLength) {
    throw new CivitasError('INPUT_TOO_LARGE', `${label(name)} is longer than ${maxLength} characters`, {
      details: { argument: label(name), length: value.length, maxLength },
    })
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
    throw invalid(name, 'contains a lone surrogate (not valid UTF-16, no UTF-8 form)')
  }
}

/** Longest document or schema URI sent: the contracts keep at most 512 bytes and say so. */
export const MAX_URI_LENGTH = 2048

/**
 * A URI for the chain: a string of at most {@link MAX_URI_LENGTH} characters, so a huge one
 * never reaches ethers' ABI encoder; an empty one is the contract's to refuse.
 */
export function assertUri(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalid(name, `must be a string, got ${describeValue(value)}`)
  if (value.length > MAX_URI_LENGTH) {
    throw new CivitasError('INPUT_TOO_LARGE', `${label(name)} is longer than ${MAX_URI_LENGTH} characters`, {
      details: { argument: label(name), length: value.length, maxLength: MAX_URI_LENGTH },
    })
  }
}

/** An iterable of values (an array, a Set, ...), not a string. */
export function assertIterable(value: unknown, name: string): asserts value is Iterable<unknown> {
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function'
  ) {
    throw invalid(name, `must be an array or another iterable, got ${describeValue(value)}`)
  }
}

/** A JSON-RPC endpoint: an http(s) URL. */
export function assertRpcUrl(value: unknown, name = 'rpcUrl'): asserts value is string {
  assertText(value, name, 2048)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalid(name, `is not a URL: ${describeValue(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(name, 'must be an http(s) URL')
}

/** A chain id: a positive integer that fits the uint64 every client and node uses. */
export function toChainId(value: unknown, name = 'chainId'): bigint {
  const id = toUint(value as bigint | number, name, 2n ** 64n - 1n)
  if (id === 0n) throw invalid(name, 'must be positive')
  return id
}

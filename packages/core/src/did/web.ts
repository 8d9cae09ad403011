import type { DIDDocument, DIDResolutionOptions, DIDResolutionResult } from 'did-resolver'
import { parseJson } from '../encoding/json.js'
import { CivitasError, describeValue } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { documentResult, errorResult, errorResultFrom, keyError } from './resolution.js'
import { isPrivateHost } from './web-host.js'

/** did:web (https://w3c-ccg.github.io/did-method-web/), HTTPS only. */

/** The subset of WHATWG `fetch` did:web needs; inject one for tests or for a proxy. */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string>; redirect: 'error' },
) => Promise<Response>

export interface DidWebOptions {
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike
  /** Whole request, headers and body included. Default 5,000 ms. */
  timeoutMs?: number
  /** Largest accepted document. Default 256 KiB: real DID documents are a few KiB. */
  maxBytes?: number
  /**
   * Which hosts may be fetched (lower-case host name, no port); when given, it alone decides.
   * Default: every host except loopback, private and local-use names (`localhost`, `*.local`,
   * `*.internal`, single-label names, ...: see {@link isPrivateHost}), so that a DID taken
   * from an untrusted credential cannot aim the verifier's requests at its own network.
   * Combine with the default: `(host) => host === 'did.corp.example' || !isPrivateHost(host)`.
   */
  allowHost?: (host: string) => boolean
}

const DID_WEB_PREFIX = 'did:web:'
const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_BYTES = 256 * 1024
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i
const PORT = /^[0-9]{1,5}$/
// The WHATWG URL parser reads a host whose last label is a number ("127.0.0.1", "2130706433",
// "0x7f.1") as an IPv4 address. The did:web spec forbids IP addresses, and they are how a
// token would point a verifier at 127.0.0.1 or a cloud metadata endpoint.
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/i
// Path segments are taken literally: no separators, dot-segments or control characters,
// so a DID can never climb out of its host's path space (path traversal) or smuggle a query.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const BAD_SEGMENT = /[/\\?#\u0000-\u001f\u007f]/

function invalid(message: string): CivitasError {
  return keyError('DID_INVALID', 'invalidDid', message)
}

function percentDecode(value: string, what: string): string {
  try {
    return decodeURIComponent(value)
  } catch (cause) {
    throw keyError('DID_INVALID', 'invalidDid', `${what} has a malformed percent-encoding`, cause)
  }
}

/**
 * The HTTPS URL of a did:web document: `did:web:example.com` →
 * `https://example.com/.well-known/did.json`; `did:web:example.com%3A8443:user:alice` →
 * `https://example.com:8443/user/alice/did.json`. Rejects anything that is not a DNS host
 * name (with optional port) followed by plain path segments.
 */
export function didWebUrl(did: string): string {
  if (typeof did !== 'string' || !did.startsWith(DID_WEB_PREFIX)) throw invalid('not a did:web')
  const [hostPart = '', ...pathParts] = did.slice(DID_WEB_PREFIX.length).split(':')
  const hostAndPort = percentDecode(hostPart, 'did:web host')
  const portAt = hostAndPort.lastIndexOf(':')
  const host = portAt === -1 ? hostAndPort : hostAndPort.slice(0, portAt)
  const port = portAt === -1 ? undefined : hostAndPort.slice(portAt + 1)
  const labels = host.split('.')
  if (host.length > 253 || labels.length < 1 || !labels.every((label) => HOST_LABEL.test(label))) {
    throw invalid(`did:web host ${describeValue(host)} is not a DNS host name`)
  }
  if (NUMERIC_LABEL.test(labels[labels.length - 1] as string)) {
    throw invalid(`did:web host ${describeValue(host)} is an IP address, which did:web does not allow`)
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) < 1 || Number(port) > 65_535)) {
    throw invalid(`did:web port ${describeValue(port)} is not a port number`)
  }
  const segments = pathParts.map((part) => {
    const segment = percentDecode(part, 'did:web path')
    if (segment === '' || segment === '.' || segment === '..' || BAD_SEGMENT.test(segment)) {
      throw invalid(`did:web path segment ${describeValue(part)} is not allowed`)
    }
    return encodeURIComponent(segment)
  })
  const origin = `https://${host.toLowerCase()}${port === undefined ? '' : `:${port}`}`
  return segments.length === 0 ? `${origin}/.well-known/did.json` : `${origin}/${segments.join('/')}/did.json`
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new CivitasError('INVALID_ARGUMENT', `${what} must be > 0`)
  return value
}

/** Rejects as soon as `signal` aborts, so a fetch that ignores its signal cannot hang us. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function tooLarge(maxBytes: number): CivitasError {
  return new CivitasError('INPUT_TOO_LARGE', `did:web document is larger than ${maxBytes} bytes`, {
    details: { resolutionError: 'invalidDidDocument', maxBytes },
  })
}

/** Reads at most `maxBytes` of the body, cancelling the stream as soon as it is exceeded. */
async function readLimited(response: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  if (!response.body) {
    const whole = new Uint8Array(await untilAborted(response.arrayBuffer(), signal))
    if (whole.length > maxBytes) throw tooLarge(maxBytes)
    return whole
  }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await untilAborted(reader.read(), signal)
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      void reader.cancel().catch(() => {})
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

function documentError(message: string): DIDResolutionResult {
  return errorResult('invalidDidDocument', message, 'DID_DOCUMENT_INVALID')
}

/** Creates the did:web method resolver. */
export function createDidWebResolver(
  options: DidWebOptions = {},
): (did: string, resolutionOptions?: DIDResolutionOptions) => Promise<DIDResolutionResult> {
  if (!isRecord(options as unknown)) {
    throw new CivitasError('INVALID_ARGUMENT', 'did:web options must be an object', {
      details: { argument: 'options' },
    })
  }
  const fetchFn: FetchLike | undefined = options.fetch ?? (globalThis.fetch as FetchLike | undefined)
  const timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'did:web timeoutMs')
  const maxBytes = positive(options.maxBytes, DEFAULT_MAX_BYTES, 'did:web maxBytes')
  if (typeof fetchFn !== 'function')
    throw new CivitasError('INVALID_ARGUMENT', 'did:web needs a fetch function')
  if (options.allowHost !== undefined && typeof options.allowHost !== 'function') {
    throw new CivitasError('INVALID_ARGUMENT', 'did:web allowHost must be a function')
  }
  const allowHost = options.allowHost ?? ((host: string) => !isPrivateHost(host))

  return async (did, resolutionOptions = {}) => {
    let url: string
    try {
      url = didWebUrl(did)
    } catch (thrown) {
      return errorResultFrom(thrown)
    }
    const host = new URL(url).hostname
    if (allowHost(host) !== true) {
      return errorResult('notFound', `did:web host ${host} is not allowed by this resolver`)
    }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
    let body: Uint8Array
    try {
      const response = await untilAborted(
        fetchFn(url, {
          signal: controller.signal,
          headers: { accept: 'application/did+json, application/did+ld+json, application/json' },
          // A redirect could leave HTTPS or the DID's host; did:web binds the DID to this URL.
          redirect: 'error',
        }),
        controller.signal,
      )
      if (!response.ok) {
        void response.body?.cancel().catch(() => {})
        const transient = response.status >= 500 || response.status === 429
        return errorResult(
          transient ? 'unavailable' : 'notFound',
          `GET ${url} answered HTTP ${response.status}`,
        )
      }
      body = await readLimited(response, maxBytes, controller.signal)
    } catch (thrown) {
      if (thrown instanceof CivitasError) return errorResultFrom(thrown)
      const reason = controller.signal.aborted
        ? String((controller.signal.reason as Error)?.message)
        : undefined
      const message = reason ?? (thrown instanceof Error ? thrown.message : describeValue(thrown))
      return errorResult('unavailable', `GET ${url} failed: ${message}`)
    } finally {
      clearTimeout(timer)
    }

    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body)
    } catch {
      return documentError(`${url} is not UTF-8`)
    }
    let document: unknown
    try {
      // Bounded depth: a few KiB of nested arrays would otherwise overflow the stack of
      // whatever walks the document next (the cache's structuredClone, canonicalisation).
      document = parseJson(text, 'DID_DOCUMENT_INVALID', { what: `did:web document ${url}` })
    } catch (thrown) {
      return errorResultFrom(thrown)
    }
    if (!isRecord(document)) return documentError(`${url} is not a JSON object`)
    if (document.id !== did) {
      // Otherwise a host could answer with another DID's document and have it trusted as this one.
      return documentError(`document id ${describeValue(document.id, 120)} does not match ${did}`)
    }
    return documentResult(document as DIDDocument, resolutionOptions.accept)
  }
}

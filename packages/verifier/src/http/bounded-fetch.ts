import { CivitasError, type CivitasErrorCode, describeValue } from '@civitas/core'

/** The part of WHATWG `fetch` the verifier uses; inject one to route or record requests. */
export type FetchLike = (
  input: string,
  init: { method: 'GET'; headers: Record<string, string>; signal: AbortSignal; redirect: 'error' },
) => Promise<{
  ok: boolean
  status: number
  headers: { get(name: string): string | null }
  body: ReadableStream<Uint8Array> | null
}>

export interface BoundedFetchOptions {
  fetch: FetchLike
  /** Largest body read, in bytes; more is INPUT_TOO_LARGE and the rest is never downloaded. */
  maxBytes: number
  /** Whole request, headers and body, in milliseconds. */
  timeoutMs: number
  accept: string
  /** The code for "could not be fetched": STATUS_UNAVAILABLE, SCHEMA_UNAVAILABLE... */
  unavailable: CivitasErrorCode
  /** What is fetched, for messages: "status list", "schema". */
  what: string
}

/** Only http(s): a `file:` or `data:` URL from a credential must never be read. */
export function checkRemoteUrl(url: string, code: CivitasErrorCode, what: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new CivitasError(code, `the ${what} URL ${describeValue(url, 200)} is not a URL`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new CivitasError(code, `the ${what} URL ${describeValue(url, 200)} is not http(s)`)
  }
  return parsed
}

/**
 * GETs `url` and returns its body, bounded in size and time: a server that answers slowly,
 * endlessly or with 10 MB fails with a code instead of holding the verifier. Redirects are
 * refused (a list or schema URL is what the issuer signed, not what a server points to).
 */
export async function fetchBounded(url: string, options: BoundedFetchOptions): Promise<Uint8Array> {
  checkRemoteUrl(url, options.unavailable, options.what)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs)
  const where = describeValue(url, 200)
  try {
    let response: Awaited<ReturnType<FetchLike>>
    try {
      response = await options.fetch(url, {
        method: 'GET',
        headers: { accept: options.accept },
        signal: controller.signal,
        redirect: 'error',
      })
    } catch (error) {
      const reason = controller.signal.aborted ? `no answer within ${options.timeoutMs} ms` : 'unreachable'
      throw new CivitasError(options.unavailable, `the ${options.what} at ${where} is ${reason}`, {
        cause: error,
        details: { url },
      })
    }
    if (!response.ok) {
      throw new CivitasError(
        options.unavailable,
        `the ${options.what} at ${where} answered HTTP ${response.status}`,
        { details: { url, status: response.status } },
      )
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      throw tooLarge(options, where, url)
    }
    return await readBody(response.body, options, where, url, controller)
  } finally {
    clearTimeout(timer)
  }
}

function tooLarge(options: BoundedFetchOptions, where: string, url: string): CivitasError {
  return new CivitasError(
    'INPUT_TOO_LARGE',
    `the ${options.what} at ${where} is larger than ${options.maxBytes} bytes`,
    { details: { url, maxBytes: options.maxBytes } },
  )
}

async function readBody(
  body: ReadableStream<Uint8Array> | null,
  options: BoundedFetchOptions,
  where: string,
  url: string,
  controller: AbortController,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > options.maxBytes) throw tooLarge(options, where, url)
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof CivitasError) throw error
    const reason = controller.signal.aborted
      ? `sent no complete answer within ${options.timeoutMs} ms`
      : 'broke off'
    throw new CivitasError(options.unavailable, `the ${options.what} at ${where} ${reason}`, {
      cause: error,
      details: { url },
    })
  } finally {
    // Stops the download of whatever the server still sends.
    reader.cancel().catch(() => {})
    controller.abort()
  }
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

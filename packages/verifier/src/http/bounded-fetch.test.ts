import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FetchLike, fetchBounded } from './bounded-fetch.js'

describe('fetchBounded', () => {
  let url: string
  let bodyBytesSent = 0
  const server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/ok' }).end()
    } else if (req.url === '/declared-large') {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) })
      bodyBytesSent += 1024
      res.write(Buffer.alloc(1024))
    } else {
      res.writeHead(200).end('ok')
    }
  })
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const options = {
    fetch: globalThis.fetch as unknown as FetchLike,
    maxBytes: 1024 * 1024,
    timeoutMs: 2_000,
    accept: '*/*',
    unavailable: 'STATUS_UNAVAILABLE' as const,
    what: 'status list',
  }

  it('reads a body', async () => {
    expect(new TextDecoder().decode(await fetchBounded(`${url}/ok`, options))).toBe('ok')
  })

  it('a file:, data: or javascript: URL from a credential is never read', async () => {
    for (const bad of ['file:///etc/passwd', 'data:text/plain,x', 'javascript:alert(1)', 'not a url']) {
      await expect(fetchBounded(bad, options)).rejects.toMatchObject({ code: 'STATUS_UNAVAILABLE' })
    }
  })

  it('redirects are refused: the URL is what the issuer signed', async () => {
    await expect(fetchBounded(`${url}/redirect`, options)).rejects.toMatchObject({
      code: 'STATUS_UNAVAILABLE',
    })
  })

  it('a declared length over the limit is refused before the body is read', async () => {
    await expect(fetchBounded(`${url}/declared-large`, options)).rejects.toMatchObject({
      code: 'INPUT_TOO_LARGE',
    })
    expect(bodyBytesSent).toBe(1024)
  })
})

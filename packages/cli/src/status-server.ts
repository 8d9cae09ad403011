import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { UsageError } from './usage-error.js'

export interface StatusServer {
  /** Where the lists are reachable on this server: the local origin plus the base URL's path. */
  url: string
  close(): Promise<void>
}

const MAX_URL_LENGTH = 2048

/**
 * The issuer's Request → Response handler on node:http. Requests are re-based onto the public
 * base URL, so the handler sees the paths that credentials name even behind a proxy.
 */
export async function serveStatusLists(
  handler: (request: Request) => Promise<Response>,
  options: { baseUrl: string; port: number; host: string },
): Promise<StatusServer> {
  const base = new URL(options.baseUrl)
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/'
    if (path.length > MAX_URL_LENGTH || !path.startsWith('/')) {
      res.writeHead(414).end()
      return
    }
    // Status lists are read, nothing else; and `new Request` throws on TRACE / CONNECT, which
    // must not take the server down.
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    handler(new Request(new URL(path, base.origin), { method: req.method }))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers))
        res.end(Buffer.from(await response.arrayBuffer()))
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
  })
  // Idle keep-alive sockets must not keep a stopping server alive.
  server.keepAliveTimeout = 5_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new UsageError(
          `cannot listen on ${options.host}:${options.port} (${error.code ?? 'error'})`,
          'choose another --port (0 picks a free one) or --host',
        ),
      ),
    )
    server.listen(options.port, options.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}${base.pathname.replace(/\/$/, '')}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

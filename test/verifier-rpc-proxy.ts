/**
 * A JSON-RPC proxy on 127.0.0.1 in front of anvil: counts every call by method (batch
 * members one by one) and, on demand, answers slowly, with errors or with garbage. The
 * verifier talks to it as to any node: the boundary is the network, nothing is mocked inside.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ProxyFault = 'none' | 'slow' | 'http-500' | 'rpc-error' | 'garbage' | 'hang'

export interface RpcProxy {
  url: string
  /** JSON-RPC calls seen, by method. */
  calls: Map<string, number>
  total(): number
  reset(): void
  fault: ProxyFault
  /** Delay of `slow`, ms. */
  delayMs: number
  close(): Promise<void>
}

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const calls = new Map<string, number>()
  const proxy: RpcProxy = {
    url: '',
    calls,
    total: () => [...calls.values()].reduce((a, b) => a + b, 0),
    reset: () => calls.clear(),
    fault: 'none',
    delayMs: 0,
    close: async () => {},
  }
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString()
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        response.writeHead(400).end()
        return
      }
      const requests = (Array.isArray(parsed) ? parsed : [parsed]) as { id?: unknown; method?: string }[]
      for (const r of requests) calls.set(String(r.method), (calls.get(String(r.method)) ?? 0) + 1)
      switch (proxy.fault) {
        case 'hang':
          return // never answers; the client's timeout must end the wait
        case 'http-500':
          response.writeHead(500).end('internal error')
          return
        case 'garbage':
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","result":')
          return
        case 'rpc-error': {
          const errors = requests.map((r) => ({
            jsonrpc: '2.0',
            id: r.id,
            error: { code: -32000, message: 'node is syncing' },
          }))
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(Array.isArray(parsed) ? errors : errors[0]))
          return
        }
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, proxy.delayMs))
          break
      }
      try {
        const upstream = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text())
      } catch {
        if (!response.headersSent) response.writeHead(502)
        response.end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  proxy.url = `http://127.0.0.1:${port}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}

/**
 * Faults at the verifier's boundaries: a node that answers slowly, with errors, with garbage
 * or not at all (a JSON-RPC proxy in front of anvil), status-list servers that send garbage,
 * 10 MB, half a body or close the socket, and the chain stopped mid-run. Never "verified",
 * each its own code, and every call returns within the configured timeouts.
 */
import { ethrNetworkFromManifest } from '@civitas/registry-contracts'
import { createVerifier } from '@civitas/verifier'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyFault, type RpcProxy, startRpcProxy } from './verifier-rpc-proxy.js'
import { issueDiploma, listUrl, REVOCATION_LIST, startWorld, type World } from './verifier-support.js'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

describe('verifier faults', () => {
  let world: World
  let proxy: RpcProxy

  beforeAll(async () => {
    world = await startWorld()
    proxy = await startRpcProxy(world.chain.rpcUrl)
  })
  afterAll(async () => {
    await proxy?.close()
    await world?.stop()
  })

  describe('a status-list server that misbehaves', () => {
    const path = () => new URL(listUrl(world, world.university, REVOCATION_LIST)).pathname
    const withRoute = async (
      route: Parameters<World['http']['routes']['set']>[1],
      run: () => Promise<void>,
    ): Promise<void> => {
      const original = world.http.routes.get(path())!
      world.http.routes.set(path(), route)
      try {
        await run()
      } finally {
        world.http.routes.set(path(), original)
      }
    }
    const verifyByList = async () => {
      const { token } = await issueDiploma(world, {
        schema: false,
        listsOnly: true,
        purposes: ['revocation'],
      })
      return createVerifier({
        networks: [ethrNetworkFromManifest(world.chain.manifest)],
        trust: { issuers: [world.university.did] },
        limits: { statusLists: { timeoutMs: 500, maxBytes: 1024 * 1024 } },
      }).verifyCredential(token)
    }

    it('garbage → STATUS_LIST_INVALID', async () => {
      await withRoute(
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/vc+jwt' }).end('<html>maintenance</html>')
        },
        async () => {
          expect(failures(await verifyByList())).toEqual(['credential/status: STATUS_LIST_INVALID'])
        },
      )
    })

    it('a 10 MB body → INPUT_TOO_LARGE, without reading it all', async () => {
      let sent = 0
      await withRoute(
        async (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/vc+jwt' })
          const chunk = Buffer.alloc(64 * 1024, 0x61)
          for (let i = 0; i < 160 && !res.destroyed; i++) {
            sent += chunk.length
            if (!res.write(chunk))
              await new Promise((resolve) => res.once('drain', resolve).once('close', resolve))
          }
          res.end()
        },
        async () => {
          expect(failures(await verifyByList())).toEqual(['credential/status: INPUT_TOO_LARGE'])
        },
      )
      expect(sent).toBeLessThan(10 * 1024 * 1024)
    })

    it('a body that never ends → STATUS_UNAVAILABLE after the timeout', async () => {
      await withRoute(
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/vc+jwt' }).write('eyJhbGciOi')
        },
        async () => {
          expect(failures(await verifyByList())).toEqual(['credential/status: STATUS_UNAVAILABLE'])
        },
      )
    })

    it('a server that drops the connection or answers 503 → STATUS_UNAVAILABLE', async () => {
      await withRoute(
        (req) => {
          req.socket.destroy()
        },
        async () => {
          expect(failures(await verifyByList())).toEqual(['credential/status: STATUS_UNAVAILABLE'])
        },
      )
      await withRoute(
        (_req, res) => {
          res.writeHead(503).end()
        },
        async () => {
          expect(failures(await verifyByList())).toEqual(['credential/status: STATUS_UNAVAILABLE'])
        },
      )
    })
  })

  describe('a node that misbehaves (JSON-RPC proxy)', () => {
    const cases: [ProxyFault, string][] = [
      ['slow', 'answers after the read timeout'],
      ['hang', 'never answers'],
      ['http-500', 'answers HTTP 500'],
      ['rpc-error', 'answers JSON-RPC errors'],
      ['garbage', 'answers truncated JSON'],
    ]
    for (const [fault, what] of cases) {
      it(`a node that ${what} → status, trust and schema each fail with their UNAVAILABLE code`, async () => {
        const { token } = await issueDiploma(world)
        const verifier = createVerifier({
          // DID documents from the node directly, so the signature check is not what fails.
          networks: [ethrNetworkFromManifest(world.chain.manifest)],
          chain: { manifest: world.chain.manifest, rpcUrl: proxy.url, readTimeoutMs: 400 },
          trust: { rootTaos: [world.ministry.did] },
        })
        proxy.fault = fault
        proxy.delayMs = 2_000
        try {
          const result = await verifier.verifyCredential(token)
          expect(result.verified).toBe(false)
          expect(failures(result)).toEqual([
            'credential/status: STATUS_UNAVAILABLE',
            'credential/trust: TRUST_UNAVAILABLE',
            'credential/schema: SCHEMA_UNAVAILABLE',
          ])
        } finally {
          proxy.fault = 'none'
        }
      })
    }
  })

  it('the chain stopped mid-run: the warm verifier fails status/trust/schema; a cold one cannot resolve the issuer', async () => {
    const { token } = await issueDiploma(world)
    const warm = createVerifier({
      chain: { manifest: world.chain.manifest, headTtlMs: 0, readTimeoutMs: 1_000 },
      trust: { rootTaos: [world.ministry.did] },
    })
    expect(failures(await warm.verifyCredential(token))).toEqual([])
    await world.chain.stop()
    expect(failures(await warm.verifyCredential(token))).toEqual([
      'credential/status: STATUS_UNAVAILABLE',
      'credential/trust: TRUST_UNAVAILABLE',
      'credential/schema: SCHEMA_UNAVAILABLE',
    ])
    const cold = createVerifier({
      chain: { manifest: world.chain.manifest, readTimeoutMs: 1_000 },
      trust: { rootTaos: [world.ministry.did] },
    })
    expect(failures(await cold.verifyCredential(token))).toEqual(['credential/signature: CHAIN_UNAVAILABLE'])
  })
})

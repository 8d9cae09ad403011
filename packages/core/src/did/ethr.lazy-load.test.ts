import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'

// ethers (half of @civitas/core's load time) is loaded on the first did:ethr resolution, not
// on import: a wallet that only ever meets did:key / did:jwk never loads it. Node's module
// resolve hook sees every module this worker loads from here on.

const HOOKS = `
let port
export async function initialize(data) { port = data.port }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  port.postMessage(result.url)
  return result
}
`

function watchModuleLoads(): string[] {
  const { port1, port2 } = new MessageChannel()
  const loaded: string[] = []
  port1.on('message', (url: string) => loaded.push(url))
  port1.unref()
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: { port: port2 },
    transferList: [port2],
  })
  return loaded
}

const heavy = (urls: string[]) =>
  urls.filter((url) =>
    /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:ethers|ethr-did-resolver)\//.test(url),
  )

describe('ethers is loaded on first did:ethr use only', () => {
  it('importing @civitas/core and verifying with did:key loads no ethers; the first did:ethr resolution does', async () => {
    const loaded = watchModuleLoads()
    const core = await import('../index.js')
    const { privateJwk, publicJwk } = await core.generateKeyPair('EdDSA')
    const did = core.didKeyFromJwk(publicJwk)
    const resolver = core.createResolver({
      web: false,
      ethr: {
        networks: [
          {
            name: 'civitas',
            chainId: 1337,
            registry: '0xdca7ef03e98e0dc2b855be647c39abe984fcf21b',
            provider: {
              call: async () => `0x${'0'.repeat(64)}`,
              getLogs: async () => [],
              getBlock: async () => null,
            },
          },
        ],
      },
    })
    const jws = await core.signJws(
      { iss: did },
      core.localSigner(privateJwk, { kid: `${did}#${did.slice(8)}` }),
    )
    await core.verifyJwsWithDid(jws, { resolver })
    await new Promise((resolve) => setTimeout(resolve, 50)) // let the hook thread's messages arrive
    expect(loaded.length).toBeGreaterThan(0)
    expect(heavy(loaded)).toEqual([])

    await core.resolveDid(resolver, 'did:ethr:civitas:0xb9c5714089478a327f09197987f16f9e5d936e8a')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(heavy(loaded).length).toBeGreaterThan(0)
  })
})

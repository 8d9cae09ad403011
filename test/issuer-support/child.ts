// Child process of the issuer's multi-process tests. One JSON argument (ChildConfig):
// - mode 'issue': issues `count` credentials, printing `ack <id> <purpose>:<listId>:<index> ...`
//   once each is returned (so once its allocation is committed);
// - mode 'batch': issueBatch of `count` rows keyed `row-<i>`, printing
//   `ack <key> <id> <resumed> <purpose>:<listId>:<index> ...` per finished row; with `killAtSign`
//   it SIGKILLs itself inside that signature, so that row's allocation is committed and unsigned;
// - mode 'flush': flushes the queue, killing itself with SIGKILL at `crashAt`:
//   'before-send' (nothing sent), 'after-send' (transaction sent, receipt not read),
//   'after-receipt' (receipt in, queue not yet marked done).
import { localSigner } from '@civitas/core'
import { createIssuer } from '@civitas/issuer'
import { createRegistryProvider, type RegistryManifest } from '@civitas/registry-contracts'
import { type JsonRpcPayload, JsonRpcProvider, type JsonRpcResult, Network, Wallet } from 'ethers'
import type { ChildConfig } from './child-config.js'

const config = JSON.parse(process.argv[2]!) as ChildConfig
const manifest = config.manifest as RegistryManifest
const die = () => process.kill(process.pid, 'SIGKILL')

// The provider the issuer's account sends through: the kill point after a transaction was
// handed to the node but before its receipt was read sits at this boundary.
class CrashingProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const result = await super._send(payload)
    const sent = (Array.isArray(payload) ? payload : [payload]).some(
      (p) => p.method === 'eth_sendRawTransaction',
    )
    if (sent && config.crashAt === 'after-send') die()
    return result
  }
}
const network = Network.from(manifest.network.chainId)
const provider =
  config.crashAt === 'after-send'
    ? new CrashingProvider(manifest.network.rpcUrl, network, {
        staticNetwork: network,
        cacheTimeout: -1,
        pollingInterval: 100,
      })
    : createRegistryProvider(manifest.network.rpcUrl, manifest.network.chainId)

const local = localSigner(config.issuerJwk, { kid: config.kid })
let signatures = 0
const signer = {
  ...local,
  sign(bytes: Uint8Array) {
    if (++signatures === config.killAtSign) die()
    return local.sign(bytes)
  },
}

const issuer = await createIssuer({
  did: config.did,
  signer,
  chain: { manifest, txSigner: new Wallet(config.txKey, provider) },
  store: config.store,
  statusLists: { baseUrl: config.baseUrl, purposes: ['revocation', 'suspension'] },
  flushIntervalMs: 0,
  checks: { accreditation: false },
  instanceId: config.instanceId ?? `child-${process.pid}`,
  hooks: {
    beforeSend: () => {
      if (config.crashAt === 'before-send') die()
    },
    afterReceipt: () => {
      if (config.crashAt === 'after-receipt') die()
    },
  },
})

if (config.mode === 'issue') {
  for (let i = 0; i < (config.count ?? 1); i++) {
    const { id, status } = await issuer.issue({
      format: 'vc+jwt',
      type: 'VerifiableDiploma',
      subject: 'did:example:holder',
      claims: { n: i },
    })
    console.log(`ack ${id} ${status.map((s) => `${s.purpose}:${s.listId}:${s.index}`).join(' ')}`)
  }
} else if (config.mode === 'batch') {
  const rows = Array.from({ length: config.count ?? 1 }, (_, i) => ({
    key: `row-${i}`,
    format: 'vc+jwt' as const,
    type: 'VerifiableDiploma',
    subject: 'did:example:holder',
    claims: { n: i },
  }))
  const result = await issuer.issueBatch(rows, {
    concurrency: config.concurrency ?? 4,
    onProgress: ({ row }) => {
      if (row.ok) console.log(`ack ${row.key} ${row.id} ${row.resumed}`)
      else console.log(`failed ${row.key} ${row.error.code}`)
    },
  })
  console.log(`batch ${result.issued} ${result.resumed} ${result.failed}`)
} else {
  const result = await issuer.flush()
  console.log(`flushed ${result.applied} ${result.transactions}`)
}
await issuer.close()

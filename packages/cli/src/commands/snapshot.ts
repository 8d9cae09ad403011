import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { contextOf } from '../context.js'
import { commaList } from '../options.js'
import { UsageError } from '../usage-error.js'

// Heavy modules (ethers, verifier, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('@civitas/verifier')),
  ...(await import('@civitas/core')),
  ...(await import('../chain-access.js')),
})
let m: Awaited<ReturnType<typeof load>>

interface SnapshotOptions {
  out: string
  key?: string
  rootTao?: string[]
  issuers?: string[]
  types?: string[]
  schemas?: string[]
  manifest?: string
  rpc?: string
}

export function registerSnapshot(program: Command): void {
  const snapshot = program
    .command('snapshot')
    .description('signed trust snapshots: what an offline verifier (a border post) needs, at one block')
    .addHelpText(
      'after',
      '\nExample:\n  $ civitas snapshot create --out trust.snapshot.json --root-tao did:ethr:local:0x0363… --key operator.key.json',
    )

  snapshot
    .command('create')
    .description(
      "capture accreditation chains, issuers' DID documents, status words and schemas, signed with a key file",
    )
    .addOption(new Option('--out <file>', 'where to write the snapshot (JSON)').makeOptionMandatory())
    .option(
      '--key <file>',
      "the operator's key file that signs the snapshot (default: civitas.json issuerKey)",
    )
    .option(
      '--root-tao <dids>',
      'Root TAOs, comma-separated (default: civitas.json trust.rootTaos)',
      commaList,
    )
    .option(
      '--issuers <dids>',
      'only these issuers (default: every one accredited under the Root TAOs)',
      commaList,
    )
    .option('--types <types>', 'only issuers accredited for one of these credential types', commaList)
    .option('--schemas <ids>', 'schema ids to include (default: every registered schema)', commaList)
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `
Verifiers check the snapshot with the operator's public key: give them the key file (its
public part is read without a passphrase) or the public JWK from --json's "publicJwk".
It cannot know revocations after its block: make a fresh one regularly.

Example:
  $ civitas snapshot create --out trust.snapshot.json --root-tao did:ethr:local:0x0363… --key operator.key.json
  $ civitas verify pid.sd-jwt --offline trust.snapshot.json --snapshot-key operator.key.json`,
    )
    .action(async (options: SnapshotOptions, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const rootTaos = options.rootTao ?? ctx.config.trust.rootTaos
      if (rootTaos.length === 0)
        throw new UsageError(
          'a snapshot is made for Root TAOs, and none is given',
          'pass --root-tao DID or set "trust": { "rootTaos": [...] } in civitas.json',
        )
      const key = await m.unlockKey(ctx, options.key, 'the snapshot operator')
      const { manifest, rpcUrl } = await m.connect(ctx, options)
      const text = await m.createTrustSnapshot({
        chain: { manifest, rpcUrl },
        rootTaos,
        ...(options.issuers ? { issuers: options.issuers } : {}),
        ...(options.types ? { types: options.types } : {}),
        ...(options.schemas ? { schemas: options.schemas } : {}),
        signer: m.localSigner(key.privateJwk, key.kid ? { kid: key.kid } : {}),
      })
      const out = resolve(options.out)
      try {
        writeFileSync(out, text)
      } catch {
        throw new UsageError(`cannot write ${options.out.slice(0, 300)}`, 'check the --out path')
      }
      const { body } = await m.loadTrustSnapshot(text, { publicKey: key.publicJwk })
      const summary = {
        out,
        bytes: Buffer.byteLength(text),
        chainId: body.chain.chainId,
        network: body.chain.network,
        block: body.chain.block,
        asOf: new Date(body.chain.blockTime * 1000).toISOString(),
        rootTaos: body.rootTaos,
        issuers: Object.keys(body.dids).length,
        statusLists: Object.keys(body.statusLists).length,
        signedBy: key.did,
        publicJwk: key.publicJwk,
      }
      ctx.out.result(summary, () => {
        ctx.out.line(
          `${ctx.out.color.green('✓')} trust snapshot of block ${summary.block} (${summary.asOf}) → ${out}`,
        )
        ctx.out.line(
          `  ${summary.rootTaos.length} Root TAO(s), ${summary.issuers} DID(s), ${summary.statusLists} status list(s), ${summary.bytes} bytes, signed by ${key.did}`,
        )
      })
    })
}

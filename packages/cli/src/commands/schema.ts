import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import type { SchemaVersion } from '@civitas/registry-contracts'
import type { Command } from 'commander'
import { contextOf } from '../context.js'
import { nonNegativeInteger } from '../options.js'
import { UsageError } from '../usage-error.js'

// Heavy modules (ethers, registries, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('@civitas/registry-contracts')),
  ...(await import('../chain-access.js')),
})
let m: Awaited<ReturnType<typeof load>>

const MAX_SCHEMA_BYTES = 1024 * 1024

export function registerSchema(program: Command): void {
  const schema = program
    .command('schema')
    .description('JSON Schemas of credential types in the SchemaRegistry (id, hash, URI)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ civitas schema publish diploma.schema.json --key university.key.json\n  $ civitas schema show https://schemas.example/diploma/1',
    )

  schema
    .command('publish')
    .description(
      'publish a JSON Schema version: its SHA-256 and URI go on-chain, the document stays off-chain',
    )
    .argument('<file>', 'the JSON Schema document')
    .option('--id <id>', "schema id (default: the document's $id)")
    .option('--uri <uri>', 'where verifiers fetch the document (default: the id when it is a URL)')
    .option('--key <file>', 'key file of the publisher (default: civitas.json issuerKey)')
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      '\nExample:\n  $ civitas schema publish diploma.schema.json --id https://schemas.example/diploma/1 --key university.key.json',
    )
    .action(
      async (
        file: string,
        options: { id?: string; uri?: string; key?: string; manifest?: string; rpc?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const bytes = readSchemaFile(file)
        let document: unknown
        try {
          document = JSON.parse(bytes.toString('utf8'))
        } catch {
          throw new UsageError(`${file} is not JSON`, 'pass a JSON Schema document')
        }
        if (typeof document !== 'object' || document === null || Array.isArray(document)) {
          throw new UsageError(`${file} is not a JSON Schema (an object)`, 'pass a JSON Schema document')
        }
        const declared = (document as { $id?: unknown }).$id
        const id = options.id ?? (typeof declared === 'string' ? declared : undefined)
        if (!id) throw new UsageError(`${file} has no $id`, 'pass --id ID')
        const uri = options.uri ?? (/^https?:\/\//.test(id) ? id : undefined)
        if (!uri) throw new UsageError('no URI to fetch the schema from', 'pass --uri URL')
        const hash = `0x${createHash('sha256').update(bytes).digest('hex')}`
        const connection = await m.connect(ctx, options)
        const sender = m.walletOf(await m.unlockKey(ctx, options.key, 'the publisher'), connection.provider)
        const tx = await m
          .connectRegistries(connection.manifest, sender)
          .schemas.addVersion(m.schemaIdOf(id), hash, uri)
        ctx.out.result(
          {
            id,
            schemaId: m.schemaIdOf(id),
            version: tx.version,
            hash,
            uri,
            publisher: sender.address,
            transaction: tx.hash,
          },
          () =>
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${id} version ${tx.version} published (sha-256 ${hash}, tx ${tx.hash})`,
            ),
        )
      },
    )

  schema
    .command('show')
    .description("show a schema's publisher and versions (hash, URI, time)")
    .argument('<id>', 'schema id (a string id or its bytes32 hash)')
    .option('--version <n>', 'only this version', nonNegativeInteger)
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText('after', '\nExample:\n  $ civitas schema show https://schemas.example/diploma/1')
    .action(
      async (
        id: string,
        options: { version?: number; manifest?: string; rpc?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const { manifest, provider } = await m.connect(ctx, options)
        const registry = m.connectRegistries(manifest, provider).schemas
        const schemaId = m.schemaIdOf(id)
        const count = await registry.versionCount(schemaId)
        if (count === 0)
          throw new UsageError(
            `no schema ${id.slice(0, 200)} in the SchemaRegistry`,
            'publish it with `civitas schema publish`',
          )
        const publisher = await registry.publisherOf(schemaId)
        const wanted =
          options.version !== undefined ? [options.version] : Array.from({ length: count }, (_, i) => i)
        const versions: SchemaVersion[] = []
        for (const v of wanted) versions.push(await registry.getVersion(schemaId, v))
        ctx.out.result(
          {
            id,
            schemaId,
            publisher,
            versionCount: count,
            versions: versions.map((v) => ({ ...v, publishedAt: Number(v.publishedAt) })),
          },
          () => {
            ctx.out.line(`${id}  (${schemaId})`)
            ctx.out.line(`  publisher ${publisher}, ${count} version(s)`)
            for (const v of versions) {
              ctx.out.line(
                `  v${v.version}  ${new Date(Number(v.publishedAt) * 1000).toISOString()}  ${v.hash}  ${v.uri}`,
              )
            }
          },
        )
      },
    )
}

function readSchemaFile(file: string): Buffer {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    throw new UsageError(`cannot read ${file}`, 'check the path')
  }
  if (size > MAX_SCHEMA_BYTES)
    throw new UsageError(
      `${file} is over ${MAX_SCHEMA_BYTES} bytes`,
      'a JSON Schema is small; check the file',
    )
  return readFileSync(file)
}

import type { Command } from 'commander'
import { contextOf } from '../context.js'
import { nonNegativeInteger } from '../options.js'

// Heavy modules (ethers, issuer, store) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('../issuer-access.js')),
  ...(await import('../status-server.js')),
})
let m: Awaited<ReturnType<typeof load>>

interface IssuerOptions {
  key?: string
  store?: string
  manifest?: string
  rpc?: string
}

function issuerOptions(command: Command): Command {
  return command
    .option('--key <file>', "the issuer's key file (default: civitas.json issuerKey)")
    .option('--store <url>', 'issuer store (default: civitas.json stores.issuer)')
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
}

const ACTIONS = {
  revoke: 'revoke a credential for good (queued; on-chain at the next flush)',
  suspend: 'suspend a credential (queued; on-chain at the next flush; reinstate undoes it)',
  reinstate: 'lift the suspension of a credential (queued; on-chain at the next flush)',
} as const

export function registerStatus(program: Command): void {
  const status = program
    .command('status')
    .description("change credentials' status and publish the issuer's status lists")
    .addHelpText(
      'after',
      '\nExamples:\n  $ civitas status revoke urn:uuid:3f6c… --flush\n  $ civitas status serve --port 7070',
    )

  for (const [action, description] of Object.entries(ACTIONS) as [keyof typeof ACTIONS, string][]) {
    issuerOptions(
      status
        .command(action)
        .description(description)
        .argument('<id>', 'the credential id (as `civitas issue` printed it)')
        .option('--flush', 'send the pending changes to the chain right away'),
    )
      .addHelpText(
        'after',
        `
Changes are queued durably and reach the chain in batches (\`civitas status flush\`), so no
on-chain timestamp points at one holder.

Example:
  $ civitas status ${action} urn:uuid:3f6c… && civitas status flush`,
      )
      .action(async (id: string, options: IssuerOptions & { flush?: boolean }, command: Command) => {
        m = await load()
        const ctx = contextOf(command)
        const { issuer } = await m.openIssuer(ctx, options)
        try {
          await issuer[action](id)
          const flushed = options.flush ? await issuer.flush() : undefined
          const pending = await issuer.pending()
          ctx.out.result({ id, action, pending, ...(flushed ? { flush: flushed } : {}) }, () => {
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${action} of ${id} ${flushed ? `sent (${flushed.transactions} transaction(s))` : 'queued'}; ${pending} change(s) pending`,
            )
          })
        } finally {
          await issuer.close()
        }
      })
  }

  issuerOptions(
    status
      .command('flush')
      .description('send every pending status change to the StatusRegistry in as few transactions as fit'),
  )
    .addHelpText('after', '\nExample:\n  $ civitas status flush --json')
    .action(async (options: IssuerOptions, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const { issuer } = await m.openIssuer(ctx, options)
      try {
        const result = await issuer.flush()
        ctx.out.result(result, () => {
          if (result.busy) ctx.out.line('another issuer instance is flushing now; nothing sent')
          else
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${result.applied} change(s) in ${result.transactions} transaction(s)${result.hashes.length ? `: ${result.hashes.join(', ')}` : ''}`,
            )
        })
        if (result.busy) process.exitCode = 1
      } finally {
        await issuer.close()
      }
    })

  issuerOptions(
    status
      .command('serve')
      .description("serve the issuer's signed status lists over HTTP until Ctrl-C (SIGINT / SIGTERM)")
      .option('--port <n>', 'TCP port (0: any free port)', nonNegativeInteger, 7070)
      .option('--host <address>', 'address to listen on', '127.0.0.1'),
  )
    .addHelpText(
      'after',
      `
Lists are served under the path of civitas.json "statusBaseUrl" (default
http://127.0.0.1:7070/status): /{listId}/revocation, /{listId}/suspension,
/{listId}/token. Put a TLS proxy in front of it for the public URL.

Example:
  $ civitas status serve --port 7070
  $ civitas status serve --port 0 --json   # prints {"url": …} once listening, keeps running`,
    )
    .action(async (options: IssuerOptions & { port: number; host: string }, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const { issuer, baseUrl } = await m.openIssuer(ctx, options)
      const server = await m.serveStatusLists(issuer.statusListHandler(), {
        baseUrl,
        port: options.port,
        host: options.host,
      })
      ctx.out.result({ url: server.url, baseUrl, issuer: issuer.did }, () => {
        ctx.out.line(
          `${ctx.out.color.green('✓')} status lists of ${issuer.did} at ${ctx.out.color.bold(server.url)}`,
        )
        ctx.out.line(ctx.out.color.dim(`  (credentials name ${baseUrl}); Ctrl-C stops the server.`))
      })
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done())
        process.once('SIGTERM', () => done())
      })
      await server.close()
      await issuer.close()
    })
}

import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { HolderKey, StoredCredential, Wallet } from '@civitas/wallet'
import { type Command, Option } from 'commander'
import { type Context, contextOf } from '../context.js'
import { formatTable } from '../output.js'
import { UsageError } from '../usage-error.js'

// Heavy modules (wallet, store, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('@civitas/core/errors')),
  ...(await import('../wallet-access.js')),
  ...(await import('../input.js')),
})
let m: Awaited<ReturnType<typeof load>>

interface StoreOptions {
  store?: string
  manifest?: string
  rpc?: string
}

const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024

function storeOptions(command: Command): Command {
  return command
    .option(
      '--store <url>',
      'wallet store: sqlite:/path.db or postgres://… (default: civitas.json stores.wallet)',
    )
    .option('--manifest <file>', 'registry manifest (to resolve did:ethr issuers)')
    .option('--rpc <url>', 'JSON-RPC endpoint')
}

/** Opens the wallet, runs `fn`, and always closes it (zeroing its keys). */
async function withWallet<T>(
  ctx: Context,
  options: StoreOptions,
  fn: (wallet: Wallet) => Promise<T>,
): Promise<T> {
  m = await load()
  const wallet = await m.openCliWallet(ctx, options)
  try {
    return await fn(wallet)
  } finally {
    // After eraseAll the wallet is locked already; closing it has nothing left to zero.
    await wallet.close().catch(() => undefined)
  }
}

const keyView = (k: HolderKey) => ({ id: k.id, alg: k.alg, did: k.did, kid: k.kid, publicJwk: k.publicJwk })
const credentialView = (c: StoredCredential) => ({
  id: c.id,
  format: c.format,
  types: c.types,
  issuer: c.issuer,
  holder: c.holder,
  acceptedAt: c.acceptedAt,
  ...(c.expiresAt !== undefined ? { expiresAt: c.expiresAt } : {}),
})

const PASSPHRASE_NOTE = `
The passphrase comes from CIVITAS_WALLET_PASSPHRASE or a prompt on a terminal, never from
an argument or civitas.json.`

export function registerWallet(program: Command): void {
  const wallet = program
    .command('wallet')
    .description("a holder's encrypted wallet: keys, credentials, presentations with minimal disclosure")
    .addHelpText(
      'after',
      '\nExamples:\n  $ CIVITAS_WALLET_PASSPHRASE=… civitas wallet init\n  $ civitas wallet import diploma.jwt\n  $ civitas wallet present --query q.json --nonce n-1 --audience https://employer.example',
    )

  storeOptions(
    wallet
      .command('init')
      .description('create the wallet (or open it) and a holder key; prints the holder DID and public key')
      .addOption(
        new Option('--alg <alg>', 'key algorithm').choices(['ES256', 'ES256K', 'EdDSA']).default('ES256'),
      )
      .addOption(
        new Option('--did-method <method>', 'holder DID method')
          .choices(['key', 'jwk', 'key-ebsi'])
          .default('key'),
      )
      .option('--new-key', 'add a key even when the wallet has one'),
  )
    .addHelpText(
      'after',
      `${PASSPHRASE_NOTE}\n\nExample:\n  $ CIVITAS_WALLET_PASSPHRASE=… civitas wallet init --json`,
    )
    .action(
      async (
        options: StoreOptions & {
          alg: 'ES256' | 'ES256K' | 'EdDSA'
          didMethod: 'key' | 'jwk' | 'key-ebsi'
          newKey?: boolean
        },
        command: Command,
      ) => {
        const ctx = contextOf(command)
        await withWallet(ctx, options, async (w) => {
          const existing = await w.keys()
          const created =
            existing.length === 0 || options.newKey
              ? await w.createKey({ alg: options.alg, did: options.didMethod })
              : undefined
          const holder = created ?? (existing[0] as HolderKey)
          ctx.out.result(
            {
              store: m.walletStoreOf(ctx, options),
              created: created !== undefined,
              holder: keyView(holder),
              keys: existing.length + (created ? 1 : 0),
            },
            () => {
              ctx.out.line(holder.did)
              ctx.out.note(
                `${ctx.out.errColor.green('✓')} ${created ? 'new' : 'existing'} ${holder.alg} holder key in ${m.walletStoreOf(ctx, options)}`,
              )
            },
          )
        })
      },
    )

  storeOptions(
    wallet
      .command('import')
      .description(
        'accept a credential into the wallet (verified, bound to a wallet key), or import an export archive',
      )
      .argument('[token]', 'the credential, a file holding it, or - for stdin')
      .option('--archive <file>', 'import a `wallet export` archive instead (same passphrase)'),
  )
    .addHelpText(
      'after',
      `
A credential is checked (signature, validity) and must be bound to one of the wallet's keys
(its subject DID, or cnf.jwk for SD-JWT VCs).${PASSPHRASE_NOTE}

Examples:
  $ civitas wallet import diploma.jwt
  $ civitas issue --template VerifiableDiploma --subject did:key:… --claims d.json | civitas wallet import -
  $ civitas wallet import --archive backup.civitas-wallet`,
    )
    .action(
      async (token: string | undefined, options: StoreOptions & { archive?: string }, command: Command) => {
        const ctx = contextOf(command)
        if ((token === undefined) === (options.archive === undefined))
          throw new UsageError(
            'pass a credential or --archive FILE (one of them)',
            'see `civitas wallet import --help`',
          )
        if (options.archive !== undefined) {
          const archive = readArchive(options.archive)
          await withWallet(ctx, options, async (w) => {
            const summary = await w.import(archive, { passphrase: await m.walletPassphrase() })
            ctx.out.result(summary, () =>
              ctx.out.line(
                `${ctx.out.color.green('✓')} imported ${summary.keys} key(s), ${summary.credentials} credential(s), ${summary.log} log entries; ${summary.skipped} already there`,
              ),
            )
          })
          return
        }
        m = await load()
        const text = await m.readTokenArgument(token as string, 'credential')
        await withWallet(ctx, options, async (w) => {
          const stored = await w.accept(text)
          ctx.out.result(credentialView(stored), () =>
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${stored.types.join(', ')} (${stored.format}) from ${stored.issuer} stored as ${stored.id}`,
            ),
          )
        })
      },
    )

  storeOptions(
    wallet
      .command('list')
      .description("the wallet's credentials (id, format, types, issuer) and holder keys")
      .option('--type <type>', 'only credentials of this type')
      .option('--claims', 'also show each credential’s claims'),
  )
    .addHelpText('after', `${PASSPHRASE_NOTE}\n\nExample:\n  $ civitas wallet list --type VerifiableDiploma`)
    .action(async (options: StoreOptions & { type?: string; claims?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      await withWallet(ctx, options, async (w) => {
        const keys = await w.keys()
        const credentials = await w.list(options.type !== undefined ? { type: options.type } : {})
        ctx.out.result(
          {
            keys: keys.map(keyView),
            credentials: credentials.map((c) => ({
              ...credentialView(c),
              ...(options.claims ? { claims: c.claims } : {}),
            })),
          },
          () => {
            ctx.out.line(`${keys.length} key(s):`)
            for (const line of formatTable(keys.map((k) => [k.id, k.alg, k.did]))) ctx.out.line(`  ${line}`)
            ctx.out.line(`${credentials.length} credential(s):`)
            for (const line of formatTable(
              credentials.map((c) => [c.id, c.format, c.types.join(','), c.issuer]),
            ))
              ctx.out.line(`  ${line}`)
            if (options.claims)
              for (const c of credentials) ctx.out.line(`  ${c.id} ${JSON.stringify(c.claims)}`)
          },
        )
      })
    })

  storeOptions(
    wallet
      .command('present')
      .description('answer a DCQL query with the fewest disclosures: prints the presentation')
      .addOption(new Option('--query <file>', 'the verifier’s DCQL query (JSON)').makeOptionMandatory())
      .addOption(new Option('--nonce <nonce>', 'the verifier’s challenge').makeOptionMandatory())
      .addOption(new Option('--audience <id>', 'the verifier (client id / DID / URL)').makeOptionMandatory())
      .option('--allow-full-disclosure', 'present a credential that cannot withhold unrequested claims'),
  )
    .addHelpText(
      'after',
      `
Prints the presentation (one per line when the query asks for several credentials);
--json prints { vpToken, presentations: [{ queryId, credentialId, format, disclosed, presentation }] }.
The presentation is logged in the wallet.${PASSPHRASE_NOTE}

Example:
  $ civitas wallet present --query age-over-18.dcql.json --nonce n-123 --audience https://border.example`,
    )
    .action(
      async (
        options: StoreOptions & {
          query: string
          nonce: string
          audience: string
          allowFullDisclosure?: boolean
        },
        command: Command,
      ) => {
        const ctx = contextOf(command)
        m = await load()
        const query = m.readJsonFile(options.query, 'DCQL query')
        await withWallet(ctx, options, async (w) => {
          const match = await w.match(query)
          if (!match.satisfiable || match.choice === undefined) {
            throw new m.CivitasError(
              'CREDENTIAL_NOT_FOUND',
              'the wallet holds no credential that answers this query',
            )
          }
          const result = await w.present(match.choice, {
            nonce: options.nonce,
            audience: options.audience,
            ...(options.allowFullDisclosure ? { allowFullDisclosure: true } : {}),
          })
          ctx.out.result(
            {
              vpToken: result.vpToken,
              presentations: result.presentations.map((p) => ({
                queryId: p.queryId,
                credentialId: p.credentialId,
                format: p.format,
                disclosed: p.disclosed,
                presentation: p.presentation,
              })),
            },
            () => {
              for (const p of result.presentations) {
                ctx.out.line(p.presentation)
                ctx.out.note(
                  `${ctx.out.errColor.green('✓')} ${p.queryId}: ${p.format}, discloses ${p.disclosed.join(' ')}`,
                )
              }
            },
          )
        })
      },
    )

  storeOptions(
    wallet
      .command('export')
      .description(
        'write an encrypted archive of keys, credentials and the presentation log (GDPR: your data)',
      )
      .addOption(new Option('--out <file>', 'the archive file').makeOptionMandatory())
      .option('--force', 'overwrite an existing file'),
  )
    .addHelpText(
      'after',
      `\nThe archive is encrypted with the wallet passphrase.${PASSPHRASE_NOTE}\n\nExample:\n  $ civitas wallet export --out backup.civitas-wallet`,
    )
    .action(async (options: StoreOptions & { out: string; force?: boolean }, command: Command) => {
      const ctx = contextOf(command)
      await withWallet(ctx, options, async (w) => {
        const archive = await w.export({ passphrase: await m.walletPassphrase() })
        const out = resolve(options.out)
        try {
          writeFileSync(out, archive, { mode: 0o600, flag: options.force ? 'w' : 'wx' })
        } catch (error) {
          const exists = (error as NodeJS.ErrnoException).code === 'EEXIST'
          throw new UsageError(
            exists
              ? `${options.out.slice(0, 300)} already exists`
              : `cannot write ${options.out.slice(0, 300)}`,
            exists ? 'choose another --out or pass --force' : 'check the --out path',
          )
        }
        ctx.out.result({ out, bytes: archive.length }, () =>
          ctx.out.line(
            `${ctx.out.color.green('✓')} wallet exported to ${out} (${archive.length} bytes, encrypted)`,
          ),
        )
      })
    })

  storeOptions(
    wallet
      .command('erase')
      .description('erase a credential, a key or a log entry by id, or everything (--all)')
      .argument('[id]', 'what to erase (ids from `civitas wallet list`)')
      .option('--all', 'erase the whole wallet: keys, credentials, log')
      .option('--yes', 'confirm --all (it cannot be undone)'),
  )
    .addHelpText(
      'after',
      `\nErased data is gone from the database file too (secure delete, vacuum).${PASSPHRASE_NOTE}\n\nExamples:\n  $ civitas wallet erase 5b0f…\n  $ civitas wallet erase --all --yes`,
    )
    .action(
      async (
        id: string | undefined,
        options: StoreOptions & { all?: boolean; yes?: boolean },
        command: Command,
      ) => {
        const ctx = contextOf(command)
        if ((id === undefined) === (options.all !== true))
          throw new UsageError('pass an id or --all (one of them)', 'see `civitas wallet erase --help`')
        if (options.all && !options.yes)
          throw new UsageError('--all erases the whole wallet and cannot be undone', 'add --yes to confirm')
        await withWallet(ctx, options, async (w) => {
          if (options.all) await w.eraseAll()
          else await w.erase(id as string)
          ctx.out.result({ erased: options.all ? 'all' : id }, () =>
            ctx.out.line(`${ctx.out.color.green('✓')} erased ${options.all ? 'the whole wallet' : id}`),
          )
        })
      },
    )
}

function readArchive(path: string): Uint8Array {
  let size: number
  try {
    size = statSync(path).size
  } catch {
    throw new UsageError(`cannot read ${path.slice(0, 300)}`, 'check the --archive path')
  }
  if (size > MAX_ARCHIVE_BYTES)
    throw new UsageError(`${path.slice(0, 300)} is over ${MAX_ARCHIVE_BYTES} bytes`)
  return readFileSync(path)
}

import { createHash } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import type { IssueBatchResult, IssueBatchRow, IssueFormat, IssueInput, IssueResult } from '@civitas/issuer'
import { type Command, Option } from 'commander'
import type { BatchRow } from '../batch-rows.js'
import { contextOf } from '../context.js'
import { positiveInteger, timeArgument } from '../options.js'
import { UsageError } from '../usage-error.js'

// Heavy modules (ethers, issuer, store) load when the command runs, not for --help.
const load = async () => ({
  ...(await import('../issuer-access.js')),
  ...(await import('../batch-rows.js')),
  ...(await import('../input.js')),
  ...(await import('../progress.js')),
  ...(await import('../keyfile.js')),
  ...(await import('@civitas/core')),
})
let m: Awaited<ReturnType<typeof load>>

const FORMATS = ['jwt_vc_json', 'vc+jwt', 'dc+sd-jwt'] as const

interface IssueOptions {
  template?: string
  subject?: string
  claims?: string
  format?: IssueFormat
  holderKey?: string
  validFrom?: number
  validUntil?: number
  id?: string
  batch?: string
  batchId?: string
  concurrency: number
  out?: string
  key?: string
  store?: string
  manifest?: string
  rpc?: string
}

export function registerIssue(program: Command): void {
  program
    .command('issue')
    .description(
      'issue a credential with an on-chain status entry, or a batch of them from a JSONL / CSV file (resumable)',
    )
    .option(
      '--template <name>',
      'built-in template (diploma, pid) or, starting with a capital letter, a credential type (VerifiableDiploma)',
    )
    .option('--subject <did>', "the holder's DID (sub / credentialSubject.id)")
    .option('--claims <file>', 'JSON file with the claims (an object)')
    .addOption(
      new Option(
        '--format <format>',
        'credential format (default: dc+sd-jwt for pid, else jwt_vc_json)',
      ).choices(FORMATS),
    )
    .option('--holder-key <file>', "the holder's public JWK (JSON file or key file): cnf.jwk of an SD-JWT VC")
    .option('--valid-from <date>', 'start of validity (ISO 8601 or unix seconds; default now)', timeArgument)
    .option('--valid-until <date>', 'end of validity (ISO 8601 or unix seconds)', timeArgument)
    .option('--id <key>', 'idempotency key: issuing again with it returns the first credential')
    .option('--batch <file>', 'issue one credential per row of a .jsonl or .csv file')
    .option('--batch-id <name>', 'what makes row keys unique across files (default: the file path)')
    .option('--concurrency <n>', 'credentials issued at once in a batch', positiveInteger, 4)
    .option('--out <file>', 'write the credential (a batch: JSON Lines {key, id, token}) to this file')
    .option('--key <file>', "the issuer's key file (default: civitas.json issuerKey)")
    .option(
      '--store <url>',
      'issuer store: sqlite:/path.db or postgres://… (default: civitas.json stores.issuer)',
    )
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `
The issuer is the did:ethr of the key file; it must own its status lists (its account pays
for them). Without --out the credential is printed on stdout, so it can be piped:

Batch rows (each row's key is its "id", else its line number; a re-run after a crash
returns what was issued instead of issuing twice):
  JSONL: {"id": "s-17", "subject": "did:key:…", "claims": {"familyName": "Rossi"}}
  CSV:   id,subject,familyName,givenName   (columns other than id, subject, template,
         type, format, validFrom, validUntil are claims)

Examples:
  $ civitas issue --template VerifiableDiploma --subject did:key:z6Mk… --claims diploma.json > diploma.jwt
  $ civitas issue --template pid --subject did:jwk:… --holder-key holder.jwk.json --claims pid.json
  $ civitas issue --template diploma --batch graduates.csv --out diplomas.jsonl`,
    )
    .action(async (options: IssueOptions, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      if (options.batch !== undefined) return await issueBatch(ctx, options)
      if (options.claims === undefined)
        throw new UsageError('--claims is required', 'pass --claims FILE (a JSON object), or --batch FILE')
      if (options.template === undefined)
        throw new UsageError(
          '--template is required',
          'e.g. --template diploma or --template VerifiableDiploma',
        )
      const claims = m.readJsonFile(options.claims, 'claims file')
      if (!m.isRecord(claims)) throw new UsageError(`${options.claims} must hold a JSON object of claims`)
      const input = issueInput(options, {
        claims,
        ...(options.subject !== undefined ? { subject: options.subject } : {}),
      })
      if (options.id !== undefined) input.idempotencyKey = options.id
      const { issuer } = await m.openIssuer(ctx, options)
      let result: IssueResult
      try {
        result = await issuer.issue(input)
      } finally {
        await issuer.close()
      }
      if (options.out !== undefined) writeOut(options.out, `${result.token}\n`)
      ctx.out.result(describeIssued(input, result, options.out), () => {
        if (options.out === undefined) ctx.out.line(result.token)
        ctx.out.note(
          `${ctx.out.errColor.green('✓')} issued ${input.template ?? input.type} (${input.format}) ${result.id}${input.subject ? ` to ${input.subject}` : ''}${options.out ? ` → ${options.out}` : ''}`,
        )
      })
    })
}

/** What `issue` prints with --json (documented in the README). */
function describeIssued(input: IssueInput, result: IssueResult, out?: string) {
  return {
    id: result.id,
    format: input.format,
    ...(input.template !== undefined ? { template: input.template } : { type: input.type }),
    ...(input.subject !== undefined ? { subject: input.subject } : {}),
    status: result.status.map((s) => ({ purpose: s.purpose, listId: s.listId, index: s.index, url: s.url })),
    token: result.token,
    ...(out !== undefined ? { out: resolve(out) } : {}),
  }
}

function writeOut(path: string, text: string): void {
  const fd = openOut(path)
  try {
    writeSync(fd, text)
  } finally {
    closeSync(fd)
  }
}

/** `--template NAME`: a capitalised name is a credential type, anything else a template. */
function templateOrType(name: string): { template: string } | { type: string } {
  return /^[A-Z]/.test(name) ? { type: name } : { template: name }
}

function issueInput(
  options: IssueOptions,
  row: {
    claims: Record<string, unknown>
    subject?: string
    template?: string
    type?: string
    format?: string
  },
): IssueInput {
  const name = row.type ?? row.template ?? options.template
  if (name === undefined)
    throw new UsageError(
      'no template or type',
      'pass --template NAME (or give each row a template / type column)',
    )
  const kind = row.type !== undefined ? { type: row.type } : templateOrType(name)
  const format = (row.format ??
    options.format ??
    ('template' in kind && kind.template === 'pid' ? 'dc+sd-jwt' : 'jwt_vc_json')) as IssueFormat
  const input: IssueInput = { format, claims: row.claims, ...kind }
  if (row.subject !== undefined) input.subject = row.subject
  if (options.validFrom !== undefined) input.validFrom = new Date(options.validFrom * 1000)
  if (options.validUntil !== undefined) input.validUntil = new Date(options.validUntil * 1000)
  if (options.holderKey !== undefined) input.holderKey = readHolderKey(options.holderKey)
  return input
}

/** A public JWK from a JWK file or the public part of a civitas key file; a private key is refused. */
function readHolderKey(path: string): IssueInput['holderKey'] {
  const value = m.readJsonFile(path, 'holder key')
  const jwk = m.isRecord(value) && m.isRecord(value.publicJwk) ? value.publicJwk : value
  if (!m.isRecord(jwk) || typeof jwk.kty !== 'string')
    throw new UsageError(
      `${path} holds no JWK`,
      'pass the holder public JWK (as `civitas wallet init --json` prints it)',
    )
  if (jwk.d !== undefined)
    throw new UsageError(
      `${path} holds a private key`,
      'the issuer needs only the holder public JWK: leave out "d"',
    )
  return jwk as IssueInput['holderKey']
}

async function issueBatch(ctx: ReturnType<typeof contextOf>, options: IssueOptions): Promise<void> {
  const path = resolve(options.batch as string)
  const rows = m.readBatchRows(path)
  const batchId = options.batchId ?? path
  // The issuer stores each row's key with its allocation: stable for this file (or --batch-id) and row.
  const prefix = createHash('sha256').update(batchId).digest('base64url').slice(0, 16)
  const keyOf = (row: BatchRow) => `batch:${prefix}:${row.key}`
  const lineOf = new Map(rows.map((row) => [keyOf(row), row]))
  const batch: IssueBatchRow[] = rows.map((row) => {
    const input = issueInput(options, row)
    if (row.validFrom !== undefined) input.validFrom = row.validFrom
    if (row.validUntil !== undefined) input.validUntil = row.validUntil
    if (row.holderKey !== undefined) input.holderKey = row.holderKey as IssueInput['holderKey']
    return { ...input, key: keyOf(row) }
  })
  const { issuer } = await m.openIssuer(ctx, options)
  const out = options.out !== undefined ? openOut(options.out) : undefined
  const bar = m.createProgress(ctx, rows.length, 'issuing')
  // Ctrl-C stops taking rows; rows in flight finish and are reported, a re-run resumes.
  const controller = new AbortController()
  const interrupt = () => controller.abort()
  process.once('SIGINT', interrupt)
  let result: IssueBatchResult
  try {
    result = await issuer.issueBatch(batch, {
      concurrency: options.concurrency,
      signal: controller.signal,
      onProgress: ({ row }) => {
        const source = lineOf.get(row.key) as BatchRow
        if (row.ok && out !== undefined)
          writeSync(out, `${JSON.stringify({ key: source.key, id: row.id, token: row.token })}\n`)
        bar.increment()
      },
    })
  } finally {
    process.off('SIGINT', interrupt)
    bar.stop()
    if (out !== undefined) closeSync(out)
    await issuer.close()
  }
  const issued: { key: string; line: number; id: string; token: string; resumed: boolean }[] = []
  const failed: { key: string; line: number; code: string; message: string }[] = []
  for (const row of result.rows) {
    const { key, line } = lineOf.get(row.key) as BatchRow
    if (row.ok) issued.push({ key, line, id: row.id, token: row.token, resumed: row.resumed })
    else failed.push({ key, line, code: row.error.code, message: row.error.message })
  }
  ctx.out.result(
    {
      batchId,
      total: rows.length,
      issued: result.issued,
      resumed: result.resumed,
      failed,
      aborted: result.aborted,
      ...(options.out !== undefined ? { out: resolve(options.out) } : { credentials: issued }),
    },
    () => {
      if (options.out === undefined) for (const entry of issued) ctx.out.line(`${entry.key}\t${entry.token}`)
      const c = ctx.out.errColor
      const good = failed.length === 0 && !result.aborted
      ctx.out.note(
        `${good ? c.green('✓') : c.red('✗')} ${issued.length} of ${rows.length} done (${result.issued} issued now, ${result.resumed} from an earlier run)${options.out ? ` → ${options.out}` : ''}`,
      )
      for (const f of failed)
        ctx.out.note(`  ${c.red('✗')} line ${f.line} (${f.key}): ${f.code}: ${f.message}`)
      if (!good)
        ctx.out.note('  run the same command again (after fixing these rows): done rows are not issued twice')
    },
  )
  if (failed.length > 0 || result.aborted) process.exitCode = 1
}

function openOut(path: string): number {
  try {
    return openSync(path, 'w', 0o600)
  } catch {
    throw new UsageError(`cannot write ${path.slice(0, 300)}`, 'check the --out path')
  }
}

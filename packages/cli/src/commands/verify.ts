import type {
  CheckResult,
  CredentialVerificationResult,
  PresentationVerificationResult,
} from '@civitas/verifier'
import type { Command } from 'commander'
import { contextOf } from '../context.js'
import { EXIT_FAILED, EXIT_OK } from '../exit-codes.js'
import { commaList, nonNegativeInteger } from '../options.js'
import { formatTable, type Output } from '../output.js'

// Heavy modules (ethers, verifier, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('../verifier-access.js')),
  ...(await import('../input.js')),
})
let m: Awaited<ReturnType<typeof load>>

interface VerifyOptions {
  explain?: boolean
  presentation?: boolean
  nonce?: string
  audience?: string
  rootTao?: string[]
  trustedIssuer?: string[]
  offline?: string
  snapshotKey?: string
  maxSnapshotAge?: number
  manifest?: string
  rpc?: string
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'verify a credential or presentation: signature, validity, status, trust chain, schema, holder binding',
    )
    .argument('<token>', 'the token itself, a file holding it, or - to read it from stdin')
    .option('--explain', 'print every check with ✓/✗ and the reason')
    .option('--presentation', 'the token is a presentation (implied by --nonce / --audience)')
    .option('--nonce <nonce>', 'the challenge the presentation must answer')
    .option('--audience <id>', 'this verifier (client id / DID / URL) the presentation must be made for')
    .option(
      '--root-tao <dids>',
      'trusted Root TAOs, comma-separated (default: civitas.json trust.rootTaos)',
      commaList,
    )
    .option(
      '--trusted-issuer <dids>',
      'issuers trusted as they are, comma-separated (default: civitas.json trust.issuers)',
      commaList,
    )
    .option('--offline <snapshot>', 'verify with no network from a signed trust snapshot file')
    .option('--snapshot-key <file>', "the snapshot operator's key file or public JWK (with --offline)")
    .option('--max-snapshot-age <seconds>', 'refuse an older snapshot (SNAPSHOT_STALE)', nonNegativeInteger)
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `
Exit codes: 0 verified, 1 not verified (or a check could not run), 2 bad arguments.
--json prints the verifier's result: { verified, format, issuer, subject, credential,
checks: [{ id, ok, code?, message }], errors: [{ check, code, message }], trust }.

Examples:
  $ civitas verify diploma.jwt --root-tao did:ethr:local:0x0363… --explain
  $ civitas wallet present --query q.json --nonce n1 --audience https://employer.example | \\
      civitas verify - --nonce n1 --audience https://employer.example --json
  $ civitas verify diploma.jwt --offline trust.snapshot.json --snapshot-key operator.pub.json`,
    )
    .action(async (tokenArgument: string, options: VerifyOptions, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const token = await m.readTokenArgument(tokenArgument, 'token')
      const verifier = await m.openVerifier(ctx, options)
      const presentation =
        options.presentation === true || options.nonce !== undefined || options.audience !== undefined
      const result = presentation
        ? await verifier.verifyPresentation(token, {
            ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
            ...(options.audience !== undefined ? { audience: options.audience } : {}),
          })
        : await verifier.verifyCredential(token)
      ctx.out.result(result, () => printResult(ctx.out, result, options.explain === true))
      process.exitCode = result.verified ? EXIT_OK : EXIT_FAILED
    })
}

function printResult(
  out: Output,
  result: CredentialVerificationResult | PresentationVerificationResult,
  explain: boolean,
): void {
  const c = out.color
  const who = 'holder' in result ? result.holder : result.issuer
  const what = 'credentials' in result ? 'presentation' : 'credential'
  out.line(
    result.verified
      ? `${c.green('✓ verified')} ${what}${result.format ? ` (${result.format})` : ''}${who ? ` ${'holder' in result ? 'from' : 'by'} ${who}` : ''}`
      : `${c.red('✗ not verified')} ${what}${result.format ? ` (${result.format})` : ''}`,
  )
  if (explain) {
    for (const line of formatTable(result.checks.map((check) => checkRow(out, check)))) out.line(`  ${line}`)
  } else {
    for (const error of result.errors)
      out.line(
        `  ${c.red('✗')} ${error.check}${error.credential !== undefined ? ` [credential ${error.credential}]` : ''}: ${error.code}: ${error.message}`,
      )
  }
  out.line(
    c.dim(
      `  trust: ${result.trust.source}${result.trust.asOf ? ` as of ${result.trust.asOf}` : ''}${result.trust.block !== undefined ? ` (block ${result.trust.block})` : ''}`,
    ),
  )
}

function checkRow(out: Output, check: CheckResult): string[] {
  const c = out.color
  return [
    check.ok ? c.green('✓') : c.red('✗'),
    `${check.id}${check.credential !== undefined ? ` [${check.credential}]` : ''}`,
    check.ok ? c.dim('ok') : c.red(check.code ?? 'failed'),
    check.message,
  ]
}

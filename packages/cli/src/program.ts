import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { registerChain } from './commands/chain.js'
import { registerDid } from './commands/did.js'
import { registerIssue } from './commands/issue.js'
import { registerSchema } from './commands/schema.js'
import { registerSnapshot } from './commands/snapshot.js'
import { registerStatus } from './commands/status.js'
import { registerTrust } from './commands/trust.js'
import { registerVerify } from './commands/verify.js'
import { registerWallet } from './commands/wallet.js'
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js'
import { colorsFor, toJson } from './output.js'
import { reportError } from './report.js'

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/** The whole command tree; commands are grouped as operators think, not as packages are laid out. */
export function createProgram(): Command {
  const program = new Command('civitas')
    .description('Civitas: verifiable credentials with on-chain registries (EBSI / eIDAS)')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--json', 'print exactly one JSON document on stdout (for scripts)')
    .option('--config <file>', 'configuration file (default: ./civitas.json when present)')
    .option('--debug', 'show stack traces on errors')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 failed (verify: not verified), 2 bad arguments.
Passphrases come from CIVITAS_PASSPHRASE (key files) / CIVITAS_WALLET_PASSPHRASE (the
wallet) or a prompt, never from arguments or civitas.json.

Example session:
  $ civitas chain start &
  $ civitas did create --method ethr --out university.key.json --fund
  $ civitas trust appoint-root did:ethr:local:0x… --types VerifiableDiploma --key .civitas/governance.key.json
  $ civitas issue --template VerifiableDiploma --subject did:key:z6Mk… --claims d.json --key university.key.json > d.jwt
  $ civitas verify d.jwt --root-tao did:ethr:local:0x… --explain`,
    )
  registerChain(program)
  registerDid(program)
  registerTrust(program)
  registerSchema(program)
  registerIssue(program)
  registerStatus(program)
  registerVerify(program)
  registerSnapshot(program)
  registerWallet(program)
  applyToAll(program)
  return program
}

/** Every (sub)command: usage errors throw instead of exiting, and are written with colour rules. */
function applyToAll(command: Command): void {
  const errColor = colorsFor(process.stderr)
  command.exitOverride()
  command.configureOutput({
    outputError: (text, write) => write(errColor.red(text)),
  })
  command.showHelpAfterError('(add --help for usage)')
  for (const sub of command.commands) applyToAll(sub)
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json')
  const debug = argv.includes('--debug')
  const program = createProgram()
  try {
    await program.parseAsync([...argv], { from: 'user' })
    const code = process.exitCode
    return typeof code === 'number' ? code : EXIT_OK
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version end here with exit code 0; everything else is a usage error,
      // which commander has already described on stderr.
      if (error.exitCode === 0) return EXIT_OK
      if (json) {
        process.stdout.write(
          `${toJson({ ok: false, error: { code: 'USAGE', message: error.message.replace(/^error: /, ''), hint: 'add --help for usage' } })}\n`,
        )
      }
      return EXIT_USAGE
    }
    return reportError(error, { json, debug })
  }
}

import { type CivitasErrorCode, isCivitasError } from '@civitas/core/errors'
import { EXIT_FAILED, EXIT_USAGE } from './exit-codes.js'
import { colorsFor, toJson } from './output.js'
import { UsageError } from './usage-error.js'

/** How to get past each failure a command can hit: printed under the error line. */
const HINTS: Partial<Record<CivitasErrorCode, string>> = {
  INVALID_ARGUMENT: 'check the arguments (`civitas <command> --help`)',
  INPUT_TOO_LARGE: 'the input is over the size limit; check you passed the right file',
  CHAIN_UNAVAILABLE: 'is the node running? start one with `civitas chain start`, or pass --rpc URL',
  TRANSACTION_FAILED: 'the transaction was not mined; check the sender has funds and the node is healthy',
  CONTRACT_REVERTED: 'the registry refused the call; check the arguments and the sending key',
  UNAUTHORIZED:
    'send with the key that holds the right (governance, the DID owner, or the accreditor): --key FILE',
  NOT_FOUND: 'check the identifier; `civitas trust show` / `civitas schema show` list what exists',
  ALREADY_EXISTS: 'it is already there; nothing to do',
  ALREADY_REVOKED: 'it is already revoked; nothing to do',
  ACCREDITATION_INACTIVE: 'the accreditor’s own accreditation is revoked or out of its validity window',
  ACCREDITATION_SCOPE_EXCEEDED: 'an accreditation can only narrow the types its accreditor holds',
  ACCREDITATION_CHAIN_TOO_DEEP: 'accredit closer to the Root TAO',
  DID_INVALID: 'a DID looks like did:<method>:<id>',
  DID_METHOD_UNSUPPORTED: 'supported: did:key, did:jwk, did:web, did:ethr (with a manifest)',
  DID_NOT_FOUND: 'check the DID, and for did:ethr that --manifest points at its chain',
  DID_DEACTIVATED: 'a deactivated DID cannot be used again; create a new one',
  RESOLVER_UNAVAILABLE: 'the DID could not be resolved now; check the network / RPC endpoint',
  KEY_INVALID: 'check the key file and CIVITAS_PASSPHRASE',
  UNSUPPORTED_ALG: 'use ES256, ES256K or EdDSA',
  CREDENTIAL_NOT_FOUND:
    'check the credential id (`civitas issue --json` prints it; `civitas wallet list` lists the wallet)',
  ALREADY_SUSPENDED: 'it is suspended already; `civitas status reinstate ID` lifts it',
  NOT_SUSPENDED: 'only a suspended credential can be reinstated',
  STATUS_PURPOSE_MISMATCH:
    'the credential has no status entry for this purpose (SD-JWT VCs can only be revoked)',
  TEMPLATE_NOT_FOUND:
    'built-in templates: diploma, pid; a name starting with a capital letter is a credential type',
  FORMAT_UNSUPPORTED: 'formats: jwt_vc_json, vc+jwt, dc+sd-jwt',
  CLAIM_INVALID: 'the claims do not fit the template: fix the claim named in the message',
  TIME_ORDER_INVALID: '--valid-until must be after --valid-from',
  PASSPHRASE_INVALID: 'wrong passphrase: check CIVITAS_WALLET_PASSPHRASE (nothing was changed)',
  WALLET_CORRUPTED: 'the wallet file is not a wallet or is damaged; check --store / stores.wallet',
  WALLET_LOCKED: 'the wallet was erased; `civitas wallet init` makes a new one',
  CREDENTIAL_NOT_BOUND:
    'the credential is bound to no key of this wallet: issue it to the DID `civitas wallet init` prints',
  QUERY_INVALID: 'the DCQL query is not valid (OpenID4VP 1.0 §6): fix the --query file',
  DISCLOSURE_NOT_SELECTIVE:
    'the credential would show claims the verifier did not ask for; pass --allow-full-disclosure to accept that',
  ARCHIVE_INVALID: 'pass a file written by `civitas wallet export`',
  KEY_IN_USE: 'erase the credentials bound to the key first',
  SNAPSHOT_INVALID: 'the snapshot or its --snapshot-key is not the operator’s; get both again',
  SNAPSHOT_STALE: 'make a fresh snapshot with `civitas snapshot create`',
  STORE_VERSION_UNSUPPORTED: 'the store was written by a newer civitas: upgrade',
}

/** Codes that mean the input given was wrong (a claims file, a query, a template name): exit 2 like bad arguments. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'INVALID_ARGUMENT',
  'TEMPLATE_NOT_FOUND',
  'FORMAT_UNSUPPORTED',
  'CLAIM_INVALID',
  'TIME_ORDER_INVALID',
  'QUERY_INVALID',
])

/**
 * Prints a failure the way every command does: `code: message`, then how to fix it; a stack
 * only with --debug. With --json the same facts are also the one JSON document on stdout.
 * Returns the exit code.
 */
export function reportError(error: unknown, options: { json: boolean; debug: boolean }): number {
  const c = colorsFor(process.stderr)
  let code: string
  let hint: string | undefined
  let exit: number
  let message: string
  let details: Record<string, unknown> | undefined
  if (error instanceof UsageError) {
    code = 'USAGE'
    hint = error.hint ?? 'see `civitas <command> --help`'
    exit = EXIT_USAGE
    message = error.message
  } else if (isCivitasError(error)) {
    code = error.code
    hint = HINTS[error.code] ?? 'run again with --debug for the cause'
    exit = USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILED
    message = error.message
    details = error.details
  } else {
    code = 'INTERNAL'
    hint = 'this is a bug in civitas: run again with --debug and report the output'
    exit = EXIT_FAILED
    message = error instanceof Error ? error.message : 'unknown failure'
  }
  process.stderr.write(`${c.red(c.bold(code))}: ${message}\n`)
  if (hint) process.stderr.write(`  ${c.dim('how to fix:')} ${hint}\n`)
  if (options.debug) process.stderr.write(`${stackOf(error)}\n`)
  else if (code === 'INTERNAL') process.stderr.write(`  ${c.dim('(--debug shows the stack)')}\n`)
  if (options.json) {
    process.stdout.write(
      `${toJson({ ok: false, error: { code, message, ...(hint ? { hint } : {}), ...(details ? { details } : {}) } })}\n`,
    )
  }
  return exit
}

function stackOf(error: unknown, depth = 0): string {
  if (depth > 5) return ''
  const own = error instanceof Error ? (error.stack ?? error.message) : String(error)
  const cause =
    error instanceof Error && error.cause !== undefined
      ? `\ncaused by: ${stackOf(error.cause, depth + 1)}`
      : ''
  return own + cause
}

import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { UsageError } from './usage-error.js'

/** The environment variable a key file's passphrase is read from before anyone is prompted. */
export const PASSPHRASE_ENV = 'CIVITAS_PASSPHRASE'
/** The wallet's own passphrase: a holder's secret, kept apart from an operator's key files. */
export const WALLET_PASSPHRASE_ENV = 'CIVITAS_WALLET_PASSPHRASE'

/**
 * The passphrase for an encrypted key file or wallet: CIVITAS_PASSPHRASE, else a prompt on a
 * terminal (input not echoed). Without a terminal there is nobody to ask: a usage error.
 */
export async function readPassphrase(
  purpose: string,
  env: NodeJS.ProcessEnv = process.env,
  variable: string = PASSPHRASE_ENV,
): Promise<string> {
  const fromEnv = env[variable]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(
      `a passphrase is needed for ${purpose}`,
      `set ${variable} or run on a terminal to be prompted`,
    )
  }
  return await prompt(`Passphrase for ${purpose}: `)
}

/** Whether a passphrase is available without prompting. */
export function hasPassphraseInEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[PASSPHRASE_ENV] ?? '') !== ''
}

async function prompt(question: string): Promise<string> {
  let muted = false
  // The prompt is written, then echo of what is typed is swallowed.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer))
      muted = true
    })
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}

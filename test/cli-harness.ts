// Runs the built `civitas` binary as a real child process, the way an operator does.
// The CLI is built once (tsc -b, incremental: a no-op after `pnpm test`'s build), under a
// lock so parallel test files do not write dist/ at the same time.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const CLI = join(ROOT, 'packages/cli/dist/main.js')
const LOCK = join(
  tmpdir(),
  `civitas-cli-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`,
)

export function buildCli(): void {
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch {
      // A lock left behind by a killed run is stale after three minutes.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 180_000)
        rmSync(LOCK, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error('timed out waiting for the CLI build lock')
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'packages/cli')],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    )
  } finally {
    rmSync(LOCK, { recursive: true, force: true })
  }
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `civitas ...args` in `cwd` and resolves with its exit code and output (never rejects).
 * `input` is written to its stdin; without it stdin is closed at once, so a command that
 * reads stdin sees an empty input instead of waiting forever.
 */
export function civitas(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          NO_COLOR: '1',
          CIVITAS_PASSPHRASE: '',
          CIVITAS_WALLET_PASSPHRASE: '',
          ...options.env,
        },
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
    child.stdin?.end(options.input ?? '')
  })
}

/** Parses stdout as exactly one JSON document (JSON.parse refuses trailing content). */
export function oneJson(result: CliResult): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>
}

/** A stack trace line as node prints it. */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m

export interface LongRunning {
  child: ChildProcess
  /** The JSON document it printed once ready. */
  info: Record<string, unknown>
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** A long-running `civitas ... --json` child (chain start, status serve); resolves once it printed its document. */
export async function startLongRunning(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<LongRunning> {
  const child = spawn(process.execPath, [CLI, ...args, '--json'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      try {
        resolve(JSON.parse(stdout) as Record<string, unknown>)
      } catch {
        // not the whole document yet
      }
    })
    child.once('exit', (code) =>
      reject(new Error(`civitas ${args.join(' ')} exited with ${code}: ${stderr}`)),
    )
  })
  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    if (child.exitCode !== null) return child.exitCode
    return await new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code))
      child.kill(signal)
    })
  }
  return { child, info, stop }
}

/** `civitas chain start --json` as a long-running child; resolves once it printed its document. */
export async function startChain(cwd: string): Promise<LongRunning> {
  return await startLongRunning(['chain', 'start'], cwd)
}

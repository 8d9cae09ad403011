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

/** Runs `civitas ...args` in `cwd` and resolves with its exit code and output (never rejects). */
export function civitas(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: '1', CIVITAS_PASSPHRASE: '', ...options.env },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Parses stdout as exactly one JSON document (JSON.parse refuses trailing content). */
export function oneJson(result: CliResult): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>
}

/** A stack trace line as node prints it. */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m

/** `civitas chain start --json` as a long-running child; resolves once it printed its document. */
export async function startChain(
  cwd: string,
): Promise<{ child: ChildProcess; info: Record<string, unknown>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'chain', 'start', '--json'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
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
    child.once('exit', (code) => reject(new Error(`chain start exited with ${code}: ${stderr}`)))
  })
  const stop = async () => {
    if (child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGINT')
    })
  }
  return { child, info, stop }
}

import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * Real OS processes running TypeScript sources, for the tests that need them: several
 * processes sharing one database, a process killed with SIGKILL mid-work. The child runs
 * under `tsx` with the `@civitas/source` condition, so it imports workspace packages from
 * their sources exactly as Vitest does, with no build step.
 *
 * Protocol: the child reports progress as lines on stdout (`ack 17`); the parent reads them.
 */
export interface ChildScript {
  readonly child: ChildProcess
  /** Every complete stdout line so far. */
  readonly lines: readonly string[]
  /** Resolves with the first line (already seen or coming) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<ChildExit>
}

export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
  lines: readonly string[]
  stderr: string
}

export interface SpawnChildOptions {
  env?: Record<string, string>
  cwd?: string
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** Starts `node <script> ...args` with TypeScript support. `script` is a path or a file URL. */
export function spawnChildScript(
  script: string | URL,
  args: readonly string[] = [],
  options: SpawnChildOptions = {},
): ChildScript {
  const path = script instanceof URL || script.startsWith('file:') ? fileURLToPath(script) : script
  const child = spawn(
    process.execPath,
    ['--conditions=@civitas/source', '--import', tsxLoader, path, ...args],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const lines: string[] = []
  let partial = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    lines.push(...parts)
    for (const wake of waiters) wake()
  })
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 64_000) stderr += chunk
  })
  const exited = new Promise<ChildExit>((resolve) => {
    child.on('close', (code, signal) => {
      if (partial !== '') lines.push(partial)
      partial = ''
      for (const wake of waiters) wake()
      resolve({ code, signal, lines, stderr })
    })
  })
  let ended = false
  void exited.then(() => {
    ended = true
  })

  return {
    child,
    lines,
    exited,
    waitForLine(match, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(match)
          if (line !== undefined) finish(() => resolve(line))
          else if (ended) finish(() => reject(new Error(`child exited before the expected line:\n${stderr}`)))
        }
        const timer = setTimeout(
          () =>
            finish(() => reject(new Error(`no expected line from the child in ${timeoutMs} ms:\n${stderr}`))),
          timeoutMs,
        )
        const finish = (settle: () => void) => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      })
    },
  }
}

/** Runs a script to its end; rejects if it exits non-zero, by a signal, or runs past `timeoutMs`. */
export async function runChildScript(
  script: string | URL,
  args: readonly string[] = [],
  options: SpawnChildOptions & { timeoutMs?: number } = {},
): Promise<ChildExit> {
  const running = spawnChildScript(script, args, options)
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const exit = await running.exited.finally(() => clearTimeout(timer))
  if (exit.code !== 0) {
    throw new Error(
      `child ${String(script)} ended with ${exit.signal ?? `exit code ${exit.code}`}:\n${exit.stderr}`,
    )
  }
  return exit
}

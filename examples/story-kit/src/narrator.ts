import type { CheckResult } from '@civitas/verifier'
import pc from 'picocolors'

/** Where a story's lines go and whether they may be coloured. */
export interface NarratorOptions {
  /** Receives each line; default: standard output. */
  write?: (line: string) => void
  /** Colour the output; default: only when standard output is a terminal and NO_COLOR is unset (FORCE_COLOR forces). */
  color?: boolean
}

/** Tells a story line by line: chapters, steps, what passed and what failed. */
export interface Narrator {
  /** Every line told so far, without colour (tests read it). */
  readonly lines: readonly string[]
  title(text: string): void
  chapter(text: string): void
  /** A step the story takes. */
  say(text: string): void
  /** An indented detail of the last step. */
  detail(text: string): void
  ok(text: string): void
  fail(text: string): void
  /** One line per check of a verification result, ✓ or ✗ with the reason; `failedOnly` counts the passed ones. */
  checks(checks: readonly CheckResult[], options?: { failedOnly?: boolean }): void
  blank(): void
}

// The ANSI escape sequences colours add, removed for the plain copy in `lines`.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

/** Whether standard output is a terminal that should get colours. */
export function colorTerminal(
  env: NodeJS.ProcessEnv = process.env,
  isTTY = process.stdout.isTTY === true,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return isTTY && env.TERM !== 'dumb'
}

export function createNarrator(options: NarratorOptions = {}): Narrator {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  // A caller's sink is never a terminal. picocolors' own guess also colours any output under CI.
  const colors = pc.createColors(options.color ?? (options.write === undefined && colorTerminal()))
  const lines: string[] = []
  const emit = (line: string) => {
    lines.push(line.replace(ANSI, ''))
    write(line)
  }
  return {
    lines,
    title(text) {
      emit(colors.bold(text))
      emit('='.repeat(text.length))
    },
    chapter(text) {
      emit('')
      emit(colors.bold(colors.cyan(`## ${text}`)))
    },
    say(text) {
      emit(`- ${text}`)
    },
    detail(text) {
      emit(colors.dim(`    ${text}`))
    },
    ok(text) {
      emit(`${colors.green('  ✓')} ${text}`)
    },
    fail(text) {
      emit(`${colors.red('  ✗')} ${text}`)
    },
    checks(checks, { failedOnly = false } = {}) {
      const passed = checks.filter((check) => check.ok).length
      if (failedOnly) emit(`${colors.green('    ✓')} ${passed} of ${checks.length} checks passed`)
      for (const check of checks) {
        if (failedOnly && check.ok) continue
        const reason = check.ok ? check.message : `${check.code ?? 'FAILED'}: ${check.message}`
        const line = `${check.id.padEnd(30)} ${reason}`
        if (check.ok) emit(`${colors.green('    ✓')} ${line}`)
        else emit(`${colors.red('    ✗')} ${line}`)
      }
    },
    blank() {
      emit('')
    },
  }
}

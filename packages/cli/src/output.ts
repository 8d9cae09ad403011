import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

/** Colours only on a terminal, never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Colors {
  const enabled =
    stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb'
  return pc.createColors(enabled)
}

/** JSON with bigints as decimal strings (registry reads return bigint). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)
}

/**
 * Where a command's result goes. With `--json` exactly one JSON document reaches stdout;
 * without it the human rendering does, and notes (progress, warnings) always go to stderr.
 */
export interface Output {
  readonly json: boolean
  readonly color: Colors
  readonly errColor: Colors
  /** The command's result: the JSON document, or the human rendering. Call once. */
  result(document: unknown, human: () => void): void
  /** A line of human output on stdout (only from inside `result`'s human callback). */
  line(text?: string): void
  /** A note for people on stderr; silent with --json. */
  note(text: string): void
  /** A warning on stderr, also with --json (stderr is not the document). */
  warn(text: string): void
}

export function createOutput(json: boolean): Output {
  const color = colorsFor(process.stdout)
  const errColor = colorsFor(process.stderr)
  let written = false
  return {
    json,
    color,
    errColor,
    result(document, human) {
      if (written) throw new Error('a command printed two results')
      written = true
      if (json) process.stdout.write(`${toJson(document)}\n`)
      else human()
    },
    line(text = '') {
      process.stdout.write(`${text}\n`)
    },
    note(text) {
      if (!json) process.stderr.write(`${text}\n`)
    },
    warn(text) {
      process.stderr.write(`${errColor.yellow('warning:')} ${text}\n`)
    },
  }
}

/** Rows of cells as aligned columns (no borders: easy to read and to grep). */
export function formatTable(rows: readonly (readonly string[])[], visibleLength = stripLength): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))
    })
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd(),
  )
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what we strip
const ANSI = /\u001b\[[0-9;]*m/g
function stripLength(text: string): number {
  return text.replace(ANSI, '').length
}

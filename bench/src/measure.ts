/**
 * Throughput measurement shared by the benchmarks. Each case runs for a fixed wall
 * time after a warm-up, one operation at a time (or `concurrency` at a time, to show
 * what the platform's thread pool adds), and reports operations per second.
 */
export interface Measurement {
  readonly name: string
  readonly opsPerSecond: number
  readonly iterations: number
}

export interface MeasureOptions {
  /** Milliseconds to measure, after the warm-up. Default 1500 (BENCH_MS overrides). */
  durationMs?: number
  /** Operations in flight at once. Default 1. */
  concurrency?: number
}

const defaultDuration = Number(process.env.BENCH_MS ?? 1500)

export async function measure(
  name: string,
  operation: () => unknown,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const durationMs = options.durationMs ?? defaultDuration
  const concurrency = options.concurrency ?? 1
  const runBatch = async () => {
    if (concurrency === 1) await operation()
    else await Promise.all(Array.from({ length: concurrency }, operation))
  }
  const warmUpEnd = performance.now() + Math.min(300, durationMs / 4)
  while (performance.now() < warmUpEnd) await runBatch()
  let iterations = 0
  const start = performance.now()
  let now = start
  while (now - start < durationMs) {
    await runBatch()
    iterations += concurrency
    now = performance.now()
  }
  return { name, opsPerSecond: (iterations * 1000) / (now - start), iterations }
}

/** Formats rows as an aligned Markdown table, so the output can be pasted into a README. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export const formatOps = (ops: number): string => Math.round(ops).toLocaleString('en-US')
export const formatRatio = (ratio: number): string => `${ratio.toFixed(1)}x`

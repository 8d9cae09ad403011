import cliProgress from 'cli-progress'
import type { Context } from './context.js'

export interface Progress {
  increment(): void
  stop(): void
}

/**
 * A progress bar on stderr for long work — only on a terminal and without --json, so logs,
 * pipes and scripts never receive cursor movements.
 */
export function createProgress(ctx: Context, total: number, label: string): Progress {
  if (ctx.out.json || process.stderr.isTTY !== true) return { increment() {}, stop() {} }
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0)
  return {
    increment: () => bar.increment(),
    stop: () => bar.stop(),
  }
}

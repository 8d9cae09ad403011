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
  // Ctrl-C mid-batch: what was issued is durable (a re-run resumes); give the cursor back first.
  const interrupted = () => {
    bar.stop()
    process.stderr.write('interrupted: run the same command again to resume\n')
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  return {
    increment: () => bar.increment(),
    stop: () => {
      process.off('SIGINT', interrupted)
      bar.stop()
    },
  }
}

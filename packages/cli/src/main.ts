#!/usr/bin/env node
// The `civitas` binary: everything lives in program.ts so tests and embedders can run it.
import { run } from './program.js'

// `civitas … | head` closes the pipe early: that is the reader's choice, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

process.exitCode = await run(process.argv.slice(2))

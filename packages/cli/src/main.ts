#!/usr/bin/env node
// The `civitas` binary: everything lives in program.ts so tests and embedders can run it.
import { run } from './program.js'

process.exitCode = await run(process.argv.slice(2))

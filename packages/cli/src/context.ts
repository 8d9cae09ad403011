import type { Command } from 'commander'
import { type CivitasConfig, loadConfig } from './config.js'
import { createOutput, type Output } from './output.js'

export interface GlobalOptions {
  json?: boolean
  debug?: boolean
  config?: string
}

/** What every command handler gets: the output, the configuration, and the way to the chain. */
export interface Context {
  out: Output
  config: CivitasConfig
  debug: boolean
}

export function contextOf(command: Command): Context {
  const globals = command.optsWithGlobals<GlobalOptions>()
  return {
    out: createOutput(globals.json === true),
    config: loadConfig(globals.config),
    debug: globals.debug === true,
  }
}

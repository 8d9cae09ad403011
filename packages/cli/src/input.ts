import { readFileSync, statSync } from 'node:fs'
import { UsageError } from './usage-error.js'

/** A credential, presentation or snapshot read from a file or stdin is at most this big. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024

function fileSize(path: string): number | undefined {
  try {
    const stat = statSync(path)
    return stat.isFile() ? stat.size : undefined
  } catch {
    return undefined
  }
}

/** A file's text, bounded in size; a usage error says which file and why. */
export function readTextFile(path: string, what: string, maxBytes = MAX_INPUT_BYTES): string {
  const size = fileSize(path)
  if (size === undefined) throw new UsageError(`cannot read ${what} ${path.slice(0, 300)}`, 'check the path')
  if (size > maxBytes)
    throw new UsageError(
      `${what} ${path.slice(0, 300)} is over ${maxBytes} bytes`,
      'check you passed the right file',
    )
  return readFileSync(path, 'utf8')
}

/** A JSON file (claims, a DCQL query, a JWK), bounded in size; not JSON is a usage error. */
export function readJsonFile(path: string, what: string, maxBytes = 256 * 1024): unknown {
  const text = readTextFile(path, what, maxBytes)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new UsageError(`${what} ${path.slice(0, 300)} is not valid JSON`, 'fix the file')
  }
}

/** All of stdin, bounded in size (a pipe that never ends is cut at the bound, not read forever). */
export async function readStdin(what: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  if (process.stdin.isTTY)
    throw new UsageError(`${what} is read from stdin, which is a terminal`, `pipe it in: … | civitas …`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buffer.length
    if (size > maxBytes) {
      process.stdin.destroy()
      throw new UsageError(`${what} on stdin is over ${maxBytes} bytes`, 'check what is piped in')
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * A token given as the argument itself, a file holding it, or `-` for stdin. A file's text
 * is trimmed (a trailing newline is not part of a JWT).
 */
export async function readTokenArgument(argument: string, what: string): Promise<string> {
  let text: string
  if (argument === '-') text = await readStdin(what)
  else if (fileSize(argument) !== undefined) text = readTextFile(argument, what)
  else if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(~|$)/.test(argument)) text = argument
  else
    throw new UsageError(
      `${argument.slice(0, 80)} is neither a token nor a readable file`,
      `pass the ${what} itself, a file holding it, or - to read stdin`,
    )
  const token = text.trim()
  if (token.length === 0) throw new UsageError(`the ${what} is empty`, `pass a ${what}`)
  return token
}

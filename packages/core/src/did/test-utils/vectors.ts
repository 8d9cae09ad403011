import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where DID conformance vectors come from: the copies this package carries (src/did/fixtures,
 * public spec data vendored byte for byte from the shared vectors), so a plain clone runs
 * every conformance test and nothing is skipped for a missing folder.
 */
export interface VectorSource {
  name: string
  dir: string
  present: true
}

export const VECTOR_SOURCES: VectorSource[] = [
  { name: 'project fixtures', dir: fileURLToPath(new URL('../fixtures/', import.meta.url)), present: true },
]

export function readJson<T = Record<string, unknown>>(dir: string, path: string): T {
  return JSON.parse(readFileSync(resolve(dir, path), 'utf8')) as T
}

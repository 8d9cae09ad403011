import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The two places DID conformance vectors come from: the copies this package carries
 * (src/did/fixtures, public spec data, so a clone tests itself) and the shared conformance
 * folder next to the repository (../shared/vectors), used when present.
 */
const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url))

export interface VectorSource {
  name: string
  dir: string
  present: boolean
}

export const VECTOR_SOURCES: VectorSource[] = [
  { name: 'project fixtures', dir: fileURLToPath(new URL('../fixtures/', import.meta.url)), present: true },
  {
    name: '../shared/vectors',
    dir: resolve(repositoryRoot, '../shared/vectors'),
    present: existsSync(resolve(repositoryRoot, '../shared/vectors/did-key')),
  },
]

export function readJson<T = Record<string, unknown>>(dir: string, path: string): T {
  return JSON.parse(readFileSync(resolve(dir, path), 'utf8')) as T
}

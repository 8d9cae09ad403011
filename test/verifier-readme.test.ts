/**
 * The README's runnable snippets run as written: each ```ts block after a
 * `<!-- runnable -->` marker in packages/verifier/README.md is written to a module and
 * imported, on a real local chain. The quick start must print a verified diploma, then the
 * revocation.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it, vi } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const dir = join(here, '.readme-snippets')

async function snippets(): Promise<string[]> {
  const readme = await readFile(join(here, '../packages/verifier/README.md'), 'utf8')
  return [...readme.matchAll(/<!-- runnable -->\n```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

it('the README quick start runs: a verified diploma, then CREDENTIAL_REVOKED', async () => {
  const [quickStart] = await snippets()
  expect(quickStart).toBeDefined()
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'quick-start.ts')
  await writeFile(file, quickStart!)
  const printed: unknown[][] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args)
  })
  try {
    await import(file)
  } finally {
    log.mockRestore()
  }
  expect(printed[0]).toEqual([true])
  const last = printed[printed.length - 1]!
  expect(last[0]).toBe(false)
  expect(last[1]).toMatchObject([{ check: 'credential/status', code: 'CREDENTIAL_REVOKED' }])
})

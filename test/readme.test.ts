/**
 * The root README runs as written: its command 1 is the demo script, and every ```ts block
 * after a `<!-- runnable -->` marker, concatenated in order into one module (the snippets
 * continue each other), runs on a real local chain: a diploma issued, accepted and presented
 * by a wallet, verified by an employer and offline from a trust snapshot, then revoked.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it, vi } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const dir = join(here, '.readme-root')

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

it('command 1 is the demo script, and the demo script runs the full story', async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const commands = block.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))
  expect(commands).toEqual([
    'npx -y -p pnpm@10.34.8 pnpm install && npx -y -p pnpm@10.34.8 pnpm demo',
    'npx -y -p pnpm@10.34.8 pnpm install && npx -y -p pnpm@10.34.8 pnpm test',
  ])
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
  const entry = /examples\/[\w-]+\/src\/main\.ts/.exec(pkg.scripts.demo ?? '')?.[0]
  expect(entry).toBe('examples/full-story/src/main.ts')
  expect(existsSync(join(root, entry!))).toBe(true)
})

it('the audience snippets run in order: issued, presented, verified online and offline, then revoked', async () => {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const snippets = [...readme.matchAll(/<!-- runnable -->\n```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
  expect(snippets).toHaveLength(3)
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'audiences.ts')
  await writeFile(file, snippets.join('\n'))
  const printed: unknown[][] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args)
  })
  try {
    await import(file)
  } finally {
    log.mockRestore()
  }
  const first = (word: unknown) => printed.find((args) => args[0] === word)
  expect(first('issued')?.[1]).toMatch(/^urn:uuid:/)
  expect(first('presented')).toEqual(['presented', 1])
  expect(printed).toContainEqual([true])
  expect(printed).toContainEqual([
    '✓',
    'credential/trust',
    expect.stringContaining('Accredited for VerifiableDiploma'),
  ])
  expect(printed.filter((args) => args[0] === '✗')).toEqual([])
  expect(printed).toContainEqual([true, 'snapshot'])
  const last = printed[printed.length - 1]!
  expect(last[0]).toBe(false)
  expect(last[1]).toEqual([
    expect.objectContaining({ check: 'credential/status', code: 'CREDENTIAL_REVOKED' }),
  ])
})

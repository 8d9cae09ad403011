/**
 * A conformance suite that skips itself when its vectors are missing passes in CI while
 * testing nothing. Every vector the project uses is vendored (`fixtures/` folders), so no test
 * may read from outside the repository, and none may skip, focus or defer itself. This scans
 * every test file of the workspace and fails naming the file and line of each offence.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

function testFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...testFiles(path))
    else if (entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

// Built from parts so that this file does not match its own rules.
const RULES: [string, RegExp][] = [
  [
    'skips, focuses or defers a test',
    new RegExp(
      `\\b(?:it|test|describe|suite|bench)\\.(?:${['skip', 'skipIf', 'runIf', 'only', 'todo'].join('|')})\\b`,
    ),
  ],
  ['skips from inside a test', new RegExp(`\\b(?:ctx|context|task)\\.${'skip'}\\(`)],
  ['reads vectors from outside the repository', new RegExp(`\\.\\./${'shared'}|${'shared'}/vectors`)],
  ['returns early when a file is missing', new RegExp(`if \\(!${'existsSync'}\\(.*\\)\\)\\s*return`)],
]

describe('no test skips itself (for a missing fixture or any other reason)', () => {
  const files = [...testFiles(join(root, 'packages')), ...testFiles(join(root, 'test'))]

  it('finds the workspace test files', () => {
    expect(files.length).toBeGreaterThan(40)
    expect(files.some((f) => f.endsWith('signature.test.ts'))).toBe(true)
  })

  it('every test file runs every suite it declares, from fixtures inside the repository', () => {
    const offences: string[] = []
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n')
      lines.forEach((line, i) => {
        for (const [what, rule] of RULES) {
          if (rule.test(line)) offences.push(`${relative(root, file)}:${i + 1} ${what}: ${line.trim()}`)
        }
      })
    }
    expect(offences).toEqual([])
  })

  it('the rules catch what they are meant to catch', () => {
    const caught = (line: string) => RULES.some(([, rule]) => rule.test(line))
    const skipIf = ['describe', 'skipIf'].join('.')
    expect(caught(`${skipIf}(!existsSync(dir))('vectors', () => {})`)).toBe(true)
    expect(caught(`const dir = '../../${'shared'}/vectors/jose'`)).toBe(true)
    expect(caught(`  ${['it', 'skip'].join('.')}('later', () => {})`)).toBe(true)
    expect(caught(`if (!${'existsSync'}(path)) return`)).toBe(true)
    expect(caught(`describe('skip lists are fine as words', () => {})`)).toBe(false)
  })
})

/**
 * The examples' narration is plain text unless standard output is a terminal: no ANSI escape
 * reaches a pipe, a log file or a CI console; NO_COLOR wins over a terminal, FORCE_COLOR over a pipe.
 */
import { colorTerminal, createNarrator } from '@civitas/example-story-kit'
import { expect, it } from 'vitest'

it('colours only a terminal: NO_COLOR turns them off, FORCE_COLOR on, CI alone does not', () => {
  expect(colorTerminal({}, true)).toBe(true)
  expect(colorTerminal({}, false)).toBe(false)
  expect(colorTerminal({ CI: 'true' }, false)).toBe(false)
  expect(colorTerminal({ NO_COLOR: '1' }, true)).toBe(false)
  expect(colorTerminal({ FORCE_COLOR: '1' }, false)).toBe(true)
  expect(colorTerminal({ TERM: 'dumb' }, true)).toBe(false)
})

it('a narrator writing to a sink writes plain text; with colour on, its lines stay plain for readers', () => {
  const plain: string[] = []
  const narrator = createNarrator({ write: (line) => plain.push(line) })
  narrator.chapter('At the border post')
  narrator.checks([
    { id: 'credential/status', ok: false, code: 'CREDENTIAL_REVOKED', message: 'Revoked by its issuer.' },
    { id: 'credential/trust', ok: true, message: 'Accredited.' },
  ])
  expect(plain.join('\n')).not.toContain('\u001b[')
  expect(plain).toContain('## At the border post')
  expect(plain).toContainEqual(
    expect.stringMatching(/^ {4}✗ credential\/status +CREDENTIAL_REVOKED: Revoked by its issuer\.$/),
  )

  const coloured: string[] = []
  const tty = createNarrator({ write: (line) => coloured.push(line), color: true })
  tty.ok('verified')
  expect(coloured[0]).toContain('\u001b[')
  expect(tty.lines).toEqual(['  ✓ verified'])
})

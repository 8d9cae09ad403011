// The CLI's contract with people and scripts, checked on the built binary in a child process:
// every command's help is complete, bad arguments exit 2 with what was wrong and how to fix
// it (never a stack), --json prints one document, civitas.json never holds secrets.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildCli, civitas, oneJson, STACK_LINE } from './cli-harness.js'

let cwd: string
beforeAll(() => {
  buildCli()
  cwd = mkdtempSync(join(tmpdir(), 'civitas-cli-usage-'))
}, 180_000)

/** The subcommand names listed under "Commands:" of a help text. */
function subcommandsOf(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? ''
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((m) => m[1] as string)
    .filter((name) => name !== 'help')
}

describe('civitas --help', () => {
  it('lists the command groups as operators think of them', async () => {
    const top = await civitas(['--help'], { cwd })
    expect(top.code).toBe(0)
    expect(subcommandsOf(top.stdout)).toEqual([
      'chain',
      'did',
      'trust',
      'schema',
      'issue',
      'status',
      'verify',
      'snapshot',
      'wallet',
    ])
    expect(top.stdout).toContain('Exit codes: 0 ok, 1 failed')
  })

  it('every command and subcommand has a description, described arguments and options, and an example', async () => {
    const leaves: string[][] = []
    /** The indented entries of a help section (`Options:`, `Arguments:`), continuation lines joined. */
    const entries = (help: string, section: string): string[] => {
      const body = help.split(new RegExp(`^${section}:$`, 'm'))[1]?.split(/^\S/m)[0] ?? ''
      return body
        .split(/\n(?= {2}\S)/)
        .map((e) => e.trim())
        .filter((e) => e.length > 0)
    }
    // Siblings are checked concurrently: each is a node process of its own.
    const walk = async (path: string[]): Promise<void> => {
      const name = path.join(' ') || 'civitas'
      const help = await civitas([...path, '--help'], { cwd })
      expect(help.code, name).toBe(0)
      expect(help.stdout, name).toMatch(new RegExp(`^Usage: civitas ${path.join(' ')}`))
      // The description is the paragraph under the usage line.
      expect(help.stdout.split('\n')[2]?.trim().length ?? 0, `${name} has a description`).toBeGreaterThan(10)
      expect(help.stdout, `${name} has an example`).toMatch(/^Example/m)
      expect(help.stdout, `${name}'s example runs civitas`).toMatch(/^ {2}\$ (\S+=\S+ )?civitas /m)
      // An option or argument without a description would end right after its name.
      for (const entry of [...entries(help.stdout, 'Options'), ...entries(help.stdout, 'Arguments')]) {
        expect(entry, `${name}: ${entry}`).toMatch(/\S\s{2,}\S/)
      }
      const subs = subcommandsOf(help.stdout)
      if (subs.length === 0) leaves.push(path)
      await Promise.all(subs.map((sub) => walk([...path, sub])))
    }
    await walk([])
    expect(leaves.map((l) => l.join(' ')).sort()).toEqual(
      [
        'chain deploy',
        'chain start',
        'chain status',
        'did add-key',
        'did create',
        'did deactivate',
        'did resolve',
        'did revoke-key',
        'did rotate-key',
        'issue',
        'schema publish',
        'schema show',
        'snapshot create',
        'status flush',
        'status reinstate',
        'status revoke',
        'status serve',
        'status suspend',
        'trust accredit',
        'trust appoint-root',
        'trust revoke',
        'trust show',
        'verify',
        'wallet erase',
        'wallet export',
        'wallet import',
        'wallet init',
        'wallet list',
        'wallet present',
      ].sort(),
    )
  }, 300_000)
})

describe('bad arguments exit 2 with the reason and no stack', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate'], /unknown command/],
    ['an unknown option', ['did', 'resolve', 'did:key:z6Mk', '--frob'], /unknown option/],
    ['a missing required option', ['did', 'create'], /--out/],
    [
      'a value outside the choices',
      ['did', 'create', '--out', 'k.json', '--method', 'web'],
      /Allowed choices are key, jwk, key-ebsi, ethr/,
    ],
    [
      'a non-integer where an integer is expected',
      ['trust', 'show', '0x0000000000000000000000000000000000000001', '--index', 'x'],
      /positive integer|non-negative integer/,
    ],
    ['a deploy without --rpc', ['chain', 'deploy'], /--rpc/],
    ['a deploy with a non-URL', ['chain', 'deploy', '--rpc', 'nope'], /http\(s\) URL/],
    ['a did:ethr command on a did:key', ['did', 'deactivate', 'did:key:z6Mk', '--yes'], /not a did:ethr/],
    [
      'deactivate without --yes',
      ['did', 'deactivate', 'did:ethr:local:0x0000000000000000000000000000000000000001'],
      /--yes/,
    ],
    ['a chain command without a manifest', ['chain', 'status'], /no registry manifest/],
    ['a missing --config file', ['--config', 'nowhere.json', 'chain', 'status'], /does not exist/],
    [
      'a subject that is no did:ethr nor address',
      ['trust', 'show', 'did:web:uni.example'],
      /neither a did:ethr nor an Ethereum address/,
    ],
  ]
  for (const [what, args, message] of cases) {
    it.concurrent(`${what}`, async () => {
      const result = await civitas(args, { cwd })
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stderr).not.toMatch(STACK_LINE)
      expect(result.stdout).toBe('')
    }, 120_000)
  }

  it('--json makes the usage error the one JSON document on stdout', async () => {
    const result = await civitas(['did', 'create', '--json'], { cwd })
    expect(result.code).toBe(2)
    expect(oneJson(result)).toMatchObject({ ok: false, error: { code: 'USAGE' } })
  })

  it('a CivitasError INVALID_ARGUMENT exits 2 and says how to fix it; --debug adds the stack', async () => {
    const plain = await civitas(['did', 'resolve', 'did:key:zNotAKey'], { cwd })
    expect(plain.code).not.toBe(0)
    expect(plain.stderr).toMatch(/^[A-Z_]+: /m)
    expect(plain.stderr).toMatch(/how to fix:/)
    expect(plain.stderr).not.toMatch(STACK_LINE)
    const debug = await civitas(['did', 'resolve', 'did:key:zNotAKey', '--debug'], { cwd })
    expect(debug.stderr).toMatch(STACK_LINE)
  })

  it('civitas.json with a secret in it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'civitas-cli-config-'))
    writeFileSync(join(dir, 'civitas.json'), JSON.stringify({ manifest: 'm.json', passphrase: 'hunter2' }))
    const result = await civitas(['chain', 'status'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/looks like a secret/)
    expect(result.stderr).toMatch(/CIVITAS_PASSPHRASE/)
  })
})

describe('did create / resolve without a chain', () => {
  for (const [method, alg, prefix] of [
    ['key', 'ES256', 'did:key:zDn'],
    ['key', 'EdDSA', 'did:key:z6Mk'],
    ['jwk', 'ES256K', 'did:jwk:'],
    ['key-ebsi', 'ES256', 'did:key:z2dm'],
  ] as const) {
    it(`${method} ${alg}: one JSON document, a 0600 key file, and the DID resolves`, async () => {
      const out = join(cwd, `${method}-${alg}.key.json`)
      const created = await civitas(
        ['did', 'create', '--method', method, '--alg', alg, '--out', out, '--json'],
        { cwd },
      )
      expect(created.code).toBe(0)
      const doc = oneJson(created)
      expect(doc.did).toMatch(new RegExp(`^${prefix}`))
      expect(statSync(out).mode & 0o777).toBe(0o600)
      const resolved = await civitas(['did', 'resolve', doc.did as string, '--json'], { cwd })
      expect(resolved.code).toBe(0)
      expect(oneJson(resolved)).toMatchObject({ didDocument: { id: doc.did } })
    })
  }

  it('with CIVITAS_PASSPHRASE the key file is encrypted: no private key member, and it refuses to be overwritten', async () => {
    const out = join(cwd, 'encrypted.key.json')
    const created = await civitas(['did', 'create', '--out', out, '--json'], {
      cwd,
      env: { CIVITAS_PASSPHRASE: 'correct horse' },
    })
    expect(oneJson(created)).toMatchObject({ encrypted: true })
    const file = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>
    expect(file.privateJwk).toBeUndefined()
    expect(file.encrypted).toMatchObject({ kdf: 'scrypt', cipher: 'aes-256-gcm' })
    expect(JSON.stringify(file)).not.toContain('"d"')
    const again = await civitas(['did', 'create', '--out', out], { cwd })
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/already exists/)
  })

  it('asks for a passphrase it cannot prompt for: a usage error, not a hang', async () => {
    const result = await civitas(['did', 'create', '--out', join(cwd, 'prompt.key.json'), '--encrypt'], {
      cwd,
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/CIVITAS_PASSPHRASE/)
  })
})

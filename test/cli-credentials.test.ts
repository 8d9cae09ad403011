// A credential's life through the `civitas` binary, every step a real child process on a real
// anvil chain: a ministry (Root TAO) accredits a university, which issues a diploma; the
// verifier says verified (exit 0); the university revokes it, which reaches the chain only at
// flush; the verifier then says not verified (exit 1) with `credential/status` failed. Batches
// resume without issuing twice, status lists are served over HTTP, a signed snapshot verifies
// offline, and a holder's wallet presents with minimal disclosure.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildCli,
  type CliResult,
  civitas,
  type LongRunning,
  oneJson,
  STACK_LINE,
  startChain,
  startLongRunning,
} from './cli-harness.js'

interface Check {
  id: string
  ok: boolean
  code?: string
}
interface VerifyDocument {
  verified: boolean
  checks: Check[]
  errors: { check: string; code: string }[]
  trust: { source: string }
  credentials?: { credential?: Record<string, unknown> }[]
}

let cwd: string
let chain: LongRunning
let ministry: string
let university: string
let student: string
/** The claims of the built-in `diploma` template (EBSI VerifiableDiploma in jwt_vc_json). */
const DIPLOMA = {
  givenNames: 'Chiara',
  familyName: 'Rossi',
  dateOfBirth: '2001-04-12',
  awardingBody: { name: 'Università degli Studi di Bologna' },
  qualification: { title: 'Laurea Magistrale in Informatica', eqfLevel: 7, iscedfCode: '0613' },
  awardDate: '2026-07-15',
}
const WALLET = { CIVITAS_WALLET_PASSPHRASE: 'correct horse battery staple' }
const run = (args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) =>
  civitas(args, { cwd, ...options })
const ok = (result: CliResult) => {
  expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0)
  return result
}
const verifyDocument = (result: CliResult) => oneJson(result) as unknown as VerifyDocument
const check = (doc: VerifyDocument, id: string) => doc.checks.find((c) => c.id === id)

async function createDid(name: string, method: 'ethr' | 'key'): Promise<string> {
  const args = ['did', 'create', '--method', method, '--out', `${name}.key.json`, '--json']
  return oneJson(ok(await run(method === 'ethr' ? [...args, '--fund'] : args))).did as string
}

async function issueDiploma(subject = student): Promise<{ id: string; token: string; file: string }> {
  const doc = oneJson(
    ok(
      await run([
        'issue',
        '--template',
        'diploma',
        '--subject',
        subject,
        '--claims',
        'diploma.json',
        '--json',
      ]),
    ),
  )
  const file = `${(doc.id as string).slice(-12)}.jwt`
  writeFileSync(join(cwd, file), doc.token as string)
  return { id: doc.id as string, token: doc.token as string, file }
}

beforeAll(async () => {
  buildCli()
  cwd = mkdtempSync(join(tmpdir(), 'civitas-cli-credentials-'))
  writeFileSync(join(cwd, 'accreditation.txt'), 'Accreditation of the university for diplomas.\n')
  writeFileSync(join(cwd, 'diploma.json'), JSON.stringify(DIPLOMA))
  writeFileSync(
    join(cwd, 'grades.json'),
    JSON.stringify({ familyName: 'Rossi', course: 'Cryptography', grade: '30/30' }),
  )
  chain = await startChain(cwd)
  ;[ministry, university, student] = await Promise.all([
    createDid('ministry', 'ethr'),
    createDid('university', 'ethr'),
    createDid('student', 'key'),
  ])
  const grant = [
    '--types',
    'VerifiableDiploma,urn:eudi:pid:1,TranscriptOfRecords',
    '--document',
    'accreditation.txt',
    '--document-uri',
    'https://ministry.example/a',
  ]
  ok(await run(['trust', 'appoint-root', ministry, ...grant, '--key', '.civitas/governance.key.json']))
  ok(await run(['trust', 'accredit', university, ...grant, '--key', 'ministry.key.json']))
  writeFileSync(
    join(cwd, 'civitas.json'),
    JSON.stringify({ issuerKey: 'university.key.json', trust: { rootTaos: [ministry] } }),
  )
}, 300_000)
afterAll(async () => {
  await chain?.stop()
})

describe('civitas issue → verify → status revoke → flush → verify', () => {
  let diploma: { id: string; token: string; file: string }

  it('issue prints one JSON document: the id, the status entries, the token', async () => {
    const result = ok(
      await run([
        'issue',
        '--template',
        'diploma',
        '--subject',
        student,
        '--claims',
        'diploma.json',
        '--json',
      ]),
    )
    const doc = oneJson(result)
    expect(doc).toMatchObject({ format: 'jwt_vc_json', template: 'diploma', subject: student })
    expect(doc.id).toMatch(/^urn:uuid:/)
    expect((doc.status as { purpose: string }[]).map((s) => s.purpose).sort()).toEqual([
      'revocation',
      'suspension',
    ])
    expect(doc.token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    diploma = { id: doc.id as string, token: doc.token as string, file: 'diploma.jwt' }
    writeFileSync(join(cwd, diploma.file), `${diploma.token}\n`)
  })

  it('a capitalised --template is a credential type; without --json the token alone is on stdout', async () => {
    const result = ok(
      await run([
        'issue',
        '--template',
        'TranscriptOfRecords',
        '--subject',
        student,
        '--claims',
        'grades.json',
      ]),
    )
    expect(result.stdout.trim()).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(result.stderr).toMatch(/issued TranscriptOfRecords/)
  })

  it('verify of the fresh diploma: exit 0, --json is the verifier result with verified true', async () => {
    const doc = verifyDocument(ok(await run(['verify', diploma.file, '--json'])))
    expect(doc.verified).toBe(true)
    expect(doc.errors).toEqual([])
    for (const id of ['credential/signature', 'credential/status', 'credential/trust'])
      expect(check(doc, id), id).toMatchObject({ ok: true })
    expect(doc.trust.source).toBe('chain')
  })

  it('--explain prints every check with ✓ and its reason, without colour off a terminal', async () => {
    // NO_COLOR unset: it is the missing terminal that turns colours off.
    const result = ok(await run(['verify', diploma.file, '--explain'], { env: { NO_COLOR: '' } }))
    expect(result.stdout).toMatch(/^✓ verified credential \(jwt_vc_json\)/)
    expect(result.stdout).toMatch(/^ {2}✓ {2}credential\/status {2,}ok {2}Not revoked/m)
    expect(result.stdout).toMatch(/^ {2}✓ {2}credential\/trust {2,}ok {2}Accredited for VerifiableDiploma/m)
    expect(result.stdout).not.toContain('\u001b[')
  })

  it('verify - reads the token from stdin', async () => {
    ok(await run(['verify', '-'], { input: diploma.token }))
  })

  it('a revocation is queued and changes nothing on-chain until the flush; then verify exits 1 with credential/status failed', async () => {
    const revoked = oneJson(ok(await run(['status', 'revoke', diploma.id, '--json'])))
    expect(revoked).toMatchObject({ id: diploma.id, action: 'revoke', pending: 1 })
    expect(verifyDocument(ok(await run(['verify', diploma.file, '--json']))).verified).toBe(true)

    const flushed = oneJson(ok(await run(['status', 'flush', '--json'])))
    expect(flushed).toMatchObject({ applied: 1, transactions: 1, busy: false })

    const after = await run(['verify', diploma.file, '--json'])
    expect(after.code).toBe(1)
    const doc = verifyDocument(after)
    expect(doc.verified).toBe(false)
    expect(check(doc, 'credential/status')).toMatchObject({ ok: false, code: 'CREDENTIAL_REVOKED' })
    expect(doc.errors).toEqual([
      expect.objectContaining({ check: 'credential/status', code: 'CREDENTIAL_REVOKED' }),
    ])

    const human = await run(['verify', diploma.file, '--explain'])
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(/^✗ not verified/)
    expect(human.stdout).toMatch(/^ {2}✗ {2}credential\/status {2,}CREDENTIAL_REVOKED/m)
  })

  it('suspend --flush fails verification with CREDENTIAL_SUSPENDED, reinstate --flush lifts it', async () => {
    const second = await issueDiploma()
    ok(await run(['status', 'suspend', second.id, '--flush']))
    const suspended = await run(['verify', second.file, '--json'])
    expect(suspended.code).toBe(1)
    expect(check(verifyDocument(suspended), 'credential/status')).toMatchObject({
      ok: false,
      code: 'CREDENTIAL_SUSPENDED',
    })
    ok(await run(['status', 'reinstate', second.id, '--flush']))
    ok(await run(['verify', second.file]))
  })

  it('a revoke of an unknown id fails with its code and how to fix it, no stack', async () => {
    const result = await run(['status', 'revoke', 'urn:uuid:00000000-0000-4000-8000-000000000000'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^CREDENTIAL_NOT_FOUND: /m)
    expect(result.stderr).not.toMatch(STACK_LINE)
  })
})

describe('verify never throws for a bad token; bad arguments exit 2', () => {
  it('a token that is no credential: exit 1, verified false, credential/format failed', async () => {
    const result = await run(['verify', 'eyJhbGciOiJub25lIn0.e30.', '--json'])
    expect(result.code).toBe(1)
    const doc = verifyDocument(result)
    expect(doc.verified).toBe(false)
    expect(doc.errors[0]?.check).toBe('credential/format')
    expect(result.stderr).not.toMatch(STACK_LINE)
  })

  it('nobody to trust: exit 2 with how to fix it; --debug adds the stack', async () => {
    writeFileSync(join(cwd, 'untrusting.json'), JSON.stringify({ manifest: '.civitas/manifest.json' }))
    const result = await run(['--config', 'untrusting.json', 'verify', 'diploma.jwt'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/nobody is trusted/)
    expect(result.stderr).toMatch(/how to fix: pass --root-tao DID/)
    expect(result.stderr).not.toMatch(STACK_LINE)
    expect(result.stdout).toBe('')
    const debug = await run(['--config', 'untrusting.json', 'verify', 'diploma.jwt', '--debug'])
    expect(debug.code).toBe(2)
    expect(debug.stderr).toMatch(STACK_LINE)
  })

  it('neither a token nor a file: exit 2, and --json makes the error the one document', async () => {
    const result = await run(['verify', 'no-such-file.jwt', '--json'])
    expect(result.code).toBe(2)
    expect(oneJson(result)).toMatchObject({ ok: false, error: { code: 'USAGE' } })
    expect(result.stderr).toMatch(/neither a token nor a readable file/)
  })

  it('an unknown template is TEMPLATE_NOT_FOUND, exit 2, before anything is issued', async () => {
    const result = await run([
      'issue',
      '--template',
      'no-such-template',
      '--subject',
      student,
      '--claims',
      'diploma.json',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^TEMPLATE_NOT_FOUND: /m)
    expect(result.stderr).toMatch(/how to fix: built-in templates: diploma, pid/)
    expect(result.stderr).not.toMatch(STACK_LINE)
  })

  it('claims that do not fit the template: CLAIM_INVALID naming the claim, exit 2', async () => {
    writeFileSync(join(cwd, 'bad-diploma.json'), JSON.stringify({ ...DIPLOMA, dateOfBirth: 'yesterday' }))
    const result = await run([
      'issue',
      '--template',
      'diploma',
      '--subject',
      student,
      '--claims',
      'bad-diploma.json',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^CLAIM_INVALID: .*dateOfBirth/m)
    expect(result.stderr).not.toMatch(STACK_LINE)
  })

  it('a type the issuer is not accredited for: ACCREDITATION_SCOPE_EXCEEDED, exit 1, nothing issued', async () => {
    const result = await run([
      'issue',
      '--template',
      'Passport',
      '--subject',
      student,
      '--claims',
      'grades.json',
      '--json',
    ])
    expect(result.code).toBe(1)
    expect(oneJson(result)).toMatchObject({ ok: false, error: { code: 'ACCREDITATION_SCOPE_EXCEEDED' } })
  })

  it('issue without --claims, and --offline without --snapshot-key: exit 2', async () => {
    const issue = await run(['issue', '--template', 'VerifiableDiploma', '--subject', student])
    expect(issue.code).toBe(2)
    expect(issue.stderr).toMatch(/--claims is required/)
    const offline = await run(['verify', 'diploma.jwt', '--offline', 'snapshot.json'])
    expect(offline.code).toBe(2)
    expect(offline.stderr).toMatch(/--snapshot-key/)
  })
})

describe('civitas issue --batch', () => {
  it('CSV: bad rows are reported by line and the rest issued; a re-run issues nothing twice', async () => {
    writeFileSync(
      join(cwd, 'graduates.csv'),
      `id,subject,familyName,givenName\ns1,${student},Rossi,Chiara\ns2,${student},Bianchi,Luca\ns3,not-a-did,Verdi,Anna\n`,
    )
    const args = [
      'issue',
      '--template',
      'VerifiableDiploma',
      '--batch',
      'graduates.csv',
      '--out',
      'diplomas.jsonl',
      '--json',
    ]
    const first = await run(args)
    expect(first.code, first.stderr).toBe(1)
    const doc = oneJson(first)
    expect(doc).toMatchObject({
      total: 3,
      issued: 2,
      failed: [{ key: 's3', line: 4, code: 'INVALID_ARGUMENT' }],
    })
    const lines = (file: string) =>
      readFileSync(join(cwd, file), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { key: string; id: string; token: string })
        .sort((a, b) => a.key.localeCompare(b.key))
    const issued = lines('diplomas.jsonl')
    expect(issued.map((l) => l.key)).toEqual(['s1', 's2'])
    expect(statSync(join(cwd, 'diplomas.jsonl')).mode & 0o777).toBe(0o600)

    writeFileSync(
      join(cwd, 'graduates.csv'),
      `id,subject,familyName,givenName\ns1,${student},Rossi,Chiara\ns2,${student},Bianchi,Luca\ns3,${student},Verdi,Anna\n`,
    )
    const again = oneJson(ok(await run(args)))
    expect(again).toMatchObject({ total: 3, issued: 1, resumed: 2, failed: [], aborted: false })
    const reissued = lines('diplomas.jsonl')
    expect(reissued.slice(0, 2)).toEqual(issued)
    expect(reissued[2]?.key).toBe('s3')
  })

  it('JSONL without ids: rows are keyed by line number; key and token per line on stdout, no progress bar off a terminal', async () => {
    writeFileSync(
      join(cwd, 'rows.jsonl'),
      `${JSON.stringify({ subject: student, claims: { familyName: 'Neri' } })}\n\n${JSON.stringify({ subject: student, claims: { familyName: 'Gallo' } })}\n`,
    )
    const result = ok(await run(['issue', '--template', 'VerifiableDiploma', '--batch', 'rows.jsonl']))
    const lines = result.stdout.trim().split('\n')
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['line-1', 'line-3'])
    expect(lines.every((l) => /^line-\d\teyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(l))).toBe(true)
    expect(result.stderr).toMatch(/2 of 2 done \(2 issued now, 0 from an earlier run\)/)
    expect(result.stderr).not.toMatch(/issuing \[|\r/)
  })

  it('a repeated id is a usage error before anything is issued', async () => {
    writeFileSync(join(cwd, 'twice.csv'), `id,subject,familyName\na,${student},X\na,${student},Y\n`)
    const result = await run(['issue', '--template', 'VerifiableDiploma', '--batch', 'twice.csv'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/line 3 repeats the id "a" of line 2/)
  })
})

/** The status code of a raw node:http request (fetch cannot send TRACE). */
function statusOf(url: string, method: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    request(url, { method }, (response) => {
      response.resume()
      resolve(response.statusCode)
    })
      .on('error', reject)
      .end()
  })
}

describe('civitas status serve', () => {
  it('serves the signed status lists over HTTP and stops cleanly on SIGTERM', async () => {
    await issueDiploma() // list 1 exists once a credential names it
    const server = await startLongRunning(['status', 'serve', '--port', '0'], cwd)
    try {
      expect(server.info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/)
      const list = await fetch(`${server.info.url}/1/revocation`)
      expect(list.status).toBe(200)
      expect(list.headers.get('content-type')).toBe('application/vc+jwt')
      expect(await list.text()).toMatch(/^eyJ/)
      expect((await fetch(`${server.info.url}/99/revocation`)).status).toBe(404)
      // A method `Request` refuses to represent is answered, and the server stays up.
      expect(await statusOf(server.info.url as string, 'TRACE')).toBe(405)
      expect((await fetch(`${server.info.url}/1/revocation`, { method: 'HEAD' })).status).toBe(200)
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0)
    }
  }, 120_000)
})

describe('civitas snapshot create / verify --offline', () => {
  it('a signed snapshot verifies the diploma with no chain at all, and knows the revocation', async () => {
    const fresh = await issueDiploma()
    const created = oneJson(
      ok(
        await run([
          'snapshot',
          'create',
          '--out',
          'trust.snapshot.json',
          '--key',
          'ministry.key.json',
          '--json',
        ]),
      ),
    )
    expect(created).toMatchObject({ rootTaos: [expect.stringMatching(/^0x/)], signedBy: ministry })
    const offline = (snapshot: string) => [
      '--config',
      // A config without a manifest or RPC: nothing but the snapshot to go on.
      'offline.json',
      'verify',
      '--offline',
      snapshot,
      '--snapshot-key',
      'ministry.key.json',
      '--json',
    ]
    writeFileSync(join(cwd, 'offline.json'), JSON.stringify({ manifest: 'nowhere/manifest.json' }))
    const good = verifyDocument(ok(await run([...offline('trust.snapshot.json'), fresh.file])))
    expect(good.trust.source).toBe('snapshot')
    expect(check(good, 'trust/snapshot')).toMatchObject({ ok: true })
    const revoked = await run([...offline('trust.snapshot.json'), 'diploma.jwt'])
    expect(revoked.code).toBe(1)
    expect(check(verifyDocument(revoked), 'credential/status')).toMatchObject({ code: 'CREDENTIAL_REVOKED' })

    const file = JSON.parse(readFileSync(join(cwd, 'trust.snapshot.json'), 'utf8')) as { body: string }
    file.body = file.body.replace(/"createdAt":(\d)/, '"createdAt":1$1')
    writeFileSync(join(cwd, 'tampered.json'), JSON.stringify(file))
    const tampered = await run([...offline('tampered.json'), fresh.file])
    expect(tampered.code).toBe(1)
    expect(check(verifyDocument(tampered), 'trust/snapshot')).toMatchObject({
      ok: false,
      code: 'SNAPSHOT_INVALID',
    })
  }, 180_000)
})

describe('civitas wallet', () => {
  let holder: { did: string; publicJwk: Record<string, unknown> }

  it('needs its passphrase from CIVITAS_WALLET_PASSPHRASE: without it, exit 2 (no prompt off a terminal)', async () => {
    const result = await run(['wallet', 'init'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/CIVITAS_WALLET_PASSPHRASE/)
  })

  it('init makes a holder key; a diploma issued to it is imported, listed and presented to an employer', async () => {
    const init = oneJson(ok(await run(['wallet', 'init', '--json'], { env: WALLET })))
    holder = init.holder as typeof holder
    expect(holder.did).toMatch(/^did:key:/)
    expect(holder.publicJwk.d).toBeUndefined()

    const diploma = await issueDiploma(holder.did)
    const imported = oneJson(ok(await run(['wallet', 'import', diploma.file, '--json'], { env: WALLET })))
    expect(imported).toMatchObject({ format: 'jwt_vc_json', issuer: university, holder: holder.did })
    const listed = oneJson(ok(await run(['wallet', 'list', '--json'], { env: WALLET })))
    expect(listed.credentials).toHaveLength(1)

    writeFileSync(
      join(cwd, 'employer.dcql.json'),
      JSON.stringify({
        credentials: [
          { id: 'diploma', format: 'jwt_vc_json', meta: { type_values: [['VerifiableDiploma']] } },
        ],
      }),
    )
    const presented = ok(
      await run(
        [
          'wallet',
          'present',
          '--query',
          'employer.dcql.json',
          '--nonce',
          'n-1',
          '--audience',
          'https://employer.example',
        ],
        {
          env: WALLET,
        },
      ),
    )
    const vp = presented.stdout.trim()
    const verified = verifyDocument(
      ok(
        await run(['verify', '-', '--nonce', 'n-1', '--audience', 'https://employer.example', '--json'], {
          input: vp,
        }),
      ),
    )
    expect(check(verified, 'presentation/holder-binding')).toMatchObject({ ok: true })
    const replayedElsewhere = await run(
      ['verify', '-', '--nonce', 'n-2', '--audience', 'https://employer.example', '--json'],
      {
        input: vp,
      },
    )
    expect(replayedElsewhere.code).toBe(1)
    expect(check(verifyDocument(replayedElsewhere), 'presentation/nonce')).toMatchObject({
      ok: false,
      code: 'NONCE_MISMATCH',
    })
  }, 180_000)

  it('an SD-JWT VC bound to the holder key is presented with only the requested claim', async () => {
    writeFileSync(join(cwd, 'holder.jwk.json'), JSON.stringify(holder.publicJwk))
    writeFileSync(
      join(cwd, 'pid.json'),
      JSON.stringify({
        given_name: 'Erika',
        family_name: 'Mustermann',
        birthdate: '1984-01-26',
        nationalities: ['DE'],
      }),
    )
    const pid = oneJson(
      ok(
        await run([
          'issue',
          '--template',
          'pid',
          '--holder-key',
          'holder.jwk.json',
          '--claims',
          'pid.json',
          '--out',
          'pid.sd-jwt',
          '--json',
        ]),
      ),
    )
    expect(pid.format).toBe('dc+sd-jwt')
    ok(await run(['wallet', 'import', 'pid.sd-jwt'], { env: WALLET }))
    writeFileSync(
      join(cwd, 'border.dcql.json'),
      JSON.stringify({
        credentials: [
          {
            id: 'pid',
            format: 'dc+sd-jwt',
            meta: { vct_values: ['urn:eudi:pid:1'] },
            claims: [{ path: ['age_over_18'] }],
          },
        ],
      }),
    )
    const presented = oneJson(
      ok(
        await run(
          [
            'wallet',
            'present',
            '--query',
            'border.dcql.json',
            '--nonce',
            'b-1',
            '--audience',
            'https://border.example',
            '--json',
          ],
          { env: WALLET },
        ),
      ),
    )
    const [presentation] = presented.presentations as { presentation: string; disclosed: string[] }[]
    expect(presentation?.disclosed).toContain('/age_over_18')
    expect(presentation?.disclosed).not.toContain('/given_name')
    const verified = verifyDocument(
      ok(
        await run(['verify', '-', '--nonce', 'b-1', '--audience', 'https://border.example', '--json'], {
          input: presentation?.presentation as string,
        }),
      ),
    )
    const claims = verified.credentials?.[0]?.credential ?? {}
    expect(claims.age_over_18).toBe(true)
    expect(claims.given_name).toBeUndefined()
    expect(claims.family_name).toBeUndefined()
  }, 180_000)

  it('a wrong passphrase is PASSPHRASE_INVALID; export writes a 0600 archive; erase --all needs --yes and empties the wallet; the archive restores it', async () => {
    const wrong = await run(['wallet', 'list'], { env: { CIVITAS_WALLET_PASSPHRASE: 'wrong' } })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^PASSPHRASE_INVALID: /m)
    ok(await run(['wallet', 'export', '--out', 'backup.civitas-wallet'], { env: WALLET }))
    expect(statSync(join(cwd, 'backup.civitas-wallet')).mode & 0o777).toBe(0o600)
    const unconfirmed = await run(['wallet', 'erase', '--all'], { env: WALLET })
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toMatch(/--yes/)
    ok(await run(['wallet', 'erase', '--all', '--yes'], { env: WALLET }))
    expect(oneJson(ok(await run(['wallet', 'list', '--json'], { env: WALLET })))).toEqual({
      keys: [],
      credentials: [],
    })
    const restored = oneJson(
      ok(await run(['wallet', 'import', '--archive', 'backup.civitas-wallet', '--json'], { env: WALLET })),
    )
    expect(restored).toMatchObject({ keys: 1, credentials: 2, skipped: 0 })
  }, 180_000)
})

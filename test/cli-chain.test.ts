// The operator's path on a real anvil chain, every step the `civitas` binary as a child
// process: chain start → status → deploy to the same node, did:ethr creation and resolution,
// an accreditation chain Root TAO → TAO → Trusted Issuer drawn as a tree, revocation seen in
// the tree, schemas published and read back, and key-file passphrases.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli, civitas, oneJson, STACK_LINE, startChain } from './cli-harness.js'

let cwd: string
let chain: Awaited<ReturnType<typeof startChain>>
const run = (args: string[], env?: NodeJS.ProcessEnv) => civitas(args, { cwd, ...(env ? { env } : {}) })
const DOC = ['--document', 'decree.txt', '--document-uri', 'https://ministry.example/decree']

async function createEthr(name: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const created = await run(
    ['did', 'create', '--method', 'ethr', '--out', `${name}.key.json`, '--fund', '--json'],
    env,
  )
  expect(created.code, created.stderr).toBe(0)
  return oneJson(created).did as string
}

beforeAll(async () => {
  buildCli()
  cwd = mkdtempSync(join(tmpdir(), 'civitas-cli-chain-'))
  writeFileSync(join(cwd, 'decree.txt'), 'Decree 1/2026: the ministry is the Root TAO for diplomas.\n')
  chain = await startChain(cwd)
}, 180_000)
afterAll(async () => {
  await chain?.stop()
})

describe('civitas chain', () => {
  it('start prints one JSON document with the RPC URL and registries, and writes the manifest', () => {
    expect(chain.info.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(chain.info.chainId).toBe(31337)
    expect(Object.keys(chain.info.contracts as object).sort()).toEqual([
      'DIDRegistry',
      'SchemaRegistry',
      'StatusRegistry',
      'TrustedIssuersRegistry',
    ])
  })

  it('status finds the four registries deployed on the manifest chain', async () => {
    const status = await run(['chain', 'status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const doc = oneJson(status)
    expect(doc.ok).toBe(true)
    expect((doc.contracts as { deployed: boolean }[]).every((c) => c.deployed)).toBe(true)
  })

  it('deploy --rpc puts a second set of registries on any node and writes its manifest', async () => {
    const deployed = await run([
      'chain',
      'deploy',
      '--rpc',
      chain.info.rpcUrl as string,
      '--key',
      '.civitas/governance.key.json',
      '--manifest',
      'second.json',
      '--network-name',
      'second',
      '--json',
    ])
    expect(deployed.code, deployed.stderr).toBe(0)
    const doc = oneJson(deployed)
    expect(doc.network).toMatchObject({ name: 'second', chainId: 31337 })
    const status = await run(['chain', 'status', '--manifest', 'second.json', '--json'])
    expect(oneJson(status).ok).toBe(true)
  })

  it('status of a node that is down: CHAIN_UNAVAILABLE, exit 1, how to fix, no stack', async () => {
    const down = await run(['chain', 'status', '--rpc', 'http://127.0.0.1:9'])
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/^CHAIN_UNAVAILABLE: /m)
    expect(down.stderr).toMatch(/how to fix: .*civitas chain start/)
    expect(down.stderr).not.toMatch(STACK_LINE)
  })
})

describe('civitas did and trust on the chain', () => {
  let ministry: string
  let agency: string
  let university: string

  beforeAll(async () => {
    ministry = await createEthr('ministry')
    agency = await createEthr('agency')
    university = await createEthr('university', { CIVITAS_PASSPHRASE: 'uni secret' })
  }, 120_000)

  it('did:ethr created by the CLI resolves through the manifest DIDRegistry', async () => {
    expect(university).toMatch(/^did:ethr:local:0x[0-9a-fA-F]{40}$/)
    const resolved = await run(['did', 'resolve', university, '--json'])
    expect(resolved.code, resolved.stderr).toBe(0)
    expect(oneJson(resolved)).toMatchObject({ didDocument: { id: university } })
  })

  it('appoint-root, accredit TAO, accredit Trusted Issuer; show draws the tree root first', async () => {
    const root = await run([
      'trust',
      'appoint-root',
      ministry,
      '--types',
      'VerifiableDiploma,VerifiableAttestation',
      '--key',
      '.civitas/governance.key.json',
      ...DOC,
      '--json',
    ])
    expect(root.code, root.stderr).toBe(0)
    expect(oneJson(root)).toMatchObject({ role: 'RootTAO', index: 0 })
    const tao = await run([
      'trust',
      'accredit',
      agency,
      '--role',
      'TAO',
      '--types',
      'VerifiableDiploma',
      '--key',
      'ministry.key.json',
      ...DOC,
    ])
    expect(tao.code, tao.stderr).toBe(0)
    const ti = await run([
      'trust',
      'accredit',
      university,
      '--types',
      'VerifiableDiploma',
      '--valid-until',
      '2031-01-01',
      '--key',
      'agency.key.json',
      ...DOC,
    ])
    expect(ti.code, ti.stderr).toBe(0)

    const tree = await run(['trust', 'show', university])
    expect(tree.code, tree.stderr).toBe(0)
    const lines = tree.stdout.split('\n')
    expect(lines[0]).toMatch(/✓ trusted accreditation #0/)
    expect(lines[1]).toMatch(
      new RegExp(`^RootTAO ${ministry} #0 +\\[VerifiableDiploma, VerifiableAttestation\\].*active$`),
    )
    expect(lines[2]).toMatch(new RegExp(`^└─ TAO ${agency} #0 +\\[VerifiableDiploma\\].*active$`))
    expect(lines[3]).toMatch(
      new RegExp(`^ {3}└─ TrustedIssuer ${university} #0 +\\[VerifiableDiploma\\].*→ 2031-01-01 +active$`),
    )

    const json = oneJson(await run(['trust', 'show', university, '--json']))
    const hops = (json.chains as { hops: { role: string }[] }[])[0]!.hops
    expect(hops.map((h) => h.role)).toEqual(['TrustedIssuer', 'TAO', 'RootTAO'])
  })

  it('an accreditation wider than the accreditor holds: ACCREDITATION_SCOPE_EXCEEDED, exit 1', async () => {
    const wider = await run([
      'trust',
      'accredit',
      university,
      '--types',
      'VerifiableId',
      '--key',
      'agency.key.json',
      ...DOC,
    ])
    expect(wider.code).toBe(1)
    expect(wider.stderr).toMatch(/^ACCREDITATION_SCOPE_EXCEEDED: /m)
  })

  it('revoking the TAO shows the whole chain untrusted, with the revoked hop named; show exits 1', async () => {
    const revoked = await run(['trust', 'revoke', agency, '--index', '0', '--key', 'ministry.key.json'])
    expect(revoked.code, revoked.stderr).toBe(0)
    const tree = await run(['trust', 'show', university])
    expect(tree.code).toBe(1)
    expect(tree.stdout).toMatch(/✗ not trusted/)
    expect(tree.stdout).toMatch(new RegExp(`└─ TAO ${agency} #0 .* revoked`))
  })

  it('an encrypted key file needs the right passphrase: wrong → PASSPHRASE_INVALID, right → the write goes through', async () => {
    writeFileSync(
      join(cwd, 'diploma.schema.json'),
      JSON.stringify({ $id: 'https://schemas.example/diploma/1', type: 'object' }),
    )
    const wrong = await run(['schema', 'publish', 'diploma.schema.json', '--key', 'university.key.json'], {
      CIVITAS_PASSPHRASE: 'guess',
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^PASSPHRASE_INVALID: /m)
    const right = await run(
      ['schema', 'publish', 'diploma.schema.json', '--key', 'university.key.json', '--json'],
      { CIVITAS_PASSPHRASE: 'uni secret' },
    )
    expect(right.code, right.stderr).toBe(0)
    expect(oneJson(right)).toMatchObject({
      id: 'https://schemas.example/diploma/1',
      version: 0,
      uri: 'https://schemas.example/diploma/1',
    })
  })

  it('schema show reads the published version back (hash of the exact file bytes)', async () => {
    const shown = await run(['schema', 'show', 'https://schemas.example/diploma/1', '--json'])
    expect(shown.code, shown.stderr).toBe(0)
    const { createHash } = await import('node:crypto')
    const { readFileSync } = await import('node:fs')
    const hash = `0x${createHash('sha256')
      .update(readFileSync(join(cwd, 'diploma.schema.json')))
      .digest('hex')}`
    expect(oneJson(shown)).toMatchObject({ versionCount: 1, versions: [{ version: 0, hash }] })
    const missing = await run(['schema', 'show', 'https://schemas.example/none'])
    expect(missing.code).toBe(2)
  })

  it('did rotate-key with a grace period leaves the old key under its id (tokens signed under it keep resolving); did revoke-key ends it', async () => {
    const owner = await createEthr('rotator')
    await run(['did', 'create', '--alg', 'EdDSA', '--out', 'k1.key.json'])
    await run(['did', 'create', '--alg', 'EdDSA', '--out', 'k2.key.json'])
    const edIds = async (): Promise<string[]> => {
      const doc = oneJson(await run(['did', 'resolve', owner, '--json'])) as {
        didDocument: { verificationMethod: { id: string; type: string }[] }
      }
      return doc.didDocument.verificationMethod
        .filter((vm) => vm.type === 'Ed25519VerificationKey2018')
        .map((vm) => vm.id)
    }
    const owned = ['--key', 'rotator.key.json']
    expect((await run(['did', 'add-key', owner, '--public-key', 'k1.key.json', ...owned])).code).toBe(0)
    const [oldId] = await edIds()
    expect(oldId).toBeDefined()

    const rotated = await run([
      'did',
      'rotate-key',
      owner,
      '--old',
      'k1.key.json',
      '--new',
      'k2.key.json',
      '--grace',
      '600',
      ...owned,
      '--json',
    ])
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(oneJson(rotated)).toMatchObject({
      retired: { graceSeconds: 600, revoked: false },
      transactions: [expect.any(String)],
    })
    const during = await edIds()
    expect(during).toContain(oldId)
    expect(during).toHaveLength(2)

    const revoked = await run(['did', 'revoke-key', owner, '--public-key', 'k1.key.json', ...owned, '--json'])
    expect(revoked.code, revoked.stderr).toBe(0)
    const after = await edIds()
    expect(after).not.toContain(oldId)
    expect(after).toHaveLength(1)
  })

  it('did add-key publishes an Ed25519 key in the did:ethr document; deactivate needs --yes and is final', async () => {
    await run(['did', 'create', '--alg', 'EdDSA', '--out', 'signing.key.json'])
    const added = await run([
      'did',
      'add-key',
      agency,
      '--public-key',
      'signing.key.json',
      '--key',
      'agency.key.json',
    ])
    expect(added.code, added.stderr).toBe(0)
    const doc = oneJson(await run(['did', 'resolve', agency, '--json'])) as {
      didDocument: { verificationMethod: { type: string }[] }
    }
    expect(doc.didDocument.verificationMethod.map((vm) => vm.type)).toContain('Ed25519VerificationKey2018')
    const gone = await run(['did', 'deactivate', agency, '--key', 'agency.key.json', '--yes', '--json'])
    expect(oneJson(gone)).toMatchObject({ deactivated: true })
    const after = oneJson(await run(['did', 'resolve', agency, '--json']))
    expect(after).toMatchObject({ didDocumentMetadata: { deactivated: true } })
  })
})

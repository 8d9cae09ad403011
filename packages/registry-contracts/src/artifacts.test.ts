import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REGISTRY_ERROR_CODES } from './errors.js'
import { didRegistryAbi } from './generated/didRegistry.js'
import { schemaRegistryAbi } from './generated/schemaRegistry.js'
import { statusRegistryAbi } from './generated/statusRegistry.js'
import { trustedIssuersRegistryAbi } from './generated/trustedIssuersRegistry.js'

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

describe('compiled artifacts', () => {
  it('are reproducible: a fresh solcjs compile matches the committed ABIs, bytecode and TS', {
    timeout: 180_000,
  }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(pkg, 'scripts', 'compile.mjs'), '--check'],
      {
        cwd: pkg,
      },
    )
    expect(stdout).toContain('artifacts match solc 0.8.30')
  })

  it('record the pinned compiler and its settings', () => {
    const artifact = JSON.parse(readFileSync(join(pkg, 'artifacts', 'StatusRegistry.json'), 'utf8'))
    const solcPin = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).devDependencies.solc
    expect(solcPin).toMatch(/^\d+\.\d+\.\d+$/)
    expect(artifact.compiler.version.startsWith(`${solcPin}+`)).toBe(true)
    expect(artifact.compiler.settings.optimizer.enabled).toBe(true)
  })

  it('keep ERC-1056 event signatures exactly', () => {
    const events = didRegistryAbi
      .filter((item) => item.type === 'event')
      .map((e) => `${e.name}(${e.inputs.map((i) => `${i.type}${i.indexed ? ' indexed' : ''}`).join(',')})`)
    expect(events.sort()).toEqual([
      'DIDAttributeChanged(address indexed,bytes32,bytes,uint256,uint256)',
      'DIDDelegateChanged(address indexed,bytes32,address,uint256,uint256)',
      'DIDOwnerChanged(address indexed,address,uint256)',
    ])
  })

  it('every custom error of every contract maps to a CivitasError code', () => {
    for (const abi of [didRegistryAbi, statusRegistryAbi, trustedIssuersRegistryAbi, schemaRegistryAbi]) {
      for (const item of abi) {
        if (item.type === 'error') expect(REGISTRY_ERROR_CODES).toHaveProperty(item.name)
      }
    }
  })

  it('no function takes holder data: inputs are addresses of entities, list ids, indices, hashes of public documents', () => {
    // GDPR by construction (DESIGN.md §4): the status registry takes indices only.
    const statusInputs = statusRegistryAbi
      .filter((item) => item.type === 'function' && item.stateMutability === 'nonpayable')
      .flatMap((f) => ('inputs' in f ? f.inputs.map((i) => i.name) : []))
    expect([...new Set(statusInputs)].sort()).toEqual(
      [
        'delegate',
        'index',
        'issuer',
        'length',
        'listId',
        'masks',
        'purpose',
        'validUntil',
        'wordIndices',
      ].sort(),
    )
  })
})

/**
 * The package's entry points (package.json `exports`): every subpath has the three conditions
 * the root has and points at an area's index; and what each one loads eagerly, read from the
 * static import graph of the sources, never includes ethers or ethr-did-resolver except
 * through `@civitas/core/ethers` (did:ethr loads them on first use, with a dynamic import).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  sideEffects: boolean
  exports: Record<string, string | Record<string, string>>
}

const SUBPATHS = [
  '.',
  './keys',
  './jose',
  './did',
  './credentials',
  './sd-jwt',
  './status-list',
  './verification',
  './errors',
  './guards',
  './ethers',
]
const HEAVY = ['ethers', 'ethr-did-resolver']

/** Bare packages a module graph loads eagerly: static imports and re-exports, not `import type` or `import()`. */
function eagerPackages(entry: string): Set<string> {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const pending = [entry]
  while (pending.length > 0) {
    const file = pending.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(
      /^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm,
    )) {
      if (match[1]) continue
      const specifier = match[2]!
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else
        packages.add(
          specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!,
        )
    }
  }
  return packages
}

describe('@civitas/core exports', () => {
  it('has the root and one subpath per area, each with @civitas/source, types and default; no side effects', () => {
    expect(Object.keys(manifest.exports).filter((k) => k !== './package.json')).toEqual(SUBPATHS)
    expect(manifest.sideEffects).toBe(false)
    for (const subpath of SUBPATHS) {
      const target = manifest.exports[subpath] as Record<string, string>
      expect(Object.keys(target), subpath).toEqual(['@civitas/source', 'types', 'default'])
      const source = target['@civitas/source']!
      expect(existsSync(join(packageDir, source)), source).toBe(true)
      const stem = source.replace(/^\.\/src\//, '').replace(/\.ts$/, '')
      expect(target.types).toBe(`./dist/${stem}.d.ts`)
      expect(target.default).toBe(`./dist/${stem}.js`)
    }
  })

  it('every area subpath resolves under its package name and its exports are the root ones', async () => {
    const root = new Map(Object.entries(await import('./index.js')))
    const areas: Record<string, () => Promise<Record<string, unknown>>> = {
      './keys': () => import('@civitas/core/keys'),
      './jose': () => import('@civitas/core/jose'),
      './did': () => import('@civitas/core/did'),
      './credentials': () => import('@civitas/core/credentials'),
      './sd-jwt': () => import('@civitas/core/sd-jwt'),
      './status-list': () => import('@civitas/core/status-list'),
      './verification': () => import('@civitas/core/verification'),
      './errors': () => import('@civitas/core/errors'),
      './guards': () => import('@civitas/core/guards'),
    }
    expect(Object.keys(areas)).toEqual(SUBPATHS.filter((s) => s !== '.' && s !== './ethers'))
    for (const [subpath, load] of Object.entries(areas)) {
      const entries = Object.entries(await load())
      expect(entries.length, subpath).toBeGreaterThan(0)
      for (const [name, value] of entries) expect(root.get(name), `${subpath} ${name}`).toBe(value)
    }
    const ethers = await import('@civitas/core/ethers')
    expect(typeof ethers.toEthersSigner).toBe('function')
    expect(root.has('toEthersSigner')).toBe(false)
  })

  it.each(SUBPATHS.filter((s) => s !== './ethers'))(
    '%s loads neither ethers nor ethr-did-resolver eagerly',
    (subpath) => {
      const source = (manifest.exports[subpath] as Record<string, string>)['@civitas/source']!
      const packages = eagerPackages(join(packageDir, source))
      for (const heavy of HEAVY) expect(packages.has(heavy), `${subpath} imports ${heavy}`).toBe(false)
    },
  )

  it('./guards and ./errors load no package at all: the CLI imports them before printing --help', () => {
    for (const subpath of ['./guards', './errors']) {
      const source = (manifest.exports[subpath] as Record<string, string>)['@civitas/source']!
      expect([...eagerPackages(join(packageDir, source))], subpath).toEqual([])
    }
  })

  it('the graph walk does see ethers where it is imported eagerly (so the check above can fail)', () => {
    expect(eagerPackages(join(packageDir, 'src/ethers/index.ts')).has('ethers')).toBe(true)
  })
})

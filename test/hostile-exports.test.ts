/**
 * Every runtime export of @civitas/core and @civitas/registry-contracts, called with hostile
 * values in each argument position (and in each member of an options object, and as the
 * first element of an array argument), answers with a CivitasError or a result: never a
 * raw TypeError / RangeError / dependency error, never a hang. Verification functions that
 * return a result (`verified`) never throw for their token: they return `verified: false`.
 *
 * The exports are enumerated from each package's `exports` map (the root and every subpath:
 * `@civitas/core/ethers`, `@civitas/registry-contracts/local-chain`, ...) and the module
 * namespaces, so an export or subpath added later is probed without touching this file (with
 * `undefined` for the other arguments until it gets a baseline in hostile/baselines.ts).
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CallSpec, coreSpecs, registrySpecs } from './hostile/baselines.js'
import { buildFixtures, type Fixtures } from './hostile/fixtures.js'
import { type Hostile, hostileValues } from './hostile/hostile-values.js'
import { describeThrown, type Outcome, probe } from './hostile/probe.js'

type AnyFunction = (...args: unknown[]) => unknown

/** Probes of one function in flight at once. */
const CONCURRENCY = 16

let fx: Fixtures
let hostile: Hostile[]
const previousCwd = process.cwd()
/** Things probes started that must be stopped (bare anvil nodes). */
const started: { stop(): Promise<void> }[] = []

beforeAll(async () => {
  fx = await buildFixtures()
  hostile = hostileValues()
  // writeManifest and friends take paths: hostile ones land in a scratch directory.
  process.chdir(fx.workDir)
}, 60_000)

afterAll(async () => {
  process.chdir(previousCwd)
  await Promise.all(started.map((s) => s.stop()))
  fx?.provider.destroy()
})

function isClass(fn: AnyFunction): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn))
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
}

interface Variant {
  label: string
  args: unknown[]
  /** The token argument was replaced: a verification result must come back. */
  tokenReplaced: boolean
}

/** Each hostile value in each position, in each member of an options bag, in each array's head. */
function variants(baseline: unknown[], arity: number): Variant[] {
  const out: Variant[] = []
  const positions = Math.max(arity, baseline.length, 1)
  for (const [label, value] of hostile) {
    for (let i = 0; i < positions; i++) {
      const args = baseline.slice()
      args[i] = value
      out.push({ label: `arg${i}=${label}`, args, tokenReplaced: i === 0 })
      const original = baseline[i]
      if (isPlainRecord(original)) {
        for (const key of Object.keys(original)) {
          const withMember = baseline.slice()
          withMember[i] = { ...original, [key]: value }
          out.push({ label: `arg${i}.${key}=${label}`, args: withMember, tokenReplaced: false })
        }
      } else if (Array.isArray(original) && original.length > 0) {
        const withHead = baseline.slice()
        withHead[i] = [value, ...original.slice(1)]
        out.push({ label: `arg${i}[0]=${label}`, args: withHead, tokenReplaced: i === 0 })
      }
    }
    out.push({ label: `all=${label}`, args: Array(positions).fill(value), tokenReplaced: false })
  }
  return out
}

function isVerificationResult(value: unknown): value is { verified: unknown } {
  return isPlainRecord(value) && typeof value.verified === 'boolean'
}

async function stopIfRunning(outcome: Outcome): Promise<void> {
  if (outcome.kind !== 'returned') return
  const value = outcome.value as { stop?: unknown } | null
  if (value !== null && typeof value === 'object' && typeof value.stop === 'function') {
    started.push(value as { stop(): Promise<void> })
  }
}

/**
 * Probes `fn` with every variant; returns one line per failure. `verifier`: the function
 * returned a verification result for its baseline, so its token argument must never throw.
 */
async function probeFunction(
  name: string,
  fn: AnyFunction,
  baseline: unknown[],
  spec: CallSpec,
  verifier: boolean,
): Promise<string[]> {
  const failures: string[] = []
  const construct = isClass(fn)
  const call = (args: unknown[]) => {
    const prepared = spec.prepare ? spec.prepare(args) : args
    return construct ? new (fn as unknown as new (...a: unknown[]) => unknown)(...prepared) : fn(...prepared)
  }
  const all = variants(baseline, fn.length)
  // A few calls in flight at once: calls that wait on a refused socket overlap, and a
  // synchronous call still runs alone, so a trace names the call that hangs.
  const outcomes: (readonly [Variant, Outcome])[] = []
  let next = 0
  const worker = async () => {
    while (next < all.length) {
      const variant = all[next++]!
      // CIVITAS_HOSTILE_TRACE=1 names each call before it runs: the last name is the one that hung.
      if (process.env.CIVITAS_HOSTILE_TRACE) process.stderr.write(`${name} ${variant.label}\n`)
      outcomes.push([variant, await probe(() => call(variant.args))])
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency ?? CONCURRENCY }, worker))
  for (const [variant, outcome] of outcomes) {
    await stopIfRunning(outcome)
    const where = `${name}(${variant.label})`
    if (outcome.kind === 'raw-error') failures.push(`${where} threw ${describeThrown(outcome.error)}`)
    else if (outcome.kind === 'hang') failures.push(`${where} did not settle`)
    else if (verifier && variant.tokenReplaced) {
      if (outcome.kind === 'civitas-error') {
        failures.push(`${where} threw ${outcome.error.message} instead of returning verified: false`)
      } else if (!isVerificationResult(outcome.value) || outcome.value.verified !== false) {
        failures.push(`${where} did not return verified: false`)
      }
    }
  }
  return failures
}

/** The export, then the methods of what its baseline call returns. */
async function probeExport(name: string, fn: AnyFunction, spec: CallSpec): Promise<string[]> {
  const baseline = spec.args ? spec.args(fx) : []
  const prepared = spec.prepare ? spec.prepare(baseline) : baseline
  const valid = await probe(() =>
    isClass(fn) ? new (fn as unknown as new (...a: unknown[]) => unknown)(...prepared) : fn(...prepared),
  )
  await stopIfRunning(valid)
  const failures: string[] = []
  if (spec.baselineRejects) {
    if (valid.kind !== 'civitas-error' || (valid.error as { code?: string }).code !== spec.baselineRejects) {
      failures.push(`${name}: its baseline call did not fail with ${spec.baselineRejects}`)
    }
  } else if (spec.args && valid.kind !== 'returned') {
    const why = valid.kind === 'hang' ? 'hung' : describeThrown((valid as { error: unknown }).error)
    failures.push(`${name}: its valid baseline call failed (${why})`)
  }
  const verifier = valid.kind === 'returned' && isVerificationResult(valid.value)
  if (verifier && (valid.value as { verified: boolean }).verified !== true) {
    failures.push(`${name}: its valid baseline token did not verify`)
  }
  failures.push(...(await probeFunction(name, fn, baseline, spec, verifier)))

  if (valid.kind !== 'returned' || spec.opaqueResult) return failures
  const result = valid.value
  const methods: [string, AnyFunction][] =
    typeof result === 'function' && !isClass(result as AnyFunction)
      ? [['()', result as AnyFunction]]
      : isPlainRecord(result)
        ? (Object.entries(result).filter(([, v]) => typeof v === 'function') as [string, AnyFunction][])
        : []
  for (const [method, member] of methods) {
    const methodBaseline = spec.methods?.[method]?.(fx) ?? []
    const label = method === '()' ? `${name}()` : `${name}().${method}`
    const bound = method === '()' ? member : member.bind(result)
    failures.push(
      ...(await probeFunction(
        label,
        bound,
        methodBaseline,
        { concurrency: spec.concurrency ?? CONCURRENCY },
        false,
      )),
    )
  }
  return failures
}

/**
 * Every function a package exports, from every entry of its `exports` map, once each (the
 * root re-exports most subpaths: the same function is probed under its first name).
 */
async function exportedFunctions(pkg: string, dir: string): Promise<[string, AnyFunction][]> {
  const manifest = JSON.parse(
    readFileSync(new URL(`../packages/${dir}/package.json`, import.meta.url), 'utf8'),
  ) as { exports: Record<string, unknown> }
  const seen = new Set<unknown>()
  const out: [string, AnyFunction][] = []
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath.endsWith('.json') || subpath.includes('*')) continue
    const specifier = subpath === '.' ? pkg : `${pkg}/${subpath.slice(2)}`
    const namespace = (await import(specifier)) as Record<string, unknown>
    for (const [name, value] of Object.entries(namespace)) {
      if (typeof value !== 'function' || seen.has(value)) continue
      seen.add(value)
      out.push([name, value as AnyFunction])
    }
  }
  return out
}

const packages = [
  ['@civitas/core', await exportedFunctions('@civitas/core', 'core'), coreSpecs],
  [
    '@civitas/registry-contracts',
    await exportedFunctions('@civitas/registry-contracts', 'registry-contracts'),
    registrySpecs,
  ],
] as const

describe.each(packages)(
  'every runtime export of %s answers hostile input with a CivitasError or a result',
  (_, functions, specs) => {
    it('finds the exports to probe', () => expect(functions.length).toBeGreaterThan(20))
    // Generous per export: a shared CI machine runs this many times slower than a laptop.
    it.each(functions)('%s', { timeout: 120_000 }, async (name, fn) => {
      expect(await probeExport(name, fn, (specs as Record<string, CallSpec>)[name] ?? {})).toEqual([])
    })
  },
)

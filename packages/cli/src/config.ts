import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
// Loaded by every command, --help included: the guards subpath loads no package, where the
// root of @civitas/core would load all of it before the first line of help is printed.
import { isRecord } from '@civitas/core/guards'
import { UsageError } from './usage-error.js'

/** The name looked up in the working directory when `--config` is not given. */
export const CONFIG_FILE = 'civitas.json'
/** Where `chain start` writes the manifest unless told otherwise. */
export const DEFAULT_MANIFEST = '.civitas/manifest.json'
const MAX_CONFIG_BYTES = 64 * 1024

/**
 * civitas.json: where things are, never secrets. Paths are relative to the file's folder.
 * Passphrases come from CIVITAS_PASSPHRASE or a prompt, never from here.
 */
export interface CivitasConfig {
  /** JSON-RPC endpoint; defaults to the manifest's `network.rpcUrl`. */
  rpc?: string
  /** Registry manifest written by `chain start` / `chain deploy`. */
  manifest: string
  /** Key file of the issuer (and default sender of transactions). */
  issuerKey?: string
  /** Store URLs: `sqlite:/path.db` or `postgres://…` (without a password: use PGPASSWORD). */
  stores: { issuer?: string; wallet?: string }
  /** Base URL under which status lists are served (`status serve`). */
  statusBaseUrl?: string
  /** Who `verify` and `snapshot create` trust: Root TAOs (did:ethr) and issuers trusted as they are. */
  trust: { rootTaos: string[]; issuers: string[] }
  /** The file this came from, if any. */
  source?: string
}

const KNOWN = new Set(['rpc', 'manifest', 'issuerKey', 'stores', 'statusBaseUrl', 'trust', '$schema'])
// Anything that looks like a secret is refused outright: config files end up in repositories.
const SECRET = /pass(word|phrase)?|secret|private|mnemonic|seed|token/i

export function loadConfig(explicitPath: string | undefined, cwd = process.cwd()): CivitasConfig {
  const path = explicitPath ? resolve(cwd, explicitPath) : resolve(cwd, CONFIG_FILE)
  if (!existsSync(path)) {
    if (explicitPath)
      throw new UsageError(`config file ${explicitPath} does not exist`, 'check the path given to --config')
    return { manifest: resolve(cwd, DEFAULT_MANIFEST), stores: defaultStores(cwd), trust: EMPTY_TRUST() }
  }
  if (statSync(path).size > MAX_CONFIG_BYTES) {
    throw new UsageError(
      `${path} is larger than ${MAX_CONFIG_BYTES} bytes`,
      'civitas.json holds a few paths and URLs',
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new UsageError(
      `${path} is not valid JSON: ${(error as Error).message}`,
      'fix the file or pass another with --config',
    )
  }
  return parseConfig(raw, path)
}

export function parseConfig(raw: unknown, path: string): CivitasConfig {
  const base = dirname(path)
  const fix = `edit ${path}`
  if (!isRecord(raw)) throw new UsageError(`${path} must hold a JSON object`, fix)
  const record = raw
  for (const key of Object.keys(record)) {
    if (SECRET.test(key)) {
      throw new UsageError(
        `${path} has a member "${key.slice(0, 40)}" that looks like a secret`,
        'secrets never go into civitas.json: set CIVITAS_PASSPHRASE or answer the prompt',
      )
    }
    if (!KNOWN.has(key))
      throw new UsageError(
        `${path}: unknown member "${key.slice(0, 40)}"`,
        `${fix}; known: ${[...KNOWN].join(', ')}`,
      )
  }
  const str = (key: string): string | undefined => {
    const value = record[key]
    if (value === undefined) return undefined
    if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
      throw new UsageError(`${path}: "${key}" must be a non-empty string`, fix)
    }
    return value
  }
  const at = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p))
  const stores: CivitasConfig['stores'] = defaultStores(base)
  if (record.stores !== undefined) {
    const s = record.stores
    if (!isRecord(s)) throw new UsageError(`${path}: "stores" must be an object`, fix)
    for (const [name, url] of Object.entries(s)) {
      if (name !== 'issuer' && name !== 'wallet')
        throw new UsageError(
          `${path}: unknown store "${name.slice(0, 40)}"`,
          `${fix}; stores: issuer, wallet`,
        )
      if (typeof url !== 'string') throw new UsageError(`${path}: stores.${name} must be a string`, fix)
      if (/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url)) {
        throw new UsageError(
          `${path}: stores.${name} carries a password`,
          'leave it out of the URL and set PGPASSWORD',
        )
      }
      stores[name] = url.startsWith('sqlite:') ? `sqlite:${at(url.slice('sqlite:'.length))}` : url
    }
  }
  const trust = parseTrust(record.trust, path)
  const rpc = str('rpc')
  const issuerKey = at(str('issuerKey'))
  const statusBaseUrl = str('statusBaseUrl')
  return {
    manifest: at(str('manifest')) ?? resolve(base, DEFAULT_MANIFEST),
    stores,
    trust,
    source: path,
    ...(rpc ? { rpc } : {}),
    ...(issuerKey ? { issuerKey } : {}),
    ...(statusBaseUrl ? { statusBaseUrl } : {}),
  }
}

const EMPTY_TRUST = (): CivitasConfig['trust'] => ({ rootTaos: [], issuers: [] })

/** The issuer's and the wallet's SQLite files next to the manifest, unless civitas.json says otherwise. */
function defaultStores(base: string): CivitasConfig['stores'] {
  return {
    issuer: `sqlite:${resolve(base, '.civitas/issuer.db')}`,
    wallet: `sqlite:${resolve(base, '.civitas/wallet.db')}`,
  }
}

const MAX_TRUSTED = 256

function parseTrust(value: unknown, path: string): CivitasConfig['trust'] {
  const trust = EMPTY_TRUST()
  if (value === undefined) return trust
  const fix = `edit ${path}: "trust": { "rootTaos": ["did:ethr:…"], "issuers": ["did:…"] }`
  if (!isRecord(value)) throw new UsageError(`${path}: "trust" must be an object`, fix)
  for (const key of Object.keys(value)) {
    if (key !== 'rootTaos' && key !== 'issuers')
      throw new UsageError(`${path}: unknown member trust.${key.slice(0, 40)}`, fix)
    const list = value[key]
    if (
      !Array.isArray(list) ||
      list.length > MAX_TRUSTED ||
      !list.every((d) => typeof d === 'string' && /^did:|^0x/.test(d) && d.length <= 512)
    ) {
      throw new UsageError(`${path}: trust.${key} must be a list of DIDs (at most ${MAX_TRUSTED})`, fix)
    }
    trust[key] = list as string[]
  }
  return trust
}

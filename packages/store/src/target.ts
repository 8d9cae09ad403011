import { CivitasError, describeValue } from '@civitas/core/errors'
import type { PostgresConnection, StoreTarget } from './types.js'

/** A target after parsing: which driver, and what it needs to connect. */
export type ResolvedTarget =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; connectionString: string }
  | { dialect: 'postgres'; connection: PostgresConnection }

const MEMORY = ':memory:'

function invalid(message: string): CivitasError {
  return new CivitasError('INVALID_ARGUMENT', message, { details: { argument: 'target' } })
}

export function resolveTarget(target: StoreTarget): ResolvedTarget {
  if (typeof target === 'string') return parseTargetUrl(target)
  if (typeof target !== 'object' || target === null) {
    throw invalid(`target must be a store URL or { dialect, ... }, got ${describeValue(target)}`)
  }
  const dialect = Object.hasOwn(target, 'dialect') ? target.dialect : undefined
  if (dialect === 'sqlite' && Object.hasOwn(target, 'path')) {
    const { path } = target as { path: unknown }
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
      throw invalid(`target.path must be a file path or ':memory:', got ${describeValue(path)}`)
    }
    return { dialect: 'sqlite', path }
  }
  if (dialect === 'postgres' && Object.hasOwn(target, 'url')) {
    const { url } = target as { url: unknown }
    if (typeof url !== 'string') throw invalid(`target.url must be a string, got ${describeValue(url)}`)
    return parsePostgresUrl(url)
  }
  if (dialect === 'postgres' && Object.hasOwn(target, 'connection')) {
    const { connection } = target as { connection: unknown }
    if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
      throw invalid(`target.connection must be an object, got ${describeValue(connection)}`)
    }
    return { dialect: 'postgres', connection: { ...(connection as PostgresConnection) } }
  }
  throw invalid(
    `target must be { dialect: 'sqlite', path } or { dialect: 'postgres', url | connection }, got dialect ${describeValue(dialect)}`,
  )
}

function parseTargetUrl(url: string): ResolvedTarget {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length)
    // 'sqlite:///abs/file.db' is the spelling other tools use for an absolute path.
    if (path.startsWith('//')) {
      if (!path.startsWith('///')) throw invalid(`a sqlite URL names a local file, got ${describeValue(url)}`)
      path = path.slice(2)
    }
    if (path.length === 0 || path.includes('\0')) {
      throw invalid(`a sqlite URL needs a file path or ':memory:', got ${describeValue(url)}`)
    }
    return { dialect: 'sqlite', path: path === MEMORY ? MEMORY : path }
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return parsePostgresUrl(url)
  throw invalid(`target must start with 'sqlite:', 'postgres://' or 'postgresql://', got ${redact(url)}`)
}

function parsePostgresUrl(url: string): ResolvedTarget {
  if (!(url.startsWith('postgres://') || url.startsWith('postgresql://')) || !URL.canParse(url)) {
    throw invalid(`target is not a valid postgres:// URL: ${redact(url)}`)
  }
  return { dialect: 'postgres', connectionString: url }
}

/** Describes a URL without its password, for messages. */
export function redact(url: string): string {
  if (!URL.canParse(url)) return describeValue(url.replace(/\/\/[^@/]*@/, '//***@'))
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return describeValue(parsed.toString())
}

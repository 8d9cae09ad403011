// Rows of `civitas issue --batch`: JSON Lines or CSV, each with a stable key (its `id`, else
// its line number) so that a re-run issues nothing twice.
import { hasOwn, isRecord } from '@civitas/core'
import { parse } from 'csv-parse/sync'
import { readTextFile } from './input.js'
import { UsageError } from './usage-error.js'

export const MAX_BATCH_BYTES = 64 * 1024 * 1024
export const MAX_BATCH_ROWS = 1_000_000
const MAX_KEY_LENGTH = 128

/** One row as read: what the issuer needs, and where it came from. */
export interface BatchRow {
  /** `id` of the row, else `line-<n>`: unique within the file. */
  key: string
  /** 1-based line of the row in the file. */
  line: number
  subject?: string
  claims: Record<string, unknown>
  template?: string
  type?: string
  format?: string
  holderKey?: Record<string, unknown>
  validFrom?: string
  validUntil?: string
}

/** CSV columns and JSONL members that are not claims. */
const RESERVED = ['id', 'subject', 'template', 'type', 'format', 'validFrom', 'validUntil'] as const

export function readBatchRows(path: string): BatchRow[] {
  const text = readTextFile(path, 'batch file', MAX_BATCH_BYTES)
  const rows = /\.csv$/i.test(path) ? csvRows(text, path) : jsonlRows(text, path)
  if (rows.length === 0)
    throw new UsageError(`${path} holds no rows`, 'one credential per line (JSONL) or per CSV row')
  if (rows.length > MAX_BATCH_ROWS)
    throw new UsageError(`${path} holds over ${MAX_BATCH_ROWS} rows`, 'split it into several batches')
  const seen = new Map<string, number>()
  for (const row of rows) {
    const first = seen.get(row.key)
    if (first !== undefined)
      throw new UsageError(
        `${path}: line ${row.line} repeats the id "${row.key}" of line ${first}`,
        'every row needs its own id (it is what makes a re-run skip issued rows)',
      )
    seen.set(row.key, row.line)
  }
  return rows
}

function keyOf(id: unknown, line: number, path: string): string {
  if (id === undefined || id === '') return `line-${line}`
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new UsageError(`${path}: line ${line}: "id" must be a string`, 'fix the row')
  const key = String(id)
  if (key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key))
    throw new UsageError(
      `${path}: line ${line}: id must be 1-${MAX_KEY_LENGTH} printable ASCII characters without spaces`,
      'fix the row',
    )
  return key
}

function optionalString(record: Record<string, unknown>, name: string, line: number, path: string) {
  const value = hasOwn(record, name) ? record[name] : undefined
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string')
    throw new UsageError(`${path}: line ${line}: "${name}" must be a string`, 'fix the row')
  return value
}

function toRow(
  record: Record<string, unknown>,
  claims: Record<string, unknown>,
  line: number,
  path: string,
): BatchRow {
  const row: BatchRow = { key: keyOf(record.id, line, path), line, claims }
  for (const name of ['subject', 'template', 'type', 'format', 'validFrom', 'validUntil'] as const) {
    const value = optionalString(record, name, line, path)
    if (value !== undefined) row[name] = value
  }
  return row
}

function jsonlRows(text: string, path: string): BatchRow[] {
  const rows: BatchRow[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (line === '' || line.startsWith('#')) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw new UsageError(
        `${path}: line ${i + 1} is not JSON`,
        'one JSON object per line: {"id": "…", "subject": "did:…", "claims": {…}}',
      )
    }
    if (!isRecord(value) || !isRecord(value.claims))
      throw new UsageError(`${path}: line ${i + 1} is not an object with "claims"`, 'fix the row')
    const row = toRow(value, value.claims, i + 1, path)
    if (value.holderKey !== undefined) {
      if (!isRecord(value.holderKey))
        throw new UsageError(`${path}: line ${i + 1}: "holderKey" must be a public JWK`, 'fix the row')
      row.holderKey = value.holderKey
    }
    rows.push(row)
  }
  return rows
}

function csvRows(text: string, path: string): BatchRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[]
  try {
    records = parse(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as { record: Record<string, string>; info: { lines: number } }[]
  } catch (error) {
    throw new UsageError(
      `${path} is not valid CSV: ${error instanceof Error ? error.message.slice(0, 200) : 'unreadable'}`,
      'a header row (id, subject, then one column per claim), then one row per credential',
    )
  }
  return records.map(({ record, info }) => {
    const claims: Record<string, unknown> = {}
    for (const [column, value] of Object.entries(record)) {
      if ((RESERVED as readonly string[]).includes(column) || value === '') continue
      claims[column] = value
    }
    return toRow(record, claims, info.lines, path)
  })
}

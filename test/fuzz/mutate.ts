import { createHash } from 'node:crypto'
import fc from 'fast-check'

/**
 * Mutations of valid tokens, as an attacker would try them: flipped characters, segments
 * dropped / repeated / swapped, non-canonical base64url spellings, and JSON re-encodings of
 * edited headers, payloads and Disclosures (types changed, claims removed or duplicated,
 * huge numbers, deep nesting, `toString: null`, `__proto__`, `constructor`), extra `~`
 * segments. A mutation is plain data drawn by fast-check and applied deterministically, so a
 * failing case replays from its seed.
 *
 * A compact token is seen as parts separated by `~` (SD-JWT: issuer JWT, Disclosures, KB-JWT;
 * a JWT is one part), each part as segments separated by `.`.
 */

const BASE64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** Characters a flip writes: the alphabet, separators, padding, the standard alphabet, junk. */
const FLIP_CHARS = [...BASE64URL_CHARS, '.', '~', '=', '+', '/', ' ', '\u0000', '\uD800', '{', '"']

function deep(levels: number, leaf: unknown): unknown {
  let value = leaf
  for (let i = 0; i < levels; i++) value = [value]
  return value
}

/** JSON text of values that break naive code: types, extremes, nesting, prototype names. */
export const HOSTILE_JSON: readonly string[] = [
  'null',
  'true',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e400',
  '-1e400',
  '9007199254740993',
  '1e308',
  '""',
  '"x"',
  '"\\ud800"',
  JSON.stringify('a'.repeat(100_000)),
  '[]',
  '{}',
  '{"toString":null,"valueOf":null}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":null}}',
  `${'['.repeat(100)}1${']'.repeat(100)}`,
  `${'['.repeat(5_000)}1${']'.repeat(5_000)}`,
  `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
  '[null]',
  JSON.stringify(Array.from({ length: 10_000 }, (_, i) => i)),
]

/** Member names an edit adds or duplicates: the ones code looks up, and prototype names. */
export const HOSTILE_KEYS: readonly string[] = [
  'toString',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'iss',
  'sub',
  'kid',
  'alg',
  'typ',
  'crit',
  'b64',
  'jwk',
  'exp',
  'nbf',
  'iat',
  'vc',
  'vp',
  'cnf',
  '_sd',
  '_sd_alg',
  '...',
  'status',
  'credentialSubject',
  'verifiableCredential',
  'holder',
  'issuer',
  'nonce',
  'aud',
  'sd_hash',
]

export type JsonEdit =
  | { kind: 'replace'; path: number; json: number }
  | { kind: 'remove'; path: number }
  | { kind: 'add'; path: number; key: number; json: number }
  | { kind: 'duplicate-key'; key: number; json: number }
  | { kind: 'wrap'; path: number; levels: number }

export type Mutation =
  | { kind: 'flip'; pos: number; char: number }
  | { kind: 'delete'; pos: number; length: number }
  | { kind: 'insert'; pos: number; text: string }
  | { kind: 'part'; op: 'drop' | 'duplicate' | 'swap' | 'empty' | 'append-tildes'; i: number; j: number }
  | { kind: 'segment'; part: number; op: 'drop' | 'duplicate' | 'swap' | 'empty'; i: number; j: number }
  | { kind: 'respell'; part: number; segment: number; how: 'pad' | 'standard' | 'tail-bits' }
  | { kind: 'json'; part: number; segment: number; edit: JsonEdit }

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), json: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), path: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), path: fc.nat(), key: fc.nat(), json: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-key' as const), key: fc.nat(), json: fc.nat() }),
  fc.record({ kind: fc.constant('wrap' as const), path: fc.nat(), levels: fc.integer({ min: 1, max: 200 }) }),
)

/** Mostly the first part and the header / payload: where the decoder and the checks look first. */
const partIndex = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat() })
const segmentIndex = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.nat() },
)

/** A mutation of a compact token; JSON edits are weighted up (they get past base64url checks). */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), char: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      pos: fc.nat(),
      length: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      pos: fc.nat(),
      text: fc.constantFrom('~', '~~', '.', '..', 'A', '=', '~e30~', '.e30', ' '),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('part' as const),
      op: fc.constantFrom('drop', 'duplicate', 'swap', 'empty', 'append-tildes'),
      i: fc.nat(),
      j: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('segment' as const),
      part: fc.nat(),
      op: fc.constantFrom('drop', 'duplicate', 'swap', 'empty'),
      i: fc.nat(),
      j: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('respell' as const),
      part: fc.nat(),
      segment: fc.nat(),
      how: fc.constantFrom('pad', 'standard', 'tail-bits'),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      part: partIndex,
      segment: segmentIndex,
      edit: jsonEdit,
    }),
  },
)

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

function unb64(segment: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return undefined
  return Buffer.from(segment, 'base64url').toString('utf8')
}

/** Every path (list of keys / indices) into a JSON value, in a stable order, root first. */
function pathsOf(value: unknown, limit = 2_000): (string | number)[][] {
  const out: (string | number)[][] = []
  const walk = (v: unknown, path: (string | number)[]) => {
    if (out.length >= limit) return
    out.push(path)
    if (Array.isArray(v)) {
      for (const [i, child] of v.entries()) walk(child, [...path, i])
    } else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v)) walk((v as Record<string, unknown>)[key], [...path, key])
    }
  }
  walk(value, [])
  return out
}

const PLACEHOLDER = '"__civitas_fuzz_placeholder__"'

/**
 * Applies `edit` to the JSON `text` and returns new JSON text. Values from HOSTILE_JSON are
 * spliced in as text, so `1e400`, `-0` and duplicate keys reach the decoder as written.
 */
export function editJson(text: string, edit: JsonEdit): string | undefined {
  try {
    return editJsonText(text, edit)
  } catch {
    // Our own walk over a deeply nested value (from an earlier edit) ran out of stack.
    return undefined
  }
}

function editJsonText(text: string, edit: JsonEdit): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object') return undefined
  const hostile = (n: number) => HOSTILE_JSON[n % HOSTILE_JSON.length]!
  const key = (n: number) => HOSTILE_KEYS[n % HOSTILE_KEYS.length]!
  if (edit.kind === 'duplicate-key') {
    if (Array.isArray(value)) return undefined
    // The same member twice: decoders disagree on which one wins (JSON.parse takes the last).
    return text.replace(/^\{/, `{${JSON.stringify(key(edit.key))}:${hostile(edit.json)},`)
  }
  const paths = pathsOf(value)
  const path = paths[edit.path % paths.length]!
  const parentOf = (p: (string | number)[]) => {
    let node: unknown = value
    for (const step of p.slice(0, -1)) node = (node as Record<string | number, unknown>)[step]
    return node as Record<string | number, unknown>
  }
  const setAt = (p: (string | number)[], replacement: unknown) => {
    if (p.length === 0) value = replacement
    else parentOf(p)[p.at(-1)!] = replacement
  }
  const getAt = (p: (string | number)[]) => (p.length === 0 ? value : parentOf(p)[p.at(-1)!])
  switch (edit.kind) {
    case 'replace':
      setAt(path, '__civitas_fuzz_placeholder__')
      return JSON.stringify(value).replace(PLACEHOLDER, hostile(edit.json))
    case 'remove': {
      if (path.length === 0) return '{}'
      const parent = parentOf(path)
      if (Array.isArray(parent)) parent.splice(path.at(-1) as number, 1)
      else delete parent[path.at(-1)!]
      return JSON.stringify(value)
    }
    case 'add': {
      const target = getAt(path)
      if (target === null || typeof target !== 'object' || Array.isArray(target)) return undefined
      const inner = JSON.stringify(target)
      const added = `{${JSON.stringify(key(edit.key))}:${hostile(edit.json)}${inner === '{}' ? '' : ','}${inner.slice(1)}`
      setAt(path, '__civitas_fuzz_placeholder__')
      return JSON.stringify(value).replace(PLACEHOLDER, added)
    }
    case 'wrap':
      setAt(path, deep(edit.levels, getAt(path)))
      return JSON.stringify(value)
  }
}

function splitParts(token: string): string[][] {
  return token.split('~').map((part) => part.split('.'))
}

function joinParts(parts: string[][]): string {
  return parts.map((segments) => segments.join('.')).join('~')
}

/** The mutated token (a mutation that does not apply leaves it unchanged). */
export function applyMutation(token: string, m: Mutation): string {
  const at = (n: number, length: number) => (length === 0 ? 0 : n % length)
  switch (m.kind) {
    case 'flip': {
      const pos = at(m.pos, token.length)
      return token.slice(0, pos) + FLIP_CHARS[m.char % FLIP_CHARS.length] + token.slice(pos + 1)
    }
    case 'delete': {
      const pos = at(m.pos, token.length)
      return token.slice(0, pos) + token.slice(pos + m.length)
    }
    case 'insert': {
      const pos = at(m.pos, token.length + 1)
      return token.slice(0, pos) + m.text + token.slice(pos)
    }
    case 'part': {
      const parts = splitParts(token)
      const i = at(m.i, parts.length)
      const j = at(m.j, parts.length)
      if (m.op === 'drop') parts.splice(i, 1)
      else if (m.op === 'duplicate') parts.splice(i, 0, [...parts[i]!])
      else if (m.op === 'swap') [parts[i], parts[j]] = [parts[j]!, parts[i]!]
      else if (m.op === 'empty') parts.splice(i, 0, [''])
      else return `${token}${'~'.repeat(1 + (m.j % 5))}`
      return joinParts(parts)
    }
    case 'segment': {
      const parts = splitParts(token)
      const segments = parts[at(m.part, parts.length)]!
      const i = at(m.i, segments.length)
      const j = at(m.j, segments.length)
      if (m.op === 'drop') segments.splice(i, 1)
      else if (m.op === 'duplicate') segments.splice(i, 0, segments[i]!)
      else if (m.op === 'swap') [segments[i], segments[j]] = [segments[j]!, segments[i]!]
      else segments[i] = ''
      return joinParts(parts)
    }
    case 'respell': {
      const parts = splitParts(token)
      const segments = parts[at(m.part, parts.length)]!
      const i = at(m.segment, segments.length)
      const segment = segments[i]!
      if (m.how === 'pad') segments[i] = segment + '='.repeat((4 - (segment.length % 4)) % 4 || 1)
      else if (m.how === 'standard') segments[i] = segment.replace(/-/g, '+').replace(/_/g, '/')
      else if (segment.length % 4 >= 2) {
        // Same bytes, unused low bits of the last character set: a second spelling.
        const last = BASE64URL_CHARS.indexOf(segment.at(-1)!)
        segments[i] = segment.slice(0, -1) + BASE64URL_CHARS[(last | 1) % 64]
      }
      return joinParts(parts)
    }
    case 'json': {
      const parts = splitParts(token)
      const segments = parts[at(m.part, parts.length)]!
      const i = at(m.segment, segments.length)
      const text = unb64(segments[i]!)
      if (text === undefined) return token
      const edited = editJson(text, m.edit)
      if (edited === undefined) return token
      segments[i] = b64(edited)
      return joinParts(parts)
    }
  }
}

/**
 * Signs every JWS part of `token` again with `signerFor(alg)`: the mutant an attacker with a
 * key of their own (a did:key they made) can produce. Its signature verifies, so it reaches
 * every check after the signature; parts whose header is unreadable are left as they are.
 */
export async function resign(
  token: string,
  signerFor: (alg: unknown) => { sign(data: Uint8Array): Promise<Uint8Array> } | undefined,
): Promise<string> {
  const parts = splitParts(token)
  for (const [index, segments] of parts.entries()) {
    if (segments.length !== 3) continue
    let header: unknown
    let payload: unknown
    try {
      header = JSON.parse(unb64(segments[0]!) ?? '')
      payload = JSON.parse(unb64(segments[1]!) ?? '')
    } catch {
      continue
    }
    const signer = signerFor((header as { alg?: unknown } | null)?.alg)
    if (!signer) continue
    // A KB-JWT covers the SD-JWT before it (sd_hash): the attacker recomputes that too,
    // unless the mutation is about sd_hash itself.
    const kb = payload as { sd_hash?: unknown } | null
    if (index === parts.length - 1 && index > 0 && typeof kb?.sd_hash === 'string') {
      const presented = `${joinParts(parts.slice(0, -1))}~`
      kb.sd_hash = createHash('sha256').update(presented).digest('base64url')
      try {
        segments[1] = b64(JSON.stringify(kb))
      } catch {
        // A payload nested too deep for our own JSON.stringify: sign it as it is.
      }
    }
    const signature = await signer.sign(new TextEncoder().encode(`${segments[0]}.${segments[1]}`))
    segments[2] = Buffer.from(signature).toString('base64url')
  }
  return joinParts(parts)
}

/**
 * Every member of every JSON segment (header, payload, Disclosure) of `token` replaced by
 * each hostile value, and each hostile member name added to every object: a deterministic
 * sweep to pair with the random mutations, which hit any one member and value rarely.
 */
export function* sweepEdits(token: string): Generator<Mutation> {
  const parts = splitParts(token)
  const toStringNull = HOSTILE_JSON.indexOf('{"toString":null,"valueOf":null}')
  for (const [part, segments] of parts.entries()) {
    for (const [segment, text] of segments.entries()) {
      let value: unknown
      try {
        value = JSON.parse(unb64(text) ?? '')
      } catch {
        continue
      }
      if (value === null || typeof value !== 'object') continue
      const paths = pathsOf(value)
      for (let path = 1; path < paths.length; path++) {
        for (let json = 0; json < HOSTILE_JSON.length; json++) {
          yield { kind: 'json', part, segment, edit: { kind: 'replace', path, json } }
        }
        yield { kind: 'json', part, segment, edit: { kind: 'remove', path } }
      }
      for (let key = 0; key < HOSTILE_KEYS.length; key++) {
        // Added to the root (path 0) with an object whose toString is null, and as a duplicate.
        yield { kind: 'json', part, segment, edit: { kind: 'add', path: 0, key, json: toStringNull } }
        yield { kind: 'json', part, segment, edit: { kind: 'duplicate-key', key, json: toStringNull } }
      }
    }
  }
}

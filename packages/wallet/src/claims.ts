import { hasOwn, isRecord } from '@civitas/core'

/**
 * Claims path pointers (OpenID4VP 1.0 §7: strings select object members, non-negative
 * integers array elements, null every element) and the JSON Pointers (RFC 6901) the
 * wallet reports disclosures with.
 */
export type ClaimPathElement = string | number | null
export type ConcretePath = readonly (string | number)[]

const MAX_DEPTH = 32

/** RFC 6901 escaping; most claim names need none, so they skip the regular expressions. */
function escapeSegment(segment: string): string {
  return segment.includes('~') || segment.includes('/')
    ? segment.replace(/~/g, '~0').replace(/\//g, '~1')
    : segment
}

export function toPointer(path: ConcretePath): string {
  let pointer = ''
  for (const segment of path) pointer += `/${escapeSegment(String(segment))}`
  return pointer
}

/** True when `ancestor` is `pointer` or encloses it. */
export function isAncestorOrSelf(ancestor: string, pointer: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`)
}

function matchesValue(value: unknown, values: readonly unknown[] | undefined): boolean {
  if (values === undefined) return value !== null && value !== undefined
  return values.some((expected) => expected === value)
}

/**
 * Every concrete path `path` selects in `claims` whose value exists (and is one of
 * `values`, when given): OpenID4VP 1.0 §7.1 processing, own members only.
 */
export function resolveClaimPath(
  claims: unknown,
  path: readonly ClaimPathElement[],
  values?: readonly unknown[],
): ConcretePath[] {
  const out: ConcretePath[] = []
  const walk = (node: unknown, index: number, prefix: (string | number)[]) => {
    if (index === path.length) {
      if (matchesValue(node, values)) out.push([...prefix])
      return
    }
    if (index >= MAX_DEPTH) return
    const element = path[index]
    if (typeof element === 'string') {
      if (isRecord(node) && hasOwn(node, element)) walk(node[element], index + 1, [...prefix, element])
    } else if (typeof element === 'number') {
      if (Array.isArray(node) && element < node.length) walk(node[element], index + 1, [...prefix, element])
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, index + 1, [...prefix, i])
      })
    }
  }
  walk(claims, 0, [])
  return out
}

/** JSON Pointers of every leaf (primitive, empty object, empty array) in `claims`. */
export function leafPointers(claims: unknown): string[] {
  const out: string[] = []
  const walk = (node: unknown, prefix: string, depth: number) => {
    if (depth < MAX_DEPTH && Array.isArray(node) && node.length > 0) {
      for (let i = 0; i < node.length; i++) walk(node[i], `${prefix}/${i}`, depth + 1)
      return
    }
    if (depth < MAX_DEPTH && isRecord(node)) {
      let any = false
      for (const key in node) {
        if (!Object.hasOwn(node, key)) continue
        any = true
        walk(node[key], `${prefix}/${escapeSegment(key)}`, depth + 1)
      }
      if (any) return
    }
    if (prefix !== '') out.push(prefix)
  }
  walk(claims, '', 0)
  return out
}

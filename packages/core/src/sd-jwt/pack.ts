import { randomInt } from 'node:crypto'
import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { assertClaimNameAllowed, createDecoyDigest, createDisclosure, type Disclosure } from './disclosure.js'
import type { DisclosureFrame } from './frame.js'
import type { SdHashAlgorithm } from './hash.js'
import { setOwn } from './own-property.js'

/** Deepest claim nesting accepted, issuing or verifying: bounds recursion on hostile input. */
export const MAX_CLAIM_DEPTH = 32

export interface PackedClaims {
  /** Claims with selectively disclosable values replaced by digests. */
  readonly payload: Record<string, unknown>
  readonly disclosures: readonly Disclosure[]
}

function framePart(frame: DisclosureFrame | undefined, key: string): DisclosureFrame | undefined {
  // Own members only: a claim named "constructor" must not find Object's.
  if (frame === undefined || key === '_sd' || key === '_sd_decoy' || !Object.hasOwn(frame, key))
    return undefined
  const part = frame[key]
  if (part === undefined) return undefined
  if (!isRecord(part)) {
    throw new CivitasError('INVALID_ARGUMENT', `disclosure frame member "${key}" must be an object`)
  }
  return part as DisclosureFrame
}

function checkFrameKeys(frame: DisclosureFrame | undefined, keys: Set<string>, path: string): void {
  if (frame === undefined) return
  if (!isRecord(frame))
    throw new CivitasError('INVALID_ARGUMENT', `disclosure frame at ${path} must be an object`)
  const sd = frame._sd ?? []
  if (!Array.isArray(sd)) throw new CivitasError('INVALID_ARGUMENT', `_sd at ${path} must be an array`)
  const decoys = frame._sd_decoy ?? 0
  if (!Number.isInteger(decoys) || (decoys as number) < 0 || (decoys as number) > 100) {
    throw new CivitasError('INVALID_ARGUMENT', `_sd_decoy at ${path} must be an integer in 0..100`)
  }
  for (const name of [
    ...sd.map(String),
    ...Object.keys(frame).filter((k) => k !== '_sd' && k !== '_sd_decoy'),
  ]) {
    if (!keys.has(name)) {
      // A typo in the frame would silently issue an always-disclosed claim.
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `disclosure frame names ${path}/${name}, which the claims lack`,
        {
          details: { path: `${path}/${name}` },
        },
      )
    }
  }
}

function shuffleInPlace<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

function packValue(
  value: unknown,
  frame: DisclosureFrame | undefined,
  alg: SdHashAlgorithm,
  out: Disclosure[],
  path: string,
  depth: number,
): unknown {
  if (depth > MAX_CLAIM_DEPTH) {
    throw new CivitasError('INVALID_ARGUMENT', `claims nest deeper than ${MAX_CLAIM_DEPTH} levels`)
  }
  if (Array.isArray(value)) {
    checkFrameKeys(frame, new Set(value.map((_, i) => String(i))), path)
    const sd = new Set((frame?._sd ?? []).map(String))
    const packed: unknown[] = value.map((element, i) => {
      const inner = packValue(element, framePart(frame, String(i)), alg, out, `${path}/${i}`, depth + 1)
      if (!sd.has(String(i))) return inner
      const disclosure = createDisclosure(alg, inner)
      out.push(disclosure)
      return { '...': disclosure.digest }
    })
    for (let i = 0; i < (frame?._sd_decoy ?? 0); i++) {
      packed.splice(randomInt(packed.length + 1), 0, { '...': createDecoyDigest(alg) })
    }
    return packed
  }
  if (isRecord(value)) {
    const keys = Object.keys(value)
    checkFrameKeys(frame, new Set(keys), path)
    const sd = new Set((frame?._sd ?? []).map(String))
    const packed: Record<string, unknown> = {}
    const digests: string[] = []
    for (const key of keys) {
      assertClaimNameAllowed(key, `claim ${path}/${key}`)
      const inner = packValue(value[key], framePart(frame, key), alg, out, `${path}/${key}`, depth + 1)
      if (sd.has(key)) {
        const disclosure = createDisclosure(alg, inner, key)
        out.push(disclosure)
        digests.push(disclosure.digest)
      } else {
        setOwn(packed, key, inner)
      }
    }
    for (let i = 0; i < (frame?._sd_decoy ?? 0); i++) digests.push(createDecoyDigest(alg))
    // Sorted digests reveal nothing about the original claim order (RFC 9901 §4.2.4.1).
    if (digests.length > 0) packed._sd = digests.sort()
    return packed
  }
  if (frame !== undefined && (frame._sd?.length || frame._sd_decoy)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `disclosure frame at ${path} applies to a value with no members`,
    )
  }
  return value
}

/**
 * Replaces the claims `frame` marks with digests and returns the Disclosures, innermost
 * first, so a nested selectively disclosable claim is hidden inside its parent's Disclosure.
 */
export function packClaims(
  claims: Record<string, unknown>,
  frame: DisclosureFrame,
  alg: SdHashAlgorithm,
): PackedClaims {
  const disclosures: Disclosure[] = []
  const payload = packValue(claims, frame, alg, disclosures, '', 0) as Record<string, unknown>
  return { payload, disclosures: shuffleInPlace(disclosures) }
}

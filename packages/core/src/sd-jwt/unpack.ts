import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { assertClaimNameAllowed, type Disclosure } from './disclosure.js'
import { setOwn } from './own-property.js'
import { MAX_CLAIM_DEPTH } from './pack.js'

/** `{ "...": digest }` and nothing else marks a selectively disclosable array element. */
function arrayDigestOf(element: unknown): string | undefined {
  if (!isRecord(element)) return undefined
  const keys = Object.keys(element)
  if (keys.length !== 1 || keys[0] !== '...') return undefined
  const digest = element['...']
  if (typeof digest !== 'string') {
    throw new CivitasError('SD_JWT_INVALID', 'an array element digest ("...") must be a string')
  }
  return digest
}

interface UnpackState {
  readonly byDigest: ReadonlyMap<string, Disclosure>
  readonly seenDigests: Set<string>
  readonly used: Set<Disclosure>
  /** Where each Disclosure ended up (JSON Pointer), for callers that check placement. */
  readonly placements: Map<Disclosure, string>
}

function seeDigest(state: UnpackState, digest: string): Disclosure | undefined {
  if (state.seenDigests.has(digest)) {
    throw new CivitasError('SD_DIGEST_DUPLICATE', 'a digest appears more than once in the SD-JWT', {
      details: { digest },
    })
  }
  state.seenDigests.add(digest)
  return state.byDigest.get(digest)
}

function unpackValue(value: unknown, state: UnpackState, path: string, depth: number): unknown {
  if (depth > MAX_CLAIM_DEPTH) {
    throw new CivitasError('SD_JWT_INVALID', `claims nest deeper than ${MAX_CLAIM_DEPTH} levels`)
  }
  if (Array.isArray(value)) {
    const out: unknown[] = []
    for (const element of value) {
      const digest = arrayDigestOf(element)
      if (digest === undefined) {
        out.push(unpackValue(element, state, `${path}/${out.length}`, depth + 1))
        continue
      }
      const disclosure = seeDigest(state, digest)
      if (disclosure === undefined) continue // withheld or decoy
      if (disclosure.name !== undefined) {
        throw new CivitasError(
          'SD_DISCLOSURE_INVALID',
          'an object-property Disclosure is referenced from an array',
        )
      }
      state.used.add(disclosure)
      state.placements.set(disclosure, `${path}/${out.length}`)
      out.push(unpackValue(disclosure.value, state, `${path}/${out.length}`, depth + 1))
    }
    return out
  }
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, member] of Object.entries(value)) {
    if (key === '_sd') continue
    setOwn(out, key, unpackValue(member, state, `${path}/${key}`, depth + 1))
  }
  const digests = value._sd
  if (digests === undefined) return out
  if (!Array.isArray(digests) || !digests.every((d) => typeof d === 'string')) {
    throw new CivitasError('SD_JWT_INVALID', `"_sd" at ${path || '/'} must be an array of strings`)
  }
  for (const digest of digests as string[]) {
    const disclosure = seeDigest(state, digest)
    if (disclosure === undefined) continue
    if (disclosure.name === undefined) {
      throw new CivitasError('SD_DISCLOSURE_INVALID', 'an array-element Disclosure is referenced from "_sd"')
    }
    assertClaimNameAllowed(disclosure.name, 'Disclosure')
    if (Object.hasOwn(out, disclosure.name)) {
      throw new CivitasError(
        'SD_DISCLOSURE_INVALID',
        `Disclosure for "${disclosure.name}" collides with a claim already present at ${path || '/'}`,
        { details: { name: disclosure.name } },
      )
    }
    state.used.add(disclosure)
    state.placements.set(disclosure, `${path}/${disclosure.name}`)
    setOwn(
      out,
      disclosure.name,
      unpackValue(disclosure.value, state, `${path}/${disclosure.name}`, depth + 1),
    )
  }
  return out
}

export interface UnpackedClaims {
  /** The Processed SD-JWT Payload: digests replaced, `_sd` and `_sd_alg` removed. */
  readonly claims: Record<string, unknown>
  /** JSON Pointer of every disclosed claim. */
  readonly placements: ReadonlyMap<Disclosure, string>
}

/**
 * RFC 9901 §7.1 steps 3–5: substitutes every referenced Disclosure, drops digests with
 * no Disclosure (withheld or decoys), and fails on a digest seen twice
 * (`SD_DIGEST_DUPLICATE`), a Disclosure used twice or never (`SD_DISCLOSURE_UNREFERENCED`),
 * a Disclosure of the wrong kind or colliding name (`SD_DISCLOSURE_INVALID`).
 */
export function unpackClaims(
  payload: Record<string, unknown>,
  disclosures: readonly Disclosure[],
): UnpackedClaims {
  const byDigest = new Map<string, Disclosure>()
  for (const disclosure of disclosures) {
    if (byDigest.has(disclosure.digest)) {
      throw new CivitasError('SD_DIGEST_DUPLICATE', 'the same Disclosure is presented twice', {
        details: { digest: disclosure.digest },
      })
    }
    byDigest.set(disclosure.digest, disclosure)
  }
  const state: UnpackState = { byDigest, seenDigests: new Set(), used: new Set(), placements: new Map() }
  const claims = unpackValue(payload, state, '', 0) as Record<string, unknown>
  delete claims._sd_alg
  if (state.used.size !== disclosures.length) {
    const unreferenced = disclosures.filter((d) => !state.used.has(d)).map((d) => d.digest)
    throw new CivitasError(
      'SD_DISCLOSURE_UNREFERENCED',
      `${unreferenced.length} Disclosure(s) are not referenced by the issuer-signed payload`,
      { details: { digests: unreferenced } },
    )
  }
  return { claims, placements: state.placements }
}

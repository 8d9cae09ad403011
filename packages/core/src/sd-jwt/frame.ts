import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { assertArray } from '../guards/index.js'
import { setOwn } from './own-property.js'

/**
 * Which claims an issuer makes selectively disclosable, mirroring the claims' shape
 * (the same shape `@sd-jwt/*` uses): `_sd` lists the property names (or array indices)
 * at this level, `_sd_decoy` adds that many decoy digests, and a member named after a
 * claim describes the claims nested inside it.
 *
 * ```ts
 * { _sd: ['given_name', 'address'], address: { _sd: ['street_address'] }, nationalities: { _sd: [0, 1] } }
 * ```
 */
export interface DisclosureFrame {
  _sd?: readonly (string | number)[]
  _sd_decoy?: number
  [claim: string]: DisclosureFrame | readonly (string | number)[] | number | undefined
}

/**
 * What a holder reveals, mirroring the claims' shape: `true` reveals a claim with
 * everything beneath it, `false`/absent withholds it, an object or array reveals the
 * claim and applies to what it contains (array positions are those of the issued array).
 */
export type PresentationFrame =
  | boolean
  | null
  | undefined
  | readonly PresentationFrame[]
  | { readonly [claim: string]: PresentationFrame }

function segmentsOf(pointer: string): string[] {
  if (typeof pointer !== 'string' || !pointer.startsWith('/') || pointer.length < 2) {
    throw new CivitasError('INVALID_ARGUMENT', `${describeValue(pointer)} is not a JSON Pointer to a claim`)
  }
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      const segment = s.replace(/~1/g, '/').replace(/~0/g, '~')
      // The frame's own members: a pointer through them would rewrite the frame, not name a claim.
      if (segment === '_sd' || segment === '_sd_decoy') {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          `${describeValue(pointer)} names "${segment}", which is not a claim`,
        )
      }
      return segment
    })
}

/**
 * Turns JSON Pointers (RFC 6901: `/address/street_address`, `/nationalities/0`) into a
 * {@link DisclosureFrame}: every pointed-at claim becomes selectively disclosable.
 */
export function disclosureFrameFromPointers(pointers: readonly string[]): DisclosureFrame {
  assertArray(pointers, 'pointers')
  const root: DisclosureFrame = {}
  for (const pointer of pointers) {
    const segments = segmentsOf(pointer)
    let frame = root
    for (const segment of segments.slice(0, -1)) {
      if (!Object.hasOwn(frame, segment)) setOwn(frame, segment, {})
      frame = frame[segment] as DisclosureFrame
    }
    const last = segments.at(-1)!
    frame._sd = [...(frame._sd ?? []), last]
  }
  return root
}

/** Turns JSON Pointers into a {@link PresentationFrame}: reveal each pointed-at claim in full. */
export function presentationFrameFromPointers(pointers: readonly string[]): PresentationFrame {
  assertArray(pointers, 'pointers')
  const root: Record<string, PresentationFrame> = {}
  for (const pointer of pointers) {
    const segments = segmentsOf(pointer)
    let frame: Record<string, PresentationFrame> = root
    let covered = false
    for (const segment of segments.slice(0, -1)) {
      const next = Object.hasOwn(frame, segment) ? frame[segment] : undefined
      if (next === true) {
        covered = true
        break
      }
      if (next === undefined || next === null || typeof next !== 'object') setOwn(frame, segment, {})
      frame = frame[segment] as Record<string, PresentationFrame>
    }
    if (!covered) setOwn(frame, segments.at(-1)!, true)
  }
  return root
}

import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import type { DisclosureFrame } from './frame.js'
import { issueSdJwt } from './issue.js'
import { presentSdJwt } from './present.js'
import { verifySdJwt } from './verify.js'

let signer: Signer
let jwk: Jwk

beforeAll(async () => {
  const keys = await generateKeyPair('ES256')
  signer = localSigner(keys.privateJwk)
  jwk = keys.publicJwk
})

const name = fc
  .string({ minLength: 1, maxLength: 6 })
  // Reserved names, and the time claims verification checks (a random "exp" would expire).
  .filter((s) => !['_sd', '...', '_sd_alg', '__proto__', 'iat', 'nbf', 'exp'].includes(s))
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(name, tie('value'), { maxKeys: 4 }),
  ),
})).value

/** A frame that makes a random subset of members disclosable, at every depth, with decoys. */
function randomFrame(value: unknown, coin: () => boolean): DisclosureFrame | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const frame: DisclosureFrame = {}
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value)
  const sd: (string | number)[] = []
  for (const [key, member] of entries) {
    if (coin()) sd.push(key)
    const inner = randomFrame(member, coin)
    if (inner) frame[String(key)] = inner
  }
  if (sd.length > 0) frame._sd = sd
  if (coin()) frame._sd_decoy = 1
  return Object.keys(frame).length > 0 ? frame : undefined
}

describe('SD-JWT: disclosing everything gives back the issued claims', () => {
  it('for random claims and random disclosure frames', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(name, json, { maxKeys: 5 }),
        fc.infiniteStream(fc.boolean()),
        async (claims, coins) => {
          const it = coins[Symbol.iterator]()
          const frame = randomFrame(claims, () => it.next().value as boolean) ?? {}
          const issued = await issueSdJwt(claims, frame, { signer })
          const presented = await presentSdJwt(issued, { disclose: true })
          const all = await verifySdJwt(presented, { publicJwk: jwk, profile: 'sd-jwt' })
          expect(all.errors).toEqual([])
          expect(all.claims).toEqual(claims)
          // Disclosing nothing never shows a selectively disclosable top-level claim.
          const none = await verifySdJwt(await presentSdJwt(issued, { disclose: {} }), {
            publicJwk: jwk,
            profile: 'sd-jwt',
          })
          expect(none.errors).toEqual([])
          for (const hidden of frame._sd ?? []) expect(none.claims).not.toHaveProperty([String(hidden)])
        },
      ),
      { numRuns: 60 },
    )
  })
})

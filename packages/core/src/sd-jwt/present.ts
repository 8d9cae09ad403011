import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { decodeSdJwtParts } from './decode.js'
import type { Disclosure } from './disclosure.js'
import { type PresentationFrame, presentationFrameFromPointers } from './frame.js'
import { isSdJwtJson, type SdJwtJson, sdJwtFromJson, sdJwtToJson } from './json-serialization.js'
import { createKeyBindingJwt, type KeyBindingOptions } from './key-binding.js'
import { MAX_CLAIM_DEPTH } from './pack.js'
import { joinSdJwt } from './serialization.js'

export interface PresentSdJwtOptions {
  /** What to reveal: a presentation frame (`{ address: { locality: true } }`) or JSON Pointers. */
  disclose: PresentationFrame | readonly string[]
  /** Adds a KB-JWT signed by the holder key (`cnf.jwk`) for this verifier and nonce. */
  keyBinding?: KeyBindingOptions
}

function reveals(frame: PresentationFrame): boolean {
  return frame === true || (frame !== null && typeof frame === 'object')
}

function child(frame: PresentationFrame, key: string | number): PresentationFrame {
  // Own members only: a claim named "__proto__" must not read as revealed by every frame.
  if (frame === null || typeof frame !== 'object' || !Object.hasOwn(frame, key)) return undefined
  return (frame as Record<string, PresentationFrame>)[key]
}

function select(
  value: unknown,
  frame: PresentationFrame,
  all: boolean,
  byDigest: ReadonlyMap<string, Disclosure>,
  chosen: Set<Disclosure>,
  depth: number,
): void {
  if (depth > MAX_CLAIM_DEPTH) throw new CivitasError('SD_JWT_INVALID', 'claims nest too deeply')
  if (Array.isArray(value)) {
    let position = 0
    for (const element of value) {
      const digest = isRecord(element) && Object.keys(element).length === 1 ? element['...'] : undefined
      if (typeof digest === 'string') {
        const disclosure = byDigest.get(digest)
        if (disclosure === undefined) continue // a decoy: not a position of the issued array
        const sub = child(frame, position++)
        if (all || reveals(sub)) {
          chosen.add(disclosure)
          select(disclosure.value, sub, all || sub === true, byDigest, chosen, depth + 1)
        }
        continue
      }
      const sub = child(frame, position++)
      select(element, sub, all || sub === true, byDigest, chosen, depth + 1)
    }
    return
  }
  if (!isRecord(value)) return
  for (const [key, member] of Object.entries(value)) {
    if (key === '_sd') continue
    const sub = child(frame, key)
    select(member, sub, all || sub === true, byDigest, chosen, depth + 1)
  }
  if (!Array.isArray(value._sd)) return
  for (const digest of value._sd) {
    const disclosure = typeof digest === 'string' ? byDigest.get(digest) : undefined
    if (disclosure?.name === undefined) continue
    const sub = child(frame, disclosure.name)
    if (all || reveals(sub)) {
      chosen.add(disclosure)
      select(disclosure.value, sub, all || sub === true, byDigest, chosen, depth + 1)
    }
  }
}

/**
 * Builds a presentation from an issued SD-JWT: keeps only the Disclosures `disclose`
 * asks for (and the ones enclosing them), in issuance order, and appends a KB-JWT
 * when `keyBinding` is given. Without `keyBinding` the result ends with `~`.
 */
export async function presentSdJwt(token: string, options: PresentSdJwtOptions): Promise<string>
/** The same for an SD-JWT in JWS JSON Serialization: the result keeps its serialization. */
export async function presentSdJwt(token: SdJwtJson, options: PresentSdJwtOptions): Promise<SdJwtJson>
export async function presentSdJwt(
  token: string | SdJwtJson,
  options: PresentSdJwtOptions,
): Promise<string | SdJwtJson>
export async function presentSdJwt(
  token: string | SdJwtJson,
  options: PresentSdJwtOptions,
): Promise<string | SdJwtJson> {
  if (!options || options.disclose === undefined) {
    throw new CivitasError('INVALID_ARGUMENT', 'options.disclose is required (use {} to disclose nothing)')
  }
  if (isSdJwtJson(token)) {
    const { compact, otherJwts, serialization } = sdJwtFromJson(token)
    return sdJwtToJson(await presentSdJwt(compact, options), serialization, otherJwts)
  }
  const decoded = decodeSdJwtParts(token)
  if (decoded.parts.kbJwt !== undefined) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'the SD-JWT already carries a KB-JWT; present the issued SD-JWT',
    )
  }
  const frame: PresentationFrame = Array.isArray(options.disclose)
    ? presentationFrameFromPointers(options.disclose as readonly string[])
    : (options.disclose as PresentationFrame)
  const byDigest = new Map(decoded.disclosures.map((d) => [d.digest, d]))
  const chosen = new Set<Disclosure>()
  select(decoded.payload, frame, frame === true, byDigest, chosen, 0)
  const disclosures = decoded.disclosures.filter((d) => chosen.has(d)).map((d) => d.encoded)
  const sdJwt = joinSdJwt(decoded.parts.jwt, disclosures)
  if (options.keyBinding === undefined) return sdJwt
  const cnf = decoded.payload.cnf
  if (!isRecord(cnf) || !isRecord(cnf.jwk)) {
    throw new CivitasError('INVALID_ARGUMENT', 'key binding needs an SD-JWT with cnf.jwk')
  }
  return sdJwt + (await createKeyBindingJwt(sdJwt, decoded.hashAlg, options.keyBinding))
}

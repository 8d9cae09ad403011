import { CivitasError } from '../errors/index.js'
import { type DecodedJws, decodeJws, type JwsHeader, parseJwtClaims } from '../jose/decode.js'
import { type Disclosure, parseDisclosure } from './disclosure.js'
import { type SdHashAlgorithm, sdHashAlgorithm } from './hash.js'
import { type SdJwtParts, type SplitSdJwtOptions, splitSdJwt } from './serialization.js'
import { unpackClaims } from './unpack.js'

export interface DecodedSdJwt {
  readonly parts: SdJwtParts
  /** The issuer-signed JWT as decoded: verify its signature from this, not by decoding again. */
  readonly jws: DecodedJws
  readonly header: JwsHeader
  /** The issuer-signed payload, digests and all. */
  readonly payload: Record<string, unknown>
  readonly hashAlg: SdHashAlgorithm
  readonly disclosures: readonly Disclosure[]
}

export interface DisclosedClaim {
  /** Property name; absent for an array element. */
  readonly name?: string
  readonly value: unknown
  readonly digest: string
  /** JSON Pointer of the claim in `claims`. */
  readonly path: string
}

/** The Disclosures as the caller sees them: where each one landed in the claims. */
export function disclosedClaims(
  disclosures: readonly Disclosure[],
  placements: ReadonlyMap<Disclosure, string>,
): DisclosedClaim[] {
  return disclosures.map((d) => ({
    ...(d.name !== undefined ? { name: d.name } : {}),
    value: d.value,
    digest: d.digest,
    path: placements.get(d) ?? '',
  }))
}

/** Parses an SD-JWT and its Disclosures without checking any signature. */
export function decodeSdJwtParts(token: string, options: SplitSdJwtOptions = {}): DecodedSdJwt {
  const parts = splitSdJwt(token, options)
  let jws: DecodedJws
  let payload: Record<string, unknown>
  try {
    jws = decodeJws(parts.jwt)
    payload = parseJwtClaims(jws.payload)
  } catch (cause) {
    throw new CivitasError('SD_JWT_INVALID', 'the issuer-signed JWT of the SD-JWT is malformed', { cause })
  }
  const hashAlg = sdHashAlgorithm(payload._sd_alg)
  const disclosures = parts.disclosures.map((d) => parseDisclosure(hashAlg, d))
  return { parts, jws, header: jws.header, payload, hashAlg, disclosures }
}

/**
 * Decodes an SD-JWT for display (a wallet showing what it holds): the claims with every
 * carried Disclosure applied. Checks structure, not signatures: never trust the result
 * as verified; use `verifySdJwt` for that.
 */
export function decodeSdJwt(token: string): {
  header: JwsHeader
  payload: Record<string, unknown>
  claims: Record<string, unknown>
  disclosures: readonly DisclosedClaim[]
} {
  const decoded = decodeSdJwtParts(token)
  const { claims, placements } = unpackClaims(decoded.payload, decoded.disclosures)
  return {
    header: decoded.header,
    payload: decoded.payload,
    claims,
    disclosures: disclosedClaims(decoded.disclosures, placements),
  }
}

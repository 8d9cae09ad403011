import { assertJsonValue, DEFAULT_MAX_JSON_DEPTH, deepFreeze, snapshotValue } from '../encoding/json.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { signJws } from '../jose/sign.js'
import type { Jwk } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'
import { type DisclosureFrame, disclosureFrameFromPointers } from './frame.js'
import type { SdHashAlgorithm } from './hash.js'
import { packClaims } from './pack.js'
import { joinSdJwt } from './serialization.js'

/** `typ` of an SD-JWT VC (SD-JWT VC draft 09+; `vc+sd-jwt` before). */
export const SD_JWT_VC_TYP = 'dc+sd-jwt'

export interface IssueSdJwtOptions {
  signer: Signer
  /** Key id for the JWS header (a DID URL for DID issuers). Default: `signer.kid`. */
  kid?: string
  /** JWS `typ`. */
  typ?: string
  /** `_sd_alg`. Default `sha-256`. */
  hashAlg?: SdHashAlgorithm
  /** Further protected header parameters (`x5c`, ...). `alg` always comes from the signer. */
  header?: Record<string, unknown>
}

function toFrame(disclosable: DisclosureFrame | readonly string[] | undefined): DisclosureFrame {
  if (disclosable === undefined) return {}
  if (Array.isArray(disclosable)) return disclosureFrameFromPointers(disclosable as readonly string[])
  if (!isRecord(disclosable)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'disclosable must be a disclosure frame or a list of JSON Pointers',
    )
  }
  return disclosable as DisclosureFrame
}

/**
 * Issues an SD-JWT (RFC 9901) over arbitrary JWT claims: the claims `disclosable` names
 * become Disclosures, and the result is `<JWT>~<D1>~...~<Dn>~`.
 */
export async function issueSdJwt(
  claims: Record<string, unknown>,
  disclosable: DisclosureFrame | readonly string[] | undefined,
  options: IssueSdJwtOptions,
): Promise<string> {
  if (!isRecord(claims)) throw new CivitasError('INVALID_ARGUMENT', 'claims must be an object')
  if (!options?.signer) throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  return signPacked(packSdJwt(claims, toFrame(disclosable), options.hashAlg), options)
}

/** The issuer-signed payload with its digests and `_sd_alg`, and the encoded Disclosures. */
interface PackedSdJwt {
  readonly payload: Record<string, unknown>
  readonly disclosures: readonly string[]
}

function packSdJwt(
  claims: Record<string, unknown>,
  frame: DisclosureFrame,
  hashAlg: SdHashAlgorithm = 'sha-256',
): PackedSdJwt {
  if ('_sd_alg' in claims) throw new CivitasError('SD_CLAIM_NAME_RESERVED', '"_sd_alg" is set by the issuer')
  if (!['sha-256', 'sha-384', 'sha-512'].includes(hashAlg)) {
    throw new CivitasError('INVALID_ARGUMENT', `unsupported hashAlg ${describeValue(hashAlg)}`)
  }
  const { payload, disclosures } = packClaims(claims, frame, hashAlg)
  const signed = { ...payload, _sd_alg: hashAlg }
  // What signJws refuses to serialise (a BigInt, bytes, nesting too deep), refused before signing.
  assertJsonValue(signed, DEFAULT_MAX_JSON_DEPTH, 'INVALID_ARGUMENT', 'payload')
  return { payload: signed, disclosures: disclosures.map((d) => d.encoded) }
}

async function signPacked(packed: PackedSdJwt, options: IssueSdJwtOptions): Promise<string> {
  const header: Record<string, unknown> = { ...options.header }
  if (options.typ !== undefined) header.typ = options.typ
  const kid = options.kid ?? options.signer.kid
  if (kid !== undefined) header.kid = kid
  const jwt = await signJws(packed.payload, options.signer, header)
  return joinSdJwt(jwt, packed.disclosures)
}

/** The token-level claims of an SD-JWT VC; everything in `claims` is about the subject. */
export interface SdJwtVcInput {
  /** Verifiable Credential Type, e.g. `urn:eudi:pid:1`. */
  vct: string
  iss: string
  claims: Record<string, unknown>
  /** Claims the holder may withhold: a disclosure frame or JSON Pointers (`/address/locality`). */
  disclosable?: DisclosureFrame | readonly string[]
  /** Holder key the presentation's KB-JWT must be signed with. */
  cnf?: { jwk: Jwk }
  /** IETF Token Status List reference. */
  status?: { status_list: { idx: number; uri: string } }
  sub?: string
  /** Seconds since the epoch; `iat` defaults to now. */
  iat?: number
  nbf?: number
  exp?: number
}

// SD-JWT VC §3.2.2.2: these must stay in the clear so every verifier can process them.
const NEVER_DISCLOSABLE = ['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status']

function assertNumericDate(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) {
    throw new CivitasError('CLAIM_INVALID', `${name} must be a NumericDate (integer seconds)`, {
      details: { name },
    })
  }
}

function checkStatus(status: unknown): void {
  if (
    status !== undefined &&
    (!isRecord(status) ||
      !isRecord(status.status_list) ||
      !Number.isSafeInteger(status.status_list.idx) ||
      (status.status_list.idx as number) < 0 ||
      typeof status.status_list.uri !== 'string')
  ) {
    throw new CivitasError('INVALID_ARGUMENT', 'status must be { status_list: { idx, uri } }')
  }
}

/**
 * An SD-JWT VC checked and packed (its Disclosures made), not signed yet: what
 * {@link prepareSdJwtVc} returns and {@link signSdJwtVc} signs.
 */
export interface PreparedSdJwtVc {
  /** The payload as it will be signed (digests, `_sd_alg`, the clear-text token claims). */
  readonly payload: Readonly<Record<string, unknown>>
}

// Only what prepareSdJwtVc made is signed: an object built elsewhere skipped its checks.
const preparedSdJwtVcs = new WeakMap<PreparedSdJwtVc, PackedSdJwt>()

/**
 * Everything {@link issueSdJwtVc} does before it signs: the input checked (throwing what
 * issueSdJwtVc throws) and the claims packed into Disclosures. Lets an issuer refuse an SD-JWT
 * VC before it spends anything on it (a status index); {@link signSdJwtVc} then signs it,
 * with the `status` drawn meanwhile in place of the one prepared.
 */
export function prepareSdJwtVc(
  input: SdJwtVcInput,
  options: Pick<IssueSdJwtOptions, 'hashAlg'> = {},
): PreparedSdJwtVc {
  if (!isRecord(input)) throw new CivitasError('INVALID_ARGUMENT', 'input must be an object')
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  // Packed from a private copy, and frozen: what the caller changes later cannot reach what
  // was checked (signSdJwtVc signs after an await).
  const { payload, frame } = sdJwtVcPayload(snapshotValue(input, 'input'))
  const packed = packSdJwt(payload, frame, options.hashAlg)
  deepFreeze(packed.payload)
  const prepared: PreparedSdJwtVc = Object.freeze({ payload: packed.payload })
  preparedSdJwtVcs.set(prepared, packed)
  return prepared
}

/**
 * Signs what {@link prepareSdJwtVc} prepared (`typ` dc+sd-jwt unless `options.typ`). `status`
 * replaces the prepared status reference (it is never selectively disclosable, so the
 * Disclosures stay as they are). Returns `<JWT>~<D1>~...~<Dn>~`.
 */
export async function signSdJwtVc(
  prepared: PreparedSdJwtVc,
  options: IssueSdJwtOptions & { status?: SdJwtVcInput['status'] },
): Promise<string> {
  const packed = preparedSdJwtVcs.get(prepared)
  if (packed === undefined) {
    throw new CivitasError('INVALID_ARGUMENT', 'prepared must come from prepareSdJwtVc')
  }
  if (!isRecord(options) || !options.signer)
    throw new CivitasError('INVALID_ARGUMENT', 'options.signer is required')
  const status = options.status === undefined ? undefined : snapshotValue(options.status, 'options.status')
  checkStatus(status)
  const payload = status === undefined ? packed.payload : { ...packed.payload, status }
  return signPacked(
    { payload, disclosures: packed.disclosures },
    { ...options, typ: options.typ ?? SD_JWT_VC_TYP },
  )
}

/** Issues an SD-JWT VC (`typ` dc+sd-jwt). Returns `<JWT>~<D1>~...~<Dn>~`. */
export async function issueSdJwtVc(input: SdJwtVcInput, options: IssueSdJwtOptions): Promise<string> {
  if (!isRecord(input)) throw new CivitasError('INVALID_ARGUMENT', 'input must be an object')
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'options must be an object')
  return signSdJwtVc(prepareSdJwtVc(input, options), options)
}

/** The SD-JWT VC's payload before packing and its disclosure frame, the input checked. */
function sdJwtVcPayload(input: SdJwtVcInput): { payload: Record<string, unknown>; frame: DisclosureFrame } {
  const { vct, iss, claims, cnf, status, sub, nbf, exp } = input
  if (typeof vct !== 'string' || vct.length === 0)
    throw new CivitasError('CLAIM_INVALID', 'vct must be a non-empty string')
  if (typeof iss !== 'string' || iss.length === 0)
    throw new CivitasError('CLAIM_INVALID', 'iss must be a non-empty string')
  if (!isRecord(claims)) throw new CivitasError('INVALID_ARGUMENT', 'claims must be an object')
  const iat = input.iat ?? Math.floor(Date.now() / 1000)
  assertNumericDate(iat, 'iat')
  assertNumericDate(nbf, 'nbf')
  assertNumericDate(exp, 'exp')
  if (exp !== undefined && nbf !== undefined && exp < nbf) {
    throw new CivitasError('TIME_ORDER_INVALID', 'exp is before nbf')
  }
  if (cnf !== undefined && (!isRecord(cnf) || !isRecord(cnf.jwk) || 'd' in cnf.jwk)) {
    throw new CivitasError('INVALID_ARGUMENT', 'cnf must be { jwk } with a public JWK')
  }
  checkStatus(status)
  for (const name of [...NEVER_DISCLOSABLE, 'sub', 'iat']) {
    if (name in claims) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `"${name}" is a token claim: pass it as input.${name}, not in claims`,
      )
    }
  }
  const frame = toFrame(input.disclosable)
  for (const name of NEVER_DISCLOSABLE) {
    if (frame._sd?.includes(name)) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        `"${name}" must not be selectively disclosable in an SD-JWT VC`,
      )
    }
  }
  const payload: Record<string, unknown> = {
    iss,
    ...(sub !== undefined ? { sub } : {}),
    iat,
    ...(nbf !== undefined ? { nbf } : {}),
    ...(exp !== undefined ? { exp } : {}),
    vct,
    ...(cnf !== undefined ? { cnf: { jwk: cnf.jwk } } : {}),
    ...(status !== undefined ? { status } : {}),
    ...claims,
  }
  return { payload, frame }
}

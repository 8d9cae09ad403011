/**
 * Everything the wallet needs from @civitas/core to read, verify and present credentials,
 * in one module: core reads the token (`readCredential`), this file only says what the
 * wallet keeps of it (the rest of the wallet sees only the types below).
 */
import {
  CivitasError,
  hasOwn,
  isRecord,
  issueJwtVp,
  issueVpSdJwt,
  type Jwk,
  type JwsHeader,
  parseDidJwk,
  parseDidKey,
  presentSdJwt,
  type ReadCredentialResult,
  readCredential,
  type Signer,
  type StatusEntry,
  splitSdJwt,
  type VerifyJwtVcOptions,
  verifyJwtVc,
  verifySdJwt,
  verifyVcSdJwt,
} from '@civitas/core'

/** A DID resolver as core takes it (did-resolver's `Resolvable`, e.g. `createResolver()`). */
export type Resolver = NonNullable<VerifyJwtVcOptions['resolver']>

/**
 * `jwt_vc_json` (VCDM 1.1 JWT), `vc+jwt` (VCDM 2.0 vc-jose-cose), `dc+sd-jwt` (IETF SD-JWT
 * VC) and `vc+sd-jwt` (VCDM 2.0 secured with SD-JWT, vc-jose-cose §3.2).
 */
export type CredentialFormat = 'jwt_vc_json' | 'vc+jwt' | 'dc+sd-jwt' | 'vc+sd-jwt'

export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = [
  'jwt_vc_json',
  'vc+jwt',
  'dc+sd-jwt',
  'vc+sd-jwt',
]

/** The formats whose holder chooses claim by claim what to show (SD-JWT Disclosures). */
export function isSelective(format: CredentialFormat): boolean {
  return format === 'dc+sd-jwt' || format === 'vc+sd-jwt'
}

/** What the wallet keeps of a credential core has read (not yet verified). */
export interface WalletReading {
  readonly format: CredentialFormat
  readonly header: JwsHeader
  /**
   * The claims a DCQL claims path points into: the W3C credential (VCDM 1.1 with the JWT
   * claims mapped back, or VCDM 2.0), or the SD-JWT claims with every Disclosure the wallet
   * holds applied (without the holder key `cnf`, for vc+sd-jwt).
   */
  readonly claims: Record<string, unknown>
  /** W3C `type` values, or the SD-JWT VC `vct`. */
  readonly types: readonly string[]
  readonly issuer: string
  /** DIDs the credential is about (`sub`, `credentialSubject.id`); empty for SD-JWT VC. */
  readonly subjects: readonly string[]
  /** The holder key (`cnf.jwk`), the only confirmation method a KB-JWT is made and checked with. */
  readonly cnf?: { readonly jwk?: Jwk }
  /** JSON Pointers of the claims the holder may withhold (SD-JWT Disclosures). */
  readonly disclosable: readonly string[]
  /** Core's normalised status entries (W3C `credentialStatus`, IETF `status.status_list`). */
  readonly statusEntries: readonly StatusEntry[]
  /** Seconds since the epoch: the earliest of `exp`, `validUntil`, `expirationDate`. */
  readonly expiresAt?: number
}

function toList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/** A W3C `issuer` / `credentialSubject`: a string id or an object with one. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  return isRecord(value) && typeof value.id === 'string' ? value.id : undefined
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/** XSD dateTime members the data model closes a credential with. */
const VALID_UNTIL = ['validUntil', 'expirationDate'] as const

function expiryOf(payload: Record<string, unknown>, credential: Record<string, unknown>): number | undefined {
  const bounds: number[] = []
  if (typeof payload.exp === 'number' && Number.isFinite(payload.exp)) bounds.push(payload.exp)
  for (const name of VALID_UNTIL) {
    const value = credential[name]
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
    if (Number.isFinite(ms)) bounds.push(Math.floor(ms / 1000))
  }
  return bounds.length === 0 ? undefined : Math.min(...bounds)
}

function cnfOf(read: ReadCredentialResult): WalletReading['cnf'] {
  const cnf = read.cnf
  if (cnf === undefined) return undefined
  return isRecord(cnf.jwk) ? { jwk: cnf.jwk as Jwk } : {}
}

/**
 * Core reads `typ: vc+sd-jwt` as an SD-JWT; the early IETF SD-JWT VC drafts used that typ
 * too. A `vct` says IETF SD-JWT VC, its absence a VCDM 2.0 credential (vc-jose-cose §3.2).
 */
function formatOf(read: ReadCredentialResult): CredentialFormat {
  if (read.format !== 'dc+sd-jwt') return read.format
  return read.header.typ === 'vc+sd-jwt' && !hasOwn(read.payload, 'vct') ? 'vc+sd-jwt' : 'dc+sd-jwt'
}

/**
 * Reads a credential token (compact serialization) with core's `readCredential`, without
 * verifying it. Throws a CivitasError (`INVALID_JWS`, `FORMAT_MISMATCH`, `SD_JWT_INVALID`,
 * `CLAIM_INVALID`, `CREDENTIAL_INVALID`, ...).
 */
export function readWalletCredential(token: string): WalletReading {
  if (typeof token !== 'string' || token.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'token must be a non-empty string')
  }
  // The wallet keeps what it presents byte for byte: compact serializations only.
  if (token.startsWith('{')) {
    throw new CivitasError('FORMAT_MISMATCH', 'the wallet takes compact serializations, not JSON ones')
  }
  if (token.includes('~') && splitSdJwt(token).kbJwt !== undefined) {
    throw new CivitasError(
      'CREDENTIAL_INVALID',
      'this SD-JWT carries a KB-JWT: it is a presentation, not a credential',
    )
  }
  const read = readCredential(token)
  const format = formatOf(read)
  // W3C: the holder key is not a claim of the credential (a vc+sd-jwt keeps it beside it).
  const { cnf: _cnf, ...w3c } = read.credential
  // Core reads a vc+sd-jwt as an SD-JWT: the issuer is the credential's `issuer`, not `iss`.
  const issuer = format === 'vc+sd-jwt' ? (read.issuer ?? idOf(w3c.issuer)) : read.issuer
  if (issuer === undefined) throw new CivitasError('CREDENTIAL_INVALID', 'the credential names no issuer')
  const cnf = cnfOf(read)
  const common = {
    format,
    header: read.header,
    issuer,
    disclosable: (read.disclosures ?? []).map((d) => d.path),
    // A vc+sd-jwt's W3C entries are read by its verification (verifyWithCore).
    statusEntries: format === 'vc+sd-jwt' ? [] : read.statusEntries,
    ...(cnf !== undefined ? { cnf } : {}),
  }
  if (format === 'dc+sd-jwt') {
    const vct = read.payload.vct
    if (typeof vct !== 'string') throw new CivitasError('CLAIM_INVALID', 'an SD-JWT VC needs a string vct')
    const expiresAt = expiryOf(read.payload, {})
    return {
      ...common,
      claims: read.credential,
      types: [vct],
      subjects: [],
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    }
  }
  const subjectObjects = format === 'vc+sd-jwt' ? toList(w3c.credentialSubject) : read.subjects
  const subjects = new Set(subjectObjects.map(idOf).filter((id): id is string => id !== undefined))
  if (typeof read.payload.sub === 'string') subjects.add(read.payload.sub)
  const expiresAt = expiryOf(read.payload, w3c)
  return {
    ...common,
    claims: format === 'vc+sd-jwt' ? w3c : read.credential,
    types: stringList(read.credential.type),
    subjects: [...subjects],
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  }
}

export interface CoreVerifyOptions {
  resolver?: Resolver
  issuerJwk?: Jwk
  now?: Date | number
}

export interface CoreVerification {
  readonly verified: boolean
  readonly errors: readonly { readonly code: string; readonly message: string }[]
  /** Core's normalised status entries, when the verification read them. */
  readonly statusEntries?: readonly StatusEntry[]
}

/** Signature, time and data model through core's verify function of the format. */
export async function verifyWithCore(
  token: string,
  format: CredentialFormat,
  options: CoreVerifyOptions,
): Promise<CoreVerification> {
  const key = options.issuerJwk ? { publicJwk: options.issuerJwk } : { resolver: options.resolver }
  const now = options.now !== undefined ? { now: options.now } : {}
  const result =
    format === 'dc+sd-jwt'
      ? await verifySdJwt(token, { ...key, ...now })
      : format === 'vc+sd-jwt'
        ? await verifyVcSdJwt(token, { ...key, ...now })
        : await verifyJwtVc(token, { ...key, ...now, format })
  return {
    verified: result.verified,
    errors: result.errors,
    ...(result.statusEntries !== undefined ? { statusEntries: result.statusEntries } : {}),
  }
}

/** The public key a did:key or did:jwk stands for; undefined for other methods (not a wallet key). */
export function publicJwkOfDid(didUrl: string): Jwk | undefined {
  const did = didUrl.split('#')[0] ?? ''
  try {
    if (did.startsWith('did:key:')) return parseDidKey(did).publicJwk as Jwk
    if (did.startsWith('did:jwk:')) return parseDidJwk(did).jwk as Jwk
  } catch {
    return undefined
  }
  return undefined
}

export interface JwtPresentationOptions {
  format: 'jwt_vc_json' | 'vc+jwt'
  holder: string
  signer: Signer
  nonce: string
  audience: string
}

/** A VP JWT holding one credential: `jwt_vc_json` (VCDM 1.1 `vp`) or `vp+jwt` (enveloped VCDM 2.0). */
export async function presentJwtCredential(token: string, options: JwtPresentationOptions): Promise<string> {
  const context =
    options.format === 'jwt_vc_json'
      ? 'https://www.w3.org/2018/credentials/v1'
      : 'https://www.w3.org/ns/credentials/v2'
  return issueJwtVp(
    {
      '@context': [context],
      type: ['VerifiablePresentation'],
      holder: options.holder,
      verifiableCredential: [token],
    },
    { format: options.format, signer: options.signer, nonce: options.nonce, audience: options.audience },
  )
}

export interface SdJwtPresentationOptions {
  signer: Signer
  nonce: string
  audience: string
  /** Bind by a KB-JWT (the credential has `cnf.jwk`), or by a `vp+sd-jwt` the holder DID signs. */
  binding: 'key-binding-jwt' | { holder: string }
}

/**
 * An SD-JWT presentation with exactly the Disclosures of `pointers` (and their parents):
 * with a KB-JWT when the credential names a holder key (`cnf.jwk`); otherwise (a vc+sd-jwt
 * about a holder DID) enveloped in a `vp+sd-jwt` the holder signs (vc-jose-cose §3.2.2).
 */
export async function presentSdJwtCredential(
  token: string,
  pointers: readonly string[],
  options: SdJwtPresentationOptions,
): Promise<string> {
  const { signer, nonce, audience } = options
  if (options.binding === 'key-binding-jwt') {
    return presentSdJwt(token, { disclose: pointers, keyBinding: { signer, nonce, audience } })
  }
  const presented = await presentSdJwt(token, { disclose: pointers })
  return issueVpSdJwt(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: options.binding.holder,
      verifiableCredential: [presented],
    },
    { signer, nonce, audience },
  )
}

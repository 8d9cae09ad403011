/**
 * Everything the wallet needs from @civitas/core to read, verify and present credentials,
 * in one module: when core's verification pipeline and `readCredential(token)` land, this
 * file is the one to switch (the rest of the wallet sees only the types below).
 */
import {
  CivitasError,
  decodeJwt,
  decodeSdJwt,
  issueJwtVp,
  type Jwk,
  type JwsHeader,
  parseDidJwk,
  parseDidKey,
  presentSdJwt,
  type Signer,
  splitSdJwt,
  type VerifyJwtVcOptions,
  verifyJwtVc,
  verifySdJwt,
} from '@civitas/core'
import { hasOwn, isRecord } from './guards.js'

/** A DID resolver as core takes it (did-resolver's `Resolvable`, e.g. `createResolver()`). */
export type Resolver = NonNullable<VerifyJwtVcOptions['resolver']>

export type CredentialFormat = 'jwt_vc_json' | 'vc+jwt' | 'dc+sd-jwt'

export const CREDENTIAL_FORMATS: readonly CredentialFormat[] = ['jwt_vc_json', 'vc+jwt', 'dc+sd-jwt']

/** A credential as the wallet reads it, before and independently of verification. */
export interface ReadCredential {
  readonly format: CredentialFormat
  readonly header: JwsHeader
  /** The issuer-signed JWT payload. */
  readonly payload: Record<string, unknown>
  /**
   * The claims a DCQL claims path points into: the W3C credential object (VCDM 1.1 with the
   * JWT claims mapped back, or the VCDM 2.0 payload), or the SD-JWT VC claims with every
   * Disclosure the wallet holds applied.
   */
  readonly claims: Record<string, unknown>
  /** W3C `type` values, or the SD-JWT VC `vct`. */
  readonly types: readonly string[]
  readonly issuer: string
  /** DIDs the credential is about (`sub`, `credentialSubject.id`); empty for SD-JWT VC. */
  readonly subjects: readonly string[]
  /** The holder key of an SD-JWT VC (`cnf.jwk`) or the DID URL in `cnf.kid`. */
  readonly cnf?: { readonly jwk?: Jwk; readonly kid?: string }
  /** JSON Pointers of the claims the holder may withhold (SD-JWT Disclosures). */
  readonly disclosable: readonly string[]
  /** Seconds since the epoch, when the credential says. */
  readonly expiresAt?: number
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (isRecord(value) && typeof value.id === 'string') return value.id
  return undefined
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function subjectIds(credential: Record<string, unknown>): string[] {
  const subjects = Array.isArray(credential.credentialSubject)
    ? credential.credentialSubject
    : [credential.credentialSubject]
  return subjects.map(idOf).filter((id): id is string => id !== undefined)
}

/** VCDM 1.1 §6.3.1: the credential from `vc` with `iss`/`sub`/`jti` mapped back. */
function credentialFromJwtVcJson(payload: Record<string, unknown>): Record<string, unknown> {
  const vc: Record<string, unknown> = { ...(payload.vc as Record<string, unknown>) }
  if (vc.issuer === undefined && typeof payload.iss === 'string') vc.issuer = payload.iss
  if (vc.id === undefined && typeof payload.jti === 'string') vc.id = payload.jti
  if (
    typeof payload.sub === 'string' &&
    isRecord(vc.credentialSubject) &&
    vc.credentialSubject.id === undefined
  ) {
    vc.credentialSubject = { ...vc.credentialSubject, id: payload.sub }
  }
  return vc
}

function pointerEscape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

function readJwtCredential(token: string): ReadCredential {
  const { header, payload } = decodeJwt(token)
  const typ = header.typ
  let format: CredentialFormat
  let credential: Record<string, unknown>
  if (typ === 'vc+jwt' || typ === 'vc+ld+jwt' || typ === 'vc+ld+json+jwt') {
    if (hasOwn(payload, 'vc') || hasOwn(payload, 'vp')) {
      throw new CivitasError('FORMAT_MISMATCH', 'a vc+jwt must not carry a "vc" or "vp" claim')
    }
    format = 'vc+jwt'
    credential = payload
  } else if (isRecord(payload.vc) && (typ === undefined || typ === 'JWT')) {
    format = 'jwt_vc_json'
    credential = credentialFromJwtVcJson(payload)
  } else {
    throw new CivitasError(
      'FORMAT_MISMATCH',
      'not a credential: neither a "vc" claim (jwt_vc_json), typ vc+jwt, nor an SD-JWT VC',
    )
  }
  const issuer = idOf(credential.issuer) ?? (typeof payload.iss === 'string' ? payload.iss : undefined)
  if (issuer === undefined) throw new CivitasError('CREDENTIAL_INVALID', 'the credential names no issuer')
  const subjects = new Set(subjectIds(credential))
  if (typeof payload.sub === 'string') subjects.add(payload.sub)
  return {
    format,
    header,
    payload,
    claims: credential,
    types: stringList(credential.type),
    issuer,
    subjects: [...subjects],
    disclosable: [],
    ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
  }
}

function readSdJwtCredential(token: string): ReadCredential {
  if (splitSdJwt(token).kbJwt !== undefined) {
    throw new CivitasError(
      'CREDENTIAL_INVALID',
      'this SD-JWT carries a KB-JWT: it is a presentation, not a credential',
    )
  }
  const { header, payload, claims, disclosures } = decodeSdJwt(token)
  const vct = payload.vct
  const iss = payload.iss
  if (typeof vct !== 'string') throw new CivitasError('CLAIM_INVALID', 'an SD-JWT VC needs a string vct')
  if (typeof iss !== 'string') throw new CivitasError('CLAIM_INVALID', 'an SD-JWT VC needs a string iss')
  const cnf = isRecord(payload.cnf) ? payload.cnf : undefined
  return {
    format: 'dc+sd-jwt',
    header,
    payload,
    claims,
    types: [vct],
    issuer: iss,
    subjects: [],
    ...(cnf
      ? {
          cnf: {
            ...(isRecord(cnf.jwk) ? { jwk: cnf.jwk as Jwk } : {}),
            ...(typeof cnf.kid === 'string' ? { kid: cnf.kid } : {}),
          },
        }
      : {}),
    disclosable: disclosures.map((d) => d.path),
    ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp } : {}),
  }
}

/** Reads a credential token (compact serialization) without verifying it. Throws a CivitasError. */
export function readCredential(token: string): ReadCredential {
  if (typeof token !== 'string' || token.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', 'token must be a non-empty string')
  }
  return token.includes('~') ? readSdJwtCredential(token) : readJwtCredential(token)
}

export { pointerEscape }

export interface CoreVerifyOptions {
  resolver?: Resolver
  issuerJwk?: Jwk
  now?: Date | number
}

export interface CoreVerification {
  readonly verified: boolean
  readonly errors: readonly { readonly code: string; readonly message: string }[]
}

/** Signature, time and data model through core's verify function of the format. */
export async function verifyWithCore(
  token: string,
  format: CredentialFormat,
  options: CoreVerifyOptions,
): Promise<CoreVerification> {
  const key = options.issuerJwk ? { publicJwk: options.issuerJwk } : { resolver: options.resolver }
  const now = options.now !== undefined ? { now: options.now } : {}
  if (format === 'dc+sd-jwt') {
    const result = await verifySdJwt(token, { ...key, ...now })
    return { verified: result.verified, errors: result.errors }
  }
  const result = await verifyJwtVc(token, {
    ...(options.issuerJwk ? { publicJwk: options.issuerJwk } : { resolver: options.resolver }),
    ...now,
    format,
  })
  return { verified: result.verified, errors: result.errors }
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

/** An SD-JWT presentation with exactly the Disclosures of `pointers` (and their parents) and a KB-JWT. */
export async function presentSdJwtCredential(
  token: string,
  pointers: readonly string[],
  keyBinding: { signer: Signer; nonce: string; audience: string },
): Promise<string> {
  return presentSdJwt(token, { disclose: pointers, keyBinding })
}

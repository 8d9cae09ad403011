import {
  CivitasError,
  describeValue,
  encodeBitstringStatusListBytes,
  encodeTokenStatusList,
  issueJwtVc,
  type Signer,
  STATUS_LIST_JWT_TYP,
  signJws,
  VCDM_1_1_CONTEXT,
  VCDM_2_0_CONTEXT,
} from '@civitas/core'
import { wordsToBitstring, wordsToTokenStatusList } from '@civitas/registry-contracts'
import type { Store } from '@civitas/store'
import type { IssuerChain } from './chain.js'
import { statusListUrl } from './credential.js'
import type { IssuerTables } from './schema.js'

/** The encodings a list is published in. */
export type StatusListFormat = 'vc+jwt' | 'jwt_vc_json' | 'statuslist+jwt'
const FORMATS: readonly StatusListFormat[] = ['vc+jwt', 'jwt_vc_json', 'statuslist+jwt']

export interface StatusListContext {
  store: Store<IssuerTables>
  chain: IssuerChain
  did: string
  signer: Signer
  baseUrl: string
  /** Seconds a verifier may cache a list; also how long it is valid (`exp` = now + 2 ttl). */
  ttlSeconds: number
  /** Throws when the signer must not sign any more (its key retired by another instance). */
  assertSigner?(signer: Signer): Promise<void>
}

export interface SignedStatusList {
  token: string
  format: StatusListFormat
  url: string
  contentType: string
  /** Seconds since the epoch after which the list must be fetched again. */
  expiresAt: number
}

const CONTENT_TYPES: Record<StatusListFormat, string> = {
  'vc+jwt': 'application/vc+jwt',
  jwt_vc_json: 'application/jwt',
  'statuslist+jwt': 'application/statuslist+jwt',
}

const xsd = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`

/** Builds and signs the list credential of `listId` from the words on-chain right now. */
export async function buildStatusList(
  ctx: StatusListContext,
  listId: number,
  format: StatusListFormat,
): Promise<SignedStatusList> {
  if (!FORMATS.includes(format)) {
    throw new CivitasError(
      'FORMAT_UNSUPPORTED',
      `status list format ${describeValue(format)} is not one of ${FORMATS.join(', ')}`,
    )
  }
  if (!Number.isSafeInteger(listId) || listId < 1) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `listId must be a positive integer, got ${describeValue(listId)}`,
    )
  }
  const list = await ctx.store.db
    .selectFrom('issuer_lists')
    .select(['purpose'])
    .where('list_id', '=', listId)
    .executeTakeFirst()
  if (!list)
    throw new CivitasError('NOT_FOUND', `this issuer has no status list ${listId}`, { details: { listId } })
  const purpose = list.purpose
  if (format === 'statuslist+jwt' && purpose !== 'revocation') {
    throw new CivitasError(
      'STATUS_PURPOSE_MISMATCH',
      'Token Status Lists are published for revocation lists only',
    )
  }
  await ctx.assertSigner?.(ctx.signer)
  const words = await ctx.chain.clients.status.readAllWords(await ctx.chain.owner(), listId)
  const now = Math.floor(Date.now() / 1000)
  const exp = now + 2 * ctx.ttlSeconds
  const kid = ctx.signer.kid
  const url = statusListUrl(
    ctx.baseUrl,
    listId,
    purpose,
    format === 'statuslist+jwt' ? 'statuslist+jwt' : format,
  )
  let token: string
  if (format === 'statuslist+jwt') {
    const bytes = wordsToTokenStatusList(words)
    token = await signJws(
      {
        iss: ctx.did,
        sub: url,
        iat: now,
        exp,
        ttl: ctx.ttlSeconds,
        status_list: encodeTokenStatusList(expandLsbFirst(bytes), { bits: 1 }),
      },
      ctx.signer,
      { typ: STATUS_LIST_JWT_TYP, ...(kid !== undefined ? { kid } : {}) },
    )
  } else {
    const subject = {
      id: `${url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: purpose,
      encodedList: encodeBitstringStatusListBytes(wordsToBitstring(words)),
      ttl: ctx.ttlSeconds * 1000,
    }
    const credential =
      format === 'vc+jwt'
        ? {
            '@context': [VCDM_2_0_CONTEXT],
            id: url,
            type: ['VerifiableCredential', 'BitstringStatusListCredential'],
            issuer: ctx.did,
            validFrom: xsd(now),
            validUntil: xsd(exp),
            credentialSubject: subject,
          }
        : {
            '@context': [VCDM_1_1_CONTEXT],
            id: url,
            type: ['VerifiableCredential', 'BitstringStatusListCredential'],
            issuer: ctx.did,
            issuanceDate: xsd(now),
            issued: xsd(now),
            validFrom: xsd(now),
            expirationDate: xsd(exp),
            credentialSubject: subject,
          }
    token = await issueJwtVc(credential, {
      format,
      signer: ctx.signer,
      ...(kid !== undefined ? { kid } : {}),
    })
  }
  return { token, format, url, contentType: CONTENT_TYPES[format], expiresAt: exp }
}

/** 1 status per entry from a packed LSB-first byte string. */
function expandLsbFirst(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 8)
  for (let i = 0; i < out.length; i++) out[i] = (bytes[i >> 3]! >> (i & 7)) & 1
  return out
}

/**
 * `(Request) => Response` serving the lists under `baseUrl`: `/{listId}/{purpose}` (VCDM 2.0
 * `vc+jwt`), `?format=jwt_vc_json` (VCDM 1.1), `/{listId}/token` (IETF Token Status List).
 * Signed lists are cached for half the ttl so a busy endpoint does not read the chain per request.
 */
export function createStatusListHandler(ctx: StatusListContext): (request: Request) => Promise<Response> {
  const base = new URL(ctx.baseUrl)
  const cache = new Map<string, { list: SignedStatusList; until: number }>()
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('method not allowed', { status: 405, headers: { allow: 'GET, HEAD' } })
    }
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return new Response('bad request', { status: 400 })
    }
    const prefix = base.pathname.replace(/\/$/, '')
    const match = url.pathname.startsWith(`${prefix}/`)
      ? /^(\d{1,9})\/(revocation|suspension|token)$/.exec(url.pathname.slice(prefix.length + 1))
      : null
    const query = url.searchParams.get('format')
    if (!match || (query !== null && query !== 'jwt_vc_json'))
      return new Response('not found', { status: 404 })
    const listId = Number(match[1])
    const format: StatusListFormat =
      match[2] === 'token' ? 'statuslist+jwt' : query === 'jwt_vc_json' ? 'jwt_vc_json' : 'vc+jwt'
    const key = `${listId}/${match[2]}/${format}`
    const now = Date.now()
    let entry = cache.get(key)
    if (!entry || entry.until <= now) {
      try {
        const list = await buildStatusList(ctx, listId, format)
        // The path's purpose must be the list's: /1/suspension of a revocation list is not a list.
        if (match[2] !== 'token' && !list.url.startsWith(`${ctx.baseUrl}/${listId}/${match[2]}`)) {
          return new Response('not found', { status: 404 })
        }
        entry = { list, until: now + (ctx.ttlSeconds * 1000) / 2 }
        cache.set(key, entry)
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code === 'NOT_FOUND' || code === 'STATUS_PURPOSE_MISMATCH')
          return new Response('not found', { status: 404 })
        return new Response('status list unavailable', { status: 503, headers: { 'retry-after': '30' } })
      }
    }
    const maxAge = Math.max(0, Math.floor((entry.until - now) / 1000))
    const headers = {
      'content-type': entry.list.contentType,
      'cache-control': `public, max-age=${maxAge}`,
      expires: new Date(entry.list.expiresAt * 1000).toUTCString(),
      etag: `"${listId}-${format}-${entry.list.expiresAt}"`,
    }
    if (request.headers.get('if-none-match') === headers.etag)
      return new Response(null, { status: 304, headers })
    return new Response(request.method === 'HEAD' ? null : entry.list.token, { status: 200, headers })
  }
}

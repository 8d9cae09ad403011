import { CivitasError, describeValue } from '@civitas/core'
import { type Store, sql } from '@civitas/store'
import type { StatusPurpose } from './allocate.js'
import type { IssuerTables } from './schema.js'

/**
 * GDPR requests about one data subject (the holder a credential was issued to, by the DID or
 * URI given as `subject` when issuing, or, for an SD-JWT VC bound only by `holderKey`, the
 * RFC 9278 thumbprint URI of that key): Art. 15/20 export and Art. 17 erasure.
 *
 * What the issuer's store holds about a person is the `issuer_credentials` row of each
 * credential issued to them (credential id, subject, the caller's idempotency key, the token
 * when one was kept, type, time, status indices, state) and the status changes queued on their
 * indices. Erasure keeps what revoking needs and nothing that names the person: the HMAC of
 * the credential id (under the issuer's secret), the format and type, the lists and indices,
 * and the state. `revoke(id)` / `suspend(id)` still work afterwards: the holder (or a verifier)
 * who still has the credential id finds the row again through its HMAC.
 */

export interface SubjectStatusChange {
  purpose: StatusPurpose
  /** `set`: revoked / suspended; `clear`: reinstated. */
  op: 'set' | 'clear'
  queuedAt: string
  /** True once the change is on-chain. */
  applied: boolean
  transaction?: string
}

export interface SubjectCredential {
  id: string
  format: string
  type: string
  issuedAt: string
  /** 'active' | 'suspended' | 'revoked' */
  state: string
  idempotencyKey?: string
  /** The signed credential, when the issuer kept it (issues with an idempotency key do). */
  token?: string
  status: { purpose: StatusPurpose; listId: number; index: number }[]
  /** The status changes of this credential, oldest first (the issuer's log about it). */
  history: SubjectStatusChange[]
}

export interface SubjectExport {
  subject: string
  issuer: string
  exportedAt: string
  credentials: SubjectCredential[]
}

export interface EraseResult {
  /** Credentials whose personal data was removed. */
  erased: number
}

const MAX_SUBJECT_LENGTH = 2048
/** A subject with more credentials than this is not a person: the request is refused. */
const MAX_CREDENTIALS = 100_000

function checkSubject(subjectId: unknown): string {
  if (typeof subjectId !== 'string' || subjectId.length === 0 || subjectId.length > MAX_SUBJECT_LENGTH) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `subject must be the DID or URI credentials were issued to, or the holder's public JWK, got ${describeValue(subjectId)}`,
    )
  }
  return subjectId
}

/** Everything the issuer's store holds about `subjectId`, as plain JSON. */
export async function exportSubject(
  store: Store<IssuerTables>,
  issuer: string,
  subjectId: unknown,
): Promise<SubjectExport> {
  const subject = checkSubject(subjectId)
  return store.transaction(async (trx) => {
    const rows = await trx
      .selectFrom('issuer_credentials')
      .selectAll()
      .where('subject', '=', subject)
      .orderBy('issued_at')
      .limit(MAX_CREDENTIALS + 1)
      .execute()
    if (rows.length > MAX_CREDENTIALS) {
      throw new CivitasError('INPUT_TOO_LARGE', `more than ${MAX_CREDENTIALS} credentials name this subject`)
    }
    const credentials: SubjectCredential[] = []
    for (const row of rows) {
      const status: SubjectCredential['status'] = []
      if (row.revocation_list !== null && row.revocation_idx !== null)
        status.push({
          purpose: 'revocation',
          listId: Number(row.revocation_list),
          index: Number(row.revocation_idx),
        })
      if (row.suspension_list !== null && row.suspension_idx !== null)
        status.push({
          purpose: 'suspension',
          listId: Number(row.suspension_list),
          index: Number(row.suspension_idx),
        })
      const history: SubjectStatusChange[] = []
      for (const entry of status) {
        const ops = await trx
          .selectFrom('issuer_status_ops')
          .select(['seq', 'op', 'done', 'tx_hash', 'created_at'])
          .where('list_id', '=', entry.listId)
          .where('idx', '=', entry.index)
          .orderBy('seq')
          .execute()
        for (const op of ops) {
          history.push({
            purpose: entry.purpose,
            op: op.op === 'clear' ? 'clear' : 'set',
            queuedAt: op.created_at,
            applied: Number(op.done) === 1,
            ...(op.tx_hash !== null ? { transaction: op.tx_hash } : {}),
          })
        }
      }
      history.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt))
      credentials.push({
        id: row.credential_id ?? '',
        format: row.format,
        type: row.type,
        issuedAt: row.issued_at,
        state: row.state,
        ...(row.idempotency_key !== null ? { idempotencyKey: row.idempotency_key } : {}),
        ...(row.token !== null ? { token: row.token } : {}),
        status,
        history,
      })
    }
    return { subject, issuer, exportedAt: new Date().toISOString(), credentials }
  })
}

/**
 * Removes everything that names `subjectId` from the store and reclaims the space, so the
 * bytes are gone from the database files too (SQLite: secure_delete, VACUUM and a truncating
 * WAL checkpoint; PostgreSQL: VACUUM, after which the old row versions are free space).
 * Idempotent: erasing an unknown or already erased subject erases nothing.
 */
/** Rows erased per read: a subject with very many credentials is erased in bounded slices. */
const ERASE_PAGE = 100

export async function eraseSubject(
  store: Store<IssuerTables>,
  subjectId: unknown,
  hashId: (id: string) => string,
): Promise<EraseResult> {
  const subject = checkSubject(subjectId)
  // Per connection; the issuer's own SQLite store already has it on, a store passed in may not.
  if (store.dialect === 'sqlite') await sql`pragma secure_delete = ON`.execute(store.db)
  const erased = await store.transaction(async (trx) => {
    let erased = 0
    for (;;) {
      // In bounded pages: what revocation needs moves to the erased table under the HMAC of the
      // id, and the row (id, subject, key, token, issuance time, and its place among the others,
      // which would date it) is deleted.
      const rows = await trx
        .selectFrom('issuer_credentials')
        .select([
          'seq',
          'credential_id',
          'format',
          'type',
          'revocation_list',
          'revocation_idx',
          'suspension_list',
          'suspension_idx',
          'state',
        ])
        .where('subject', '=', subject)
        .limit(ERASE_PAGE)
        .execute()
      if (rows.length === 0) return erased
      await trx
        .insertInto('issuer_erased')
        .values(
          rows.map(({ seq: _, credential_id, ...residue }) => ({
            id_hash: hashId(credential_id),
            ...residue,
          })),
        )
        .execute()
      await trx
        .deleteFrom('issuer_credentials')
        .where(
          'seq',
          'in',
          rows.map((r) => r.seq),
        )
        .execute()
      erased += rows.length
    }
  })
  if (erased > 0) await store.vacuum()
  return { erased }
}

import type { MigrationSet } from '@civitas/store'
import type { Generated } from 'kysely'

/** The issuer's tables (namespace `issuer` of a @civitas/store database). */
export interface IssuerTables {
  /** One row per on-chain status list this issuer allocates from. */
  issuer_lists: {
    list_id: number
    purpose: string
    size: number
    /** Indices handed out so far; the list is full when it reaches `size`. */
    allocated: number
    full: number
    /** 1 once the list is known to exist on-chain (created or adopted). */
    on_chain: number
  }
  /** Every index ever handed out: the primary key makes a second holder of an index impossible. */
  issuer_allocations: {
    list_id: number
    idx: number
    /** HMAC of the credential id under the issuer's secret: survives erasure, names no one. */
    id_hash: string
  }
  issuer_credentials: {
    id_hash: string
    /** Personal data from here on: nulled by eraseSubject. */
    credential_id: string | null
    subject: string | null
    idempotency_key: string | null
    token: string | null
    format: string
    type: string
    issued_at: string
    revocation_list: number | null
    revocation_idx: number | null
    suspension_list: number | null
    suspension_idx: number | null
    /** 'active' | 'suspended' | 'revoked' */
    state: string
  }
  /** The durable queue of status changes; `done` once the receipt is in. */
  issuer_status_ops: {
    seq: Generated<number>
    list_id: number
    idx: number
    /** 'set' | 'clear' */
    op: string
    done: number
    tx_hash: string | null
    created_at: string
  }
  issuer_meta: { name: string; value: string }
}

export const issuerMigrations: MigrationSet = {
  namespace: 'issuer',
  steps: [
    {
      version: 1,
      name: 'status lists, allocations, credentials, status queue',
      async up(db, { dialect }) {
        await db.schema
          .createTable('issuer_lists')
          .addColumn('list_id', 'integer', (c) => c.primaryKey())
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('allocated', 'integer', (c) => c.notNull())
          .addColumn('full', 'integer', (c) => c.notNull())
          .addColumn('on_chain', 'integer', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('issuer_allocations')
          .addColumn('list_id', 'integer', (c) => c.notNull())
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('id_hash', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('issuer_allocations_pk', ['list_id', 'idx'])
          .execute()
        await db.schema
          .createTable('issuer_credentials')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('credential_id', 'text')
          .addColumn('subject', 'text')
          .addColumn('idempotency_key', 'text', (c) => c.unique())
          .addColumn('token', 'text')
          .addColumn('format', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'text', (c) => c.notNull())
          .addColumn('revocation_list', 'integer')
          .addColumn('revocation_idx', 'integer')
          .addColumn('suspension_list', 'integer')
          .addColumn('suspension_idx', 'integer')
          .addColumn('state', 'text', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('issuer_credentials_subject')
          .on('issuer_credentials')
          .column('subject')
          .execute()
        await db.schema
          .createTable('issuer_status_ops')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('list_id', 'integer', (c) => c.notNull())
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('op', 'text', (c) => c.notNull())
          .addColumn('done', 'integer', (c) => c.notNull())
          .addColumn('tx_hash', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('issuer_status_ops_pending')
          .on('issuer_status_ops')
          .columns(['done', 'seq'])
          .execute()
        await db.schema
          .createTable('issuer_meta')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute()
      },
    },
  ],
}

import { type MigrationSet, sql } from '@civitas/store'
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
  /**
   * Every index ever handed out, as a bitmap per block of {@link BLOCK_BITS} indices of a list
   * (bit set = taken; bit i of byte j is index block * BLOCK_BITS + 8j + i, most significant
   * bit first, as in a Bitstring Status List). A missing block has nothing taken. A group of
   * issuances rewrites a few small rows instead of inserting one randomly placed index entry
   * per credential (schema v2; v1 had a row per index).
   */
  issuer_list_blocks: {
    list_id: number
    block: number
    bits: Uint8Array
  }
  issuer_credentials: {
    /** Insertion order: new rows are appended, not placed at random. */
    seq: Generated<number>
    /** Personal data from here on (eraseSubject deletes the row). Time-ordered (UUIDv7) for new rows. */
    credential_id: string
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
  /**
   * What revocation needs of an erased credential, and nothing else: found by the HMAC of its
   * id under the issuer's secret (names no one), in no order that dates it (SQLite: WITHOUT
   * ROWID; the row it came from is deleted, so no insertion order sits next to issuance times).
   */
  issuer_erased: {
    id_hash: string
    format: string
    type: string
    revocation_list: number | null
    revocation_idx: number | null
    suspension_list: number | null
    suspension_idx: number | null
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

/** Indices per `issuer_list_blocks` row: 512 bytes, so a 131,072-entry list is 32 rows. */
export const BLOCK_BITS = 4096

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
    {
      version: 2,
      name: 'allocations as bitmaps; credentials appended in issuance order; erased credentials in a table of their own',
      async up(db, { dialect }) {
        // Why: v1 inserted two entries at random places per credential (the allocation's
        // (list, index) key and the credential's id-hash key), so every issuance dirtied two
        // B-tree pages of its own: most of the write volume and time of a group commit.
        const blob = dialect === 'postgres' ? 'bytea' : 'blob'
        await db.schema
          .createTable('issuer_list_blocks')
          .addColumn('list_id', 'integer', (c) => c.notNull())
          .addColumn('block', 'integer', (c) => c.notNull())
          .addColumn('bits', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('issuer_list_blocks_pk', ['list_id', 'block'])
          .execute()
        const blocks = new Map<string, { list_id: number; block: number; bits: Uint8Array }>()
        let after = { list: -1, idx: -1 }
        for (;;) {
          // Keyset pages: a large v1 table is read in bounded slices.
          const rows = await db
            .selectFrom('issuer_allocations')
            .select(['list_id', 'idx'])
            .where((eb) =>
              eb.or([
                eb('list_id', '>', after.list),
                eb.and([eb('list_id', '=', after.list), eb('idx', '>', after.idx)]),
              ]),
            )
            .orderBy('list_id')
            .orderBy('idx')
            .limit(10_000)
            .execute()
          if (rows.length === 0) break
          for (const row of rows) {
            const listId = Number(row.list_id)
            const idx = Number(row.idx)
            const block = Math.floor(idx / BLOCK_BITS)
            const key = `${listId}:${block}`
            let entry = blocks.get(key)
            if (!entry) {
              entry = { list_id: listId, block, bits: new Uint8Array(BLOCK_BITS / 8) }
              blocks.set(key, entry)
            }
            const bit = idx % BLOCK_BITS
            entry.bits[bit >> 3]! |= 0x80 >> (bit & 7)
          }
          const last = rows[rows.length - 1]!
          after = { list: Number(last.list_id), idx: Number(last.idx) }
        }
        const values = [...blocks.values()]
        for (let i = 0; i < values.length; i += 100) {
          await db
            .insertInto('issuer_list_blocks')
            .values(values.slice(i, i + 100).map((v) => ({ ...v, bits: Buffer.from(v.bits) })))
            .execute()
        }
        await db.schema.dropTable('issuer_allocations').execute()

        // A new table (SQLite cannot change a primary key), renamed into place once filled.
        await db.schema
          .createTable('issuer_credentials_v2')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
          .addColumn('credential_id', 'text', (c) => c.notNull().unique())
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
          .createTable('issuer_erased')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('format', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('revocation_list', 'integer')
          .addColumn('revocation_idx', 'integer')
          .addColumn('suspension_list', 'integer')
          .addColumn('suspension_idx', 'integer')
          .addColumn('state', 'text', (c) => c.notNull())
          .$call((table) => (dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table))
          .execute()
        const residue = [
          'id_hash',
          'format',
          'type',
          'revocation_list',
          'revocation_idx',
          'suspension_list',
          'suspension_idx',
          'state',
        ] as const
        // v1 rows erased already (id gone, HMAC kept) move to the erased table.
        await db
          .insertInto('issuer_erased')
          .columns(residue)
          .expression((eb) =>
            eb.selectFrom('issuer_credentials').select(residue).where('credential_id', 'is', null),
          )
          .execute()
        await db
          .insertInto('issuer_credentials_v2')
          .columns([
            'credential_id',
            'subject',
            'idempotency_key',
            'token',
            'format',
            'type',
            'issued_at',
            'revocation_list',
            'revocation_idx',
            'suspension_list',
            'suspension_idx',
            'state',
          ])
          .expression((eb) =>
            eb
              .selectFrom('issuer_credentials')
              .select([
                'credential_id',
                'subject',
                'idempotency_key',
                'token',
                'format',
                'type',
                'issued_at',
                'revocation_list',
                'revocation_idx',
                'suspension_list',
                'suspension_idx',
                'state',
              ])
              .where('credential_id', 'is not', null)
              .orderBy('issued_at'),
          )
          .execute()
        await db.schema.dropIndex('issuer_credentials_subject').execute()
        await db.schema.dropTable('issuer_credentials').execute()
        await db.schema.alterTable('issuer_credentials_v2').renameTo('issuer_credentials').execute()
        await db.schema
          .createIndex('issuer_credentials_subject')
          .on('issuer_credentials')
          .column('subject')
          .execute()
      },
    },
  ],
}

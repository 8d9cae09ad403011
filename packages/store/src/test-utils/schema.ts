import type { MigrationSet } from '../index.js'

/** Tables of the multi-process tests (created by the parent through a migration). */
export interface AllocationTables {
  slots: { id: number; owner: string | null }
  indices: { idx: number; owner: string }
  acks: { owner: string; n: number }
}

export const allocationMigrations: MigrationSet = {
  namespace: 'allocation-test',
  steps: [
    {
      version: 1,
      name: 'pools and acknowledgements',
      async up(db) {
        await db.schema
          .createTable('slots')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('owner', 'text')
          .execute()
        await db.schema
          .createTable('indices')
          .addColumn('idx', 'integer', (c) => c.primaryKey())
          .addColumn('owner', 'text', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('acks')
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('n', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('acks_pk', ['owner', 'n'])
          .execute()
      },
    },
  ],
}

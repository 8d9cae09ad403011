import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isCivitasError } from '@civitas/core/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIGRATIONS_TABLE, type MigrationStep, openStore, sql } from './index.js'
import { startTestPostgres, type TestPostgres } from './testing/index.js'

let postgres: TestPostgres
let dir: string
beforeAll(async () => {
  ;[postgres, dir] = await Promise.all([startTestPostgres(), mkdtemp(join(tmpdir(), 'civitas-migrations-'))])
})
afterAll(async () => {
  await Promise.all([postgres?.stop(), dir && rm(dir, { recursive: true, force: true })])
})

const dialects = [
  ['sqlite', async () => `sqlite:${join(dir, `${crypto.randomUUID()}.db`)}`],
  ['postgres', async () => await postgres.createDatabase()],
] as const

// Step 1 creates a table, step 2 adds a column and fills it: a schema and a data migration.
const createCredentials: MigrationStep = {
  version: 1,
  name: 'create credentials',
  async up(db) {
    await db.schema
      .createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('format', 'text', (c) => c.notNull())
      .execute()
  },
}
const addStatus: MigrationStep = {
  version: 2,
  name: 'add status',
  async up(db, { dialect }) {
    expect(['sqlite', 'postgres']).toContain(dialect)
    await db.schema.alterTable('credentials').addColumn('status', 'text').execute()
    await db.updateTable('credentials').set({ status: 'valid' }).execute()
  },
}

describe.each(dialects)('migrations on %s', (_dialect, newDatabase) => {
  it('brings a fresh database to the latest version and records every step', async () => {
    const url = await newDatabase()
    const store = await openStore(url, {
      migrations: { namespace: 'issuer', steps: [createCredentials, addStatus] },
    })
    expect(await store.version('issuer')).toBe(2)
    await store.db.insertInto('credentials').values({ id: 'c1', format: 'vc+jwt', status: 'valid' }).execute()
    const recorded = await store.db
      .selectFrom(MIGRATIONS_TABLE)
      .select(['namespace', 'version', 'name'])
      .orderBy('version')
      .execute()
    expect(recorded).toEqual([
      { namespace: 'issuer', version: 1, name: 'create credentials' },
      { namespace: 'issuer', version: 2, name: 'add status' },
    ])
    await store.close()
  })

  it('upgrades a database from an older version, keeping its rows', async () => {
    const url = await newDatabase()
    const v1 = await openStore(url, { migrations: { namespace: 'issuer', steps: [createCredentials] } })
    await v1.db.insertInto('credentials').values({ id: 'c1', format: 'jwt_vc_json' }).execute()
    await v1.close()

    const v2 = await openStore(url)
    const result = await v2.migrate({ namespace: 'issuer', steps: [createCredentials, addStatus] })
    expect(result).toEqual({ namespace: 'issuer', from: 1, to: 2 })
    expect(await v2.db.selectFrom('credentials').selectAll().execute()).toEqual([
      { id: 'c1', format: 'jwt_vc_json', status: 'valid' },
    ])
    // Already current: nothing to do.
    expect(await v2.migrate({ namespace: 'issuer', steps: [createCredentials, addStatus] })).toEqual({
      namespace: 'issuer',
      from: 2,
      to: 2,
    })
    await v2.close()
  })

  it('refuses a database newer than the code with STORE_VERSION_UNSUPPORTED, changing nothing', async () => {
    const url = await newDatabase()
    const newer = await openStore(url, {
      migrations: { namespace: 'wallet', steps: [createCredentials, addStatus] },
    })
    await newer.close()

    const error = await openStore(url, {
      migrations: { namespace: 'wallet', steps: [createCredentials] },
    }).catch((e: unknown) => e)
    expect(isCivitasError(error, 'STORE_VERSION_UNSUPPORTED')).toBe(true)
    expect((error as { details: unknown }).details).toEqual({
      namespace: 'wallet',
      databaseVersion: 2,
      codeVersion: 1,
    })

    const check = await openStore(url)
    expect(await check.version('wallet')).toBe(2)
    await check.close()
  })

  it('keeps namespaces apart: the wallet and the issuer version independently in one database', async () => {
    const url = await newDatabase()
    const walletStep: MigrationStep = {
      version: 1,
      name: 'create wallet records',
      async up(db) {
        await db.schema
          .createTable('wallet_records')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .execute()
      },
    }
    const store = await openStore(url, {
      migrations: [
        { namespace: 'issuer', steps: [createCredentials, addStatus] },
        { namespace: 'wallet', steps: [walletStep] },
      ],
    })
    expect([
      await store.version('issuer'),
      await store.version('wallet'),
      await store.version('other'),
    ]).toEqual([2, 1, 0])
    await store.close()
  })

  it('a failing step leaves the database at the previous whole version (STORE_MIGRATION_FAILED)', async () => {
    const url = await newDatabase()
    const broken: MigrationStep = {
      version: 2,
      name: 'half done',
      async up(db) {
        await db.schema.createTable('half').addColumn('id', 'integer').execute()
        throw new Error('disk on fire')
      },
    }
    const error = await openStore(url, {
      migrations: { namespace: 'issuer', steps: [createCredentials, broken] },
    }).catch((e: unknown) => e)
    expect(isCivitasError(error, 'STORE_MIGRATION_FAILED')).toBe(true)
    expect((error as { details: unknown }).details).toEqual({
      namespace: 'issuer',
      version: 2,
      name: 'half done',
    })

    const store = await openStore(url)
    expect(await store.version('issuer')).toBe(1)
    // The table of the failed step was rolled back with it.
    await expect(sql`select * from half`.execute(store.db)).rejects.toMatchObject({
      code: 'STORE_QUERY_FAILED',
    })
    await store.close()
  })

  it('several stores opening one fresh database at once apply each step exactly once', async () => {
    const url = await newDatabase()
    let applied = 0
    const counted: MigrationStep = {
      ...createCredentials,
      async up(db, context) {
        applied++
        await createCredentials.up(db, context)
      },
    }
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        openStore(url, { migrations: { namespace: 'issuer', steps: [counted] } }),
      ),
    )
    expect(applied).toBe(1)
    await Promise.all(stores.map((store) => store.close()))
  })
})

describe('migration sets are checked before anything runs', () => {
  it.each([
    ['a namespace with capitals', { namespace: 'Issuer', steps: [] }],
    ['versions out of order', { namespace: 'issuer', steps: [{ ...createCredentials, version: 2 }] }],
    ['a step without up', { namespace: 'issuer', steps: [{ version: 1, name: 'x' }] }],
    ['a step without a name', { namespace: 'issuer', steps: [{ version: 1, name: '', up: async () => {} }] }],
    ['steps that are not an array', { namespace: 'issuer', steps: {} }],
  ])('refuses %s with INVALID_ARGUMENT', async (_name, set) => {
    const error = await openStore('sqlite::memory:', { migrations: set as never }).catch((e: unknown) => e)
    expect(isCivitasError(error, 'INVALID_ARGUMENT')).toBe(true)
  })
})

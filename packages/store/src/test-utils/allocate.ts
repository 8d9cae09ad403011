// Child process of the concurrency tests: allocates `count` resources from the shared
// pools through store.transaction and acknowledges each one on stdout once committed.
// Usage: allocate.ts <store-url> <owner> <count> <index-space>
import { randomInt } from 'node:crypto'
import { openStore } from '../index.js'
import type { AllocationTables } from './schema.js'

const [url, owner, countArg, spaceArg] = process.argv.slice(2)
const count = Number(countArg)
const space = Number(spaceArg)
const store = await openStore<AllocationTables>(url!, { transactionAttempts: 200 })
for (let i = 0; i < count; i++) {
  const { slot, index } = await store.transaction(async (trx) => {
    // A free slot at random. The update is guarded by nothing but the transaction's
    // isolation: two transactions that both saw the slot free must not both claim it.
    const free = await trx.selectFrom('slots').select('id').where('owner', 'is', null).execute()
    if (free.length === 0) throw new Error('the slot pool is exhausted')
    const slot = free[randomInt(free.length)]!.id
    await trx.updateTable('slots').set({ owner: owner! }).where('id', '=', slot).execute()
    // A random index drawn without replacement: the issuer's status-index pattern.
    for (;;) {
      const index = randomInt(space)
      const taken = await trx.selectFrom('indices').select('idx').where('idx', '=', index).executeTakeFirst()
      if (taken) continue
      await trx.insertInto('indices').values({ idx: index, owner: owner! }).execute()
      return { slot, index }
    }
  })
  console.log(`ack ${slot} ${index}`)
}
await store.close()

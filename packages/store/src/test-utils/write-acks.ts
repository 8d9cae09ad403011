// Child process of the durability tests: commits one row per transaction, forever, and
// prints `ack <n>` after each commit; the parent kills it with SIGKILL at some point.
// Usage: write-acks.ts <store-url> <owner>
import { openStore } from '../index.js'
import type { AllocationTables } from './schema.js'

const [url, owner] = process.argv.slice(2)
const store = await openStore<AllocationTables>(url!)
for (let n = 1; ; n++) {
  await store.transaction(async (trx) => {
    await trx.insertInto('acks').values({ owner: owner!, n }).execute()
  })
  console.log(`ack ${n}`)
}

// Interop: Bitstring Status Lists we encode decode with Digital Bazaar's
// @digitalbazaar/vc-bitstring-status-list (and theirs with us), bit for bit.

import {
  BITSTRING_STATUS_LIST_MIN_ENTRIES,
  decodeBitstringStatusList,
  encodeBitstringStatusList,
} from '@civitas/core'
import { BitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list'
import { describe, expect, it } from 'vitest'

const REVOKED = [0, 1, 7, 8, 4095, 99_999, 131_071]

describe('interop: Bitstring Status List with @digitalbazaar/vc-bitstring-status-list', () => {
  it('our encodedList decodes with theirs', async () => {
    const statuses = new Uint8Array(BITSTRING_STATUS_LIST_MIN_ENTRIES)
    for (const i of REVOKED) statuses[i] = 1
    const theirs = await BitstringStatusList.decode({ encodedList: encodeBitstringStatusList(statuses) })
    expect(theirs.length).toBe(BITSTRING_STATUS_LIST_MIN_ENTRIES)
    for (let i = 0; i < statuses.length; i++) {
      if (theirs.getStatus(i) !== (statuses[i] === 1)) throw new Error(`index ${i} differs`)
    }
  })

  it('their encodedList decodes with ours', async () => {
    const list = new BitstringStatusList({ length: BITSTRING_STATUS_LIST_MIN_ENTRIES })
    for (const i of REVOKED) list.setStatus(i, true)
    const ours = decodeBitstringStatusList(await list.encode())
    expect(ours.length).toBe(BITSTRING_STATUS_LIST_MIN_ENTRIES)
    for (let i = 0; i < ours.length; i++) {
      if (ours.get(i) !== (REVOKED.includes(i) ? 1 : 0)) throw new Error(`index ${i} differs`)
    }
  })
})

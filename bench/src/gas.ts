/**
 * Gas of every registry write on a local anvil, next to its theoretical floor: what the EVM
 * charges at least for the same calldata and the state changes the operation cannot avoid
 * (Cancun/Prague prices). ERC-1056's original EthereumDIDRegistry runs the same calls in the
 * same chain for comparison. Run: `pnpm run build && node bench/dist/gas.js`.
 */
import {
  createDidRegistryClient,
  createSchemaRegistryClient,
  createStatusRegistryClient,
  createTrustedIssuersRegistryClient,
  type WriteResult,
} from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { ContractFactory, getBytes, id as keccakUtf8, type Wallet } from 'ethers'
import { EthereumDIDRegistry } from 'ethr-did-resolver'
import { markdownTable } from './measure.js'

// EVM prices (EIP-2929 cold access, EIP-2200/3529 SSTORE, yellow paper LOG).
const TX = 21_000
const COLD_SLOAD = 2_100
/** 0 -> non-zero on a cold slot. */
const SSTORE_NEW = 22_100
/** non-zero -> non-zero on a cold slot. */
const SSTORE_UPDATE = 5_000
/** non-zero -> non-zero on a slot already read in this transaction. */
const SSTORE_WARM_UPDATE = 2_900
const ECRECOVER = 3_000
const log = (topics: number, dataBytes: number) => 375 + 375 * topics + 8 * dataBytes

/** Storage slots a Solidity string of `length` bytes occupies (short strings share their length slot). */
const stringSlots = (value: string) => {
  const length = new TextEncoder().encode(value).length
  return length <= 31 ? 1 : 1 + Math.ceil(length / 32)
}

function calldataGas(data: string): number {
  let gas = 0
  for (const byte of getBytes(data)) gas += byte === 0 ? 4 : 16
  return gas
}

interface Row {
  contract: string
  write: string
  gas: bigint
  floor: number
  /** What the floor counts besides the transaction and its calldata. */
  floorNote: string
  per?: number
}

const rows: Row[] = []

async function record(
  chain: LocalChain,
  contract: string,
  write: string,
  result: WriteResult,
  extra: number,
  floorNote: string,
  per?: number,
): Promise<void> {
  const tx = await chain.provider.getTransaction(result.hash)
  const floor = TX + calldataGas(tx!.data) + extra
  rows.push({ contract, write, gas: result.gasUsed, floor, floorNote, ...(per ? { per } : {}) })
}

/** The goals, checked against this run (printed, never asserted in tests). */
function goals(measured: readonly Row[]): void {
  const gas = (contract: string, write: string) =>
    measured.find((r) => r.contract === contract && r.write === write)!
  const fresh = gas('StatusRegistry', 'set: 1 revocation, fresh word')
  const touched = gas('StatusRegistry', 'set: 1 revocation, touched word')
  const full = gas('StatusRegistry', 'setMasks: 256 revocations in 1 fresh word')
  const ours = gas('DIDRegistry', 'setAttribute')
  const theirs = gas('ERC-1056 (original)', 'setAttribute')
  const pct = (value: bigint, floor: number) => `${(((Number(value) - floor) / floor) * 100).toFixed(1)}%`
  const lines = [
    [
      'single revocation, fresh word',
      `${fresh.gas}`,
      '<= 1.1 × 46,200',
      pct(fresh.gas, 46_200),
      Number(fresh.gas) <= 1.1 * 46_200,
    ],
    [
      'single revocation, touched word',
      `${touched.gas}`,
      '<= 1.1 × 29,100',
      pct(touched.gas, 29_100),
      Number(touched.gas) <= 1.1 * 29_100,
    ],
    [
      '256 revocations in one word, per entry',
      `${Math.round(Number(full.gas) / 256)}`,
      '<= 250',
      '',
      Number(full.gas) / 256 <= 250,
    ],
    [
      'setAttribute',
      `${ours.gas}`,
      `<= ERC-1056's 34,700 (measured here: ${Number(theirs.gas).toLocaleString('en-US')})`,
      '',
      ours.gas <= 34_700n && ours.gas <= theirs.gas,
    ],
  ] as const
  console.log('')
  console.log(
    markdownTable(
      ['goal', 'gas', 'target', 'over the issue floor', 'met'],
      lines.map(([goal, value, target, over, met]) => [
        goal,
        Number(value).toLocaleString('en-US'),
        target,
        over,
        met ? 'yes' : 'NO',
      ]),
    ),
  )
}

async function main(): Promise<void> {
  const chain = await startLocalChain({ accounts: 8 })
  try {
    const [gov, issuer, operator, ministry, agency, university, holderless, other] =
      chain.wallets as Wallet[] as [Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet]
    const now = async () => (await chain.provider.getBlock('latest'))!.timestamp

    // ── StatusRegistry ────────────────────────────────────────────────────
    const status = createStatusRegistryClient(chain.contracts.StatusRegistry, issuer)
    const asOperator = createStatusRegistryClient(chain.contracts.StatusRegistry, operator)
    const wordLog = log(3, 64)
    await record(
      chain,
      'StatusRegistry',
      'createList (revocation, 131,072)',
      await status.createList(1, 'revocation'),
      SSTORE_NEW + log(3, 64),
      '1 new slot + event',
    )
    await status.createList(2, 'suspension')
    await record(
      chain,
      'StatusRegistry',
      'setDelegate',
      await status.setDelegate(operator.address, (await now()) + 86_400),
      SSTORE_NEW + log(3, 32),
      '1 new slot + event',
    )
    await record(
      chain,
      'StatusRegistry',
      'set: 1 revocation, fresh word',
      await status.set(issuer.address, 1, 1000),
      SSTORE_NEW + wordLog,
      'new word + event',
    )
    await record(
      chain,
      'StatusRegistry',
      'set: 1 revocation, touched word',
      await status.set(issuer.address, 1, 1001),
      SSTORE_UPDATE + wordLog,
      'word update + event',
    )
    await record(
      chain,
      'StatusRegistry',
      'set by a delegate, touched word',
      await asOperator.set(issuer.address, 1, 1002),
      COLD_SLOAD + SSTORE_UPDATE + wordLog,
      'delegate read + word update + event',
    )
    await status.update(issuer.address, 2, { set: [5, 6] })
    await record(
      chain,
      'StatusRegistry',
      'clear: lift 1 suspension',
      await status.clear(issuer.address, 2, 5),
      SSTORE_UPDATE + wordLog,
      'word update + event',
    )
    const oneWord = Array.from({ length: 256 }, (_, k) => 2048 + k)
    const [full] = await status.update(issuer.address, 1, { set: oneWord })
    await record(
      chain,
      'StatusRegistry',
      'setMasks: 256 revocations in 1 fresh word',
      full!,
      SSTORE_NEW + wordLog,
      'new word + event',
      256,
    )
    const spread = Array.from({ length: 128 }, (_, k) => 4096 + k * 256 + 17)
    const [wide] = await status.update(issuer.address, 1, { set: spread })
    await record(
      chain,
      'StatusRegistry',
      'setMasks: 128 revocations in 128 fresh words',
      wide!,
      128 * (SSTORE_NEW + wordLog),
      '128 × (new word + event)',
      128,
    )
    const spreadTouched = spread.map((i) => i + 1)
    const [wideTouched] = await status.update(issuer.address, 1, { set: spreadTouched })
    await record(
      chain,
      'StatusRegistry',
      'setMasks: 128 revocations in 128 touched words',
      wideTouched!,
      128 * (SSTORE_UPDATE + wordLog),
      '128 × (word update + event)',
      128,
    )

    // ── DIDRegistry, next to ERC-1056's EthereumDIDRegistry ───────────────
    const erc1056 = await new ContractFactory(
      EthereumDIDRegistry.abi,
      EthereumDIDRegistry.bytecode,
      gov,
    ).deploy()
    await erc1056.waitForDeployment()
    const erc1056Address = await erc1056.getAddress()
    const key = '0x02b97c30de767f084ce3080168ee293053ba33b235d7116a3263d29f1450936b71'
    const name = 'did/pub/Secp256k1/veriKey/hex'
    const year = 365 * 86_400
    // DIDAttributeChanged: 2 topics; name, offset, validTo, previousChange, length, 33 bytes padded to 64.
    const attributeLog = log(2, 32 * 5 + 64)
    const delegateLog = log(2, 32 * 4)
    const ownerLog = log(2, 64)
    for (const [label, address, oneSlot] of [
      ['DIDRegistry', chain.contracts.DIDRegistry, true],
      ['ERC-1056 (original)', erc1056Address, false],
    ] as const) {
      const did = createDidRegistryClient(address, university)
      // ERC-1056 keeps owner and `changed` in two slots; ours packs them, so one cold access.
      const identityReads = oneSlot ? COLD_SLOAD : 2 * COLD_SLOAD
      const first = await did.setAttribute(university.address, name, key, year)
      await record(
        chain,
        label,
        'setAttribute, first change of the identity',
        first,
        identityReads - COLD_SLOAD + SSTORE_NEW + attributeLog,
        'changed: new slot + event',
      )
      await chain.provider.send('evm_mine', [])
      await record(
        chain,
        label,
        'setAttribute',
        await did.setAttribute(university.address, name, key, year),
        identityReads + SSTORE_WARM_UPDATE + attributeLog,
        'identity read + changed update + event',
      )
      await record(
        chain,
        label,
        'revokeAttribute',
        await did.revokeAttribute(university.address, name, key),
        identityReads + SSTORE_WARM_UPDATE + log(2, 32 * 5 + 64),
        'identity read + changed update + event',
      )
      await record(
        chain,
        label,
        'addDelegate',
        await did.addDelegate(university.address, 'veriKey', operator.address, year),
        identityReads + SSTORE_NEW + SSTORE_WARM_UPDATE + delegateLog,
        'new delegate slot + changed update + event',
      )
      await record(
        chain,
        label,
        'revokeDelegate',
        await did.revokeDelegate(university.address, 'veriKey', operator.address),
        identityReads + SSTORE_UPDATE + SSTORE_WARM_UPDATE + delegateLog,
        'delegate update + changed update + event',
      )
      const mover = createDidRegistryClient(address, other)
      await record(
        chain,
        label,
        'changeOwner (fresh identity)',
        await mover.changeOwner(other.address, holderless.address),
        oneSlot ? SSTORE_NEW + ownerLog : 2 * SSTORE_NEW + ownerLog,
        oneSlot ? 'identity: new slot + event' : 'owner + changed: new slots + event',
      )
    }
    const did = createDidRegistryClient(chain.contracts.DIDRegistry, gov)
    const deadline = (await now()) + 3600
    const op = {
      type: 'SetAttribute' as const,
      identity: university.address,
      name,
      value: key,
      validity: year,
    }
    await record(
      chain,
      'DIDRegistry',
      'setAttributeSigned (relayed, first nonce)',
      await did.submitSigned(op, await did.sign(university, op, { deadline })),
      COLD_SLOAD + SSTORE_WARM_UPDATE + ECRECOVER + SSTORE_NEW + attributeLog,
      'identity + ecrecover + nonce: new slot + event',
    )
    await record(
      chain,
      'DIDRegistry',
      'deactivate',
      await createDidRegistryClient(chain.contracts.DIDRegistry, university).deactivate(university.address),
      SSTORE_UPDATE + ownerLog,
      'identity update + event',
    )

    // ── TrustedIssuersRegistry ────────────────────────────────────────────
    const tir = (w: Wallet) => createTrustedIssuersRegistryClient(chain.contracts.TrustedIssuersRegistry, w)
    const doc = { documentHash: keccakUtf8('decision'), documentUri: 'https://tao.example/a/17.pdf' }
    // A record: array length, 2 packed slots, document hash, URI, types length, 1 type, and
    // the accreditor's record count for the subject (the per-accreditor bound).
    const recordSlots = 7 + stringSlots(doc.documentUri)
    const accreditedLog = log(3, 96)
    const root = await tir(gov).appointRootTao(ministry.address, { types: ['VerifiableDiploma'], ...doc })
    await record(
      chain,
      'TrustedIssuersRegistry',
      'appointRootTao (1 type)',
      root,
      recordSlots * SSTORE_NEW + COLD_SLOAD + accreditedLog,
      `owner read + ${recordSlots} new slots + event`,
    )
    const tao = await tir(ministry).accredit(agency.address, 'TAO', 0, {
      types: ['VerifiableDiploma'],
      validUntil: (await now()) + year,
      ...doc,
    })
    // Parent reads: records length, role/depth slot, window slot, types length, 1 type.
    await record(
      chain,
      'TrustedIssuersRegistry',
      'accredit (TAO, 1 type)',
      tao,
      recordSlots * SSTORE_NEW + 5 * COLD_SLOAD + accreditedLog,
      `parent: 5 reads + ${recordSlots} new slots + event`,
    )
    const ti = await tir(agency).accredit(university.address, 'TrustedIssuer', 0, {
      types: ['VerifiableDiploma'],
      validUntil: (await now()) + 1000,
      ...doc,
    })
    // Every hop above the accreditor must be live too: the Root TAO's records length,
    // role/accreditor slot and window/revocation slot on top of the parent's 5 reads.
    await record(
      chain,
      'TrustedIssuersRegistry',
      'accredit (Trusted Issuer under a TAO, 1 type)',
      ti,
      recordSlots * SSTORE_NEW + 8 * COLD_SLOAD + accreditedLog,
      `parent: 5 reads + root: 3 reads + ${recordSlots} new slots + event`,
    )
    await record(
      chain,
      'TrustedIssuersRegistry',
      'revoke',
      await tir(agency).revoke(university.address, 0),
      2 * COLD_SLOAD + SSTORE_UPDATE + log(3, 64),
      '2 reads + 1 update + event',
    )
    await record(
      chain,
      'TrustedIssuersRegistry',
      'transferOwnership',
      await tir(gov).transferOwnership(other.address),
      COLD_SLOAD + SSTORE_NEW + log(3, 0),
      'owner read + 1 new slot + event',
    )

    // ── SchemaRegistry ────────────────────────────────────────────────────
    const schemas = createSchemaRegistryClient(chain.contracts.SchemaRegistry, issuer)
    const uri1 = 'https://s.example/diploma/1.json'
    const uri2 = 'https://s.example/diploma/2.json'
    // SchemaVersionAdded: 4 topics; hash, URI offset, URI length, URI padded to 32-byte words.
    const schemaLog = log(4, 96 + 32 * Math.ceil(uri1.length / 32))
    // A version: hash, URI, publisher + time; plus publisherOf and the array length when new.
    const versionSlots = 2 + stringSlots(uri1)
    await record(
      chain,
      'SchemaRegistry',
      'addVersion (new schema)',
      await schemas.addVersion('diploma', keccakUtf8('v1'), uri1),
      (versionSlots + 2) * SSTORE_NEW + schemaLog,
      `${versionSlots + 2} new slots + event`,
    )
    await record(
      chain,
      'SchemaRegistry',
      'addVersion (next version)',
      await schemas.addVersion('diploma', keccakUtf8('v2'), uri2),
      COLD_SLOAD + SSTORE_UPDATE + versionSlots * SSTORE_NEW + schemaLog,
      `publisher read + length update + ${versionSlots} new slots + event`,
    )
  } finally {
    await chain.stop()
  }

  const fmt = (n: number | bigint) => Number(n).toLocaleString('en-US')
  console.log(
    markdownTable(
      [
        'contract',
        'write',
        'gas',
        'floor',
        'over floor',
        'per entry',
        'floor counts (besides 21,000 + calldata)',
      ],
      rows.map((r) => [
        r.contract,
        r.write,
        fmt(r.gas),
        fmt(r.floor),
        `${(((Number(r.gas) - r.floor) / r.floor) * 100).toFixed(1)}%`,
        r.per ? fmt(Math.round(Number(r.gas) / r.per)) : '',
        r.floorNote,
      ]),
    ),
  )
  goals(rows)
}

await main()

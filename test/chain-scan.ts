/**
 * The GDPR scan of a chain: every block header, every transaction (input data, from, to) and
 * every log (topics, data), searched for personal values in every encoding they could take
 * on-chain — raw bytes, UTF-8 text, hex text with and without 0x, base64url — and for their
 * SHA-256 and keccak-256 hashes in the same encodings.
 */
import { createHash } from 'node:crypto'
import { base64urlDecode, base64urlEncode, type Jwk } from '@civitas/core'
import type { PersonalData } from '@civitas/example-story-kit'
import { getAddress, type JsonRpcProvider, keccak256 } from 'ethers'

/** One thing to look for: what it is (for the failure message) and its bytes as lowercase hex. */
export interface Needle {
  label: string
  hex: string
}

/** One place on the chain, as lowercase hex without 0x. */
export interface Haystack {
  where: string
  hex: string
}

export interface Hit {
  where: string
  label: string
}

/** Strings shorter than this are not searched: 3 bytes match random calldata by chance (2^-24 per offset). */
export const MIN_TEXT_BYTES = 4

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const utf8 = (text: string) => new TextEncoder().encode(text)
const strip0x = (hex: string) => (hex.startsWith('0x') ? hex.slice(2) : hex).toLowerCase()

/** The forms a byte string can take on-chain: raw, and as hex / 0x-hex / base64url text. */
function binaryForms(label: string, bytes: Uint8Array): Needle[] {
  const hex = hexOf(bytes)
  return [
    { label: `${label} (bytes)`, hex },
    { label: `${label} (hex text)`, hex: hexOf(utf8(hex)) },
    { label: `${label} (0x-hex text)`, hex: hexOf(utf8(`0x${hex}`)) },
    { label: `${label} (base64url text)`, hex: hexOf(utf8(base64urlEncode(bytes))) },
  ]
}

/** A value, and its SHA-256 and keccak-256, in every form. */
function withHashes(label: string, bytes: Uint8Array, asText?: string): Needle[] {
  const sha = new Uint8Array(createHash('sha256').update(bytes).digest())
  const keccak = Buffer.from(strip0x(keccak256(bytes)), 'hex')
  return [
    ...(asText === undefined ? binaryForms(label, bytes) : [{ label: `${label} (text)`, hex: hexOf(bytes) }]),
    ...binaryForms(`sha256 of ${label}`, sha),
    ...binaryForms(`keccak256 of ${label}`, keccak),
  ]
}

function textNeedles(label: string, text: string): Needle[] {
  const bytes = utf8(text)
  if (bytes.length < MIN_TEXT_BYTES) return []
  return withHashes(
    `${label} ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}`,
    bytes,
    text,
  )
}

/** An Ethereum-style address of an EC public point: keccak-256 of x || y, last 20 bytes. */
function addressOf(x: Uint8Array, y: Uint8Array): string {
  return getAddress(`0x${strip0x(keccak256(Buffer.concat([x, y]))).slice(24)}`)
}

function keyNeedles(jwk: Jwk): Needle[] {
  const needles: Needle[] = []
  const x = base64urlDecode(jwk.x as string)
  const name = `holder key ${jwk.crv} x=${(jwk.x as string).slice(0, 10)}…`
  needles.push(...textNeedles(`${name}: JWK x`, jwk.x as string), ...withHashes(`${name}: x`, x))
  if (typeof jwk.y === 'string') {
    const y = base64urlDecode(jwk.y)
    const prefix = (y[y.length - 1]! & 1) === 0 ? 0x02 : 0x03
    needles.push(
      ...textNeedles(`${name}: JWK y`, jwk.y),
      ...withHashes(`${name}: y`, y),
      ...withHashes(`${name}: uncompressed point`, Buffer.concat([Buffer.from([0x04]), x, y])),
      ...withHashes(`${name}: compressed point`, Buffer.concat([Buffer.from([prefix]), x])),
      ...withHashes(`${name}: x || y`, Buffer.concat([x, y])),
    )
    const address = addressOf(x, y)
    needles.push(
      ...withHashes(`${name}: address ${address}`, Buffer.from(strip0x(address), 'hex')),
      ...textNeedles(`${name}: checksummed address`, address),
    )
  }
  return needles
}

/** Everything to look for, from a story's register of personal data. */
export function needlesOf(data: PersonalData): Needle[] {
  const needles: Needle[] = []
  for (const did of data.dids) needles.push(...textNeedles('holder DID', did))
  for (const jwk of data.publicJwks) needles.push(...keyNeedles(jwk))
  for (const id of data.credentialIds) needles.push(...textNeedles('credential id', id))
  for (const token of data.tokens) needles.push(...textNeedles('credential or presentation', token))
  for (const value of data.claimValues) {
    if (typeof value === 'string') needles.push(...textNeedles('claim value', value))
  }
  return needles
}

/** Every block header, transaction and log of the chain, as hex. */
export async function readWholeChain(provider: JsonRpcProvider): Promise<Haystack[]> {
  const latest = Number(await provider.send('eth_blockNumber', []))
  const hay: Haystack[] = []
  for (let n = 0; n <= latest; n++) {
    const block = await provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
    const { transactions, ...header } = block as { transactions: Record<string, string>[] }
    hay.push({ where: `block ${n} header`, hex: hexOf(utf8(JSON.stringify(header))).toLowerCase() })
    hay.push({
      where: `block ${n} header (values)`,
      hex: Object.values(header)
        .filter((v) => typeof v === 'string')
        .map(strip0x)
        .join('|'),
    })
    for (const tx of transactions) {
      const where = `tx ${tx.hash} (block ${n})`
      hay.push({ where: `${where} input`, hex: strip0x(tx.input ?? tx.data ?? '') })
      hay.push({ where: `${where} from/to`, hex: `${strip0x(tx.from ?? '')}|${strip0x(tx.to ?? '')}` })
    }
  }
  const logs = (await provider.send('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }])) as {
    transactionHash: string
    logIndex: string
    topics: string[]
    data: string
    address: string
  }[]
  for (const log of logs) {
    hay.push({
      where: `log ${Number(log.logIndex)} of tx ${log.transactionHash}`,
      hex: [...log.topics, log.data].map(strip0x).join('|'),
    })
  }
  return hay
}

/** Needle occurrences at byte boundaries (an even hex offset). */
export function scan(hay: readonly Haystack[], needles: readonly Needle[]): Hit[] {
  const hits: Hit[] = []
  for (const place of hay) {
    for (const needle of needles) {
      let at = place.hex.indexOf(needle.hex)
      while (at !== -1 && at % 2 !== 0) at = place.hex.indexOf(needle.hex, at + 1)
      if (at !== -1) hits.push({ where: place.where, label: needle.label })
    }
  }
  return hits
}

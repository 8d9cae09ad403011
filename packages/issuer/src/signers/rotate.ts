import {
  base64urlDecode,
  CivitasError,
  createResolver,
  describeValue,
  isRecord,
  type Jwk,
  publicJwkFromVerificationMethod,
  type Signer,
} from '@civitas/core'
import type { DidRegistryClient, RegistryManifest } from '@civitas/registry-contracts'
import type { Store } from '@civitas/store'
import { computeAddress, getAddress, type Provider } from 'ethers'
import type { IssuerTables } from '../schema.js'

/**
 * Key rotation on a did:ethr issuer (ERC-1056 attributes on Civitas' DIDRegistry): publish the
 * new key as an attribute, find the DID URL the resolver gives it, sign with it from then on,
 * and revoke the old key once the grace period is over. The retirement is a row in the store
 * (`issuer_meta`), sent by `retireDueKeys()` (run with the flush timer), so a restart does not
 * forget it. It is not done by re-setting the old attribute with `validity = grace`: a
 * did:ethr document numbers keys by event, so a re-set key gets a new `#delegate-N` and every
 * token signed with its old kid during the grace period would fail (KEY_NOT_FOUND).
 * Credentials signed before keep verifying with the key valid at their issuance (a verifier's
 * `keyTime: 'issuance'`); anything the old key signs after its end does not.
 */
export type EthrKeyPurpose = 'veriKey' | 'sigAuth'

export interface RotateKeyOptions {
  /** The next signing key. Its `publicJwk` is required (secp256k1 or Ed25519: what did:ethr carries). */
  newSigner: Signer
  /** How long the old key stays valid, in seconds; 0 revokes it now. */
  gracePeriodSeconds: number
  /** How long the new key is valid, in seconds. Default 10 years. */
  validitySeconds?: number
  /** Default `veriKey` (assertionMethod). */
  purpose?: EthrKeyPurpose
}

export interface RotateKeyResult {
  /** The DID URL the issuer signs with from now on. */
  kid: string
  /** The kid that was retired. */
  previousKid: string | undefined
  /** When the old key is due for revocation (seconds since the epoch); `retireDueKeys()` sends it then. */
  oldKeyValidUntil: number
  transactions: string[]
}

const TEN_YEARS = 10 * 365 * 86_400
const MAX_VALIDITY = 100 * 365 * 86_400

/** The ERC-1056 attribute that publishes `publicJwk`: `did/pub/<type>/<purpose>/<encoding>`. */
export function ethrKeyAttribute(
  publicJwk: Jwk,
  purpose: EthrKeyPurpose = 'veriKey',
): { name: string; value: string } {
  if (!isRecord(publicJwk)) throw new CivitasError('INVALID_ARGUMENT', 'publicJwk must be a JWK')
  if (purpose !== 'veriKey' && purpose !== 'sigAuth') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `purpose must be veriKey or sigAuth, got ${describeValue(purpose)}`,
    )
  }
  const hex = (member: unknown) =>
    Buffer.from(base64urlDecode(String(member ?? ''), 'JWK coordinate')).toString('hex')
  if (publicJwk.kty === 'EC' && publicJwk.crv === 'secp256k1') {
    return { name: `did/pub/Secp256k1/${purpose}/hex`, value: `0x04${hex(publicJwk.x)}${hex(publicJwk.y)}` }
  }
  if (publicJwk.kty === 'OKP' && publicJwk.crv === 'Ed25519') {
    return { name: `did/pub/Ed25519/${purpose}/base64`, value: `0x${hex(publicJwk.x)}` }
  }
  throw new CivitasError(
    'UNSUPPORTED_CURVE',
    `a ${describeValue(publicJwk.crv ?? publicJwk.kty)} key cannot be published on did:ethr (secp256k1 or Ed25519)`,
  )
}

/** The address a did:ethr names (`did:ethr[:network]:0x<address>`). */
export function ethrIdentity(did: string): { network: string | undefined; address: string } {
  const match = /^did:ethr:(?:([a-zA-Z0-9_.-]+):)?(0x[0-9a-fA-F]{40})$/.exec(did)
  if (!match) {
    throw new CivitasError(
      'DID_METHOD_UNSUPPORTED',
      `key rotation needs a did:ethr with an address, not ${describeValue(did)}`,
    )
  }
  return { network: match[1], address: getAddress(match[2]!) }
}

function sameKey(a: Jwk, b: Jwk): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && (a.y ?? null) === (b.y ?? null)
}

export interface RotationContext {
  did: string
  store: Store<IssuerTables>
  manifest: RegistryManifest
  provider: Provider
  /** The DID registry, connected with the DID owner's account. */
  registry: DidRegistryClient
  /** Runs chain writes of the issuer's account one at a time (the flush shares the nonce). */
  serialized<T>(fn: () => Promise<T>): Promise<T>
}

/** The DID URL the current document gives `publicJwk` (its assertion keys first). */
export async function findEthrKeyId(ctx: RotationContext, publicJwk: Jwk): Promise<string | undefined> {
  const { network } = ethrIdentity(ctx.did)
  const resolver = createResolver({
    web: false,
    cache: false,
    ethr: {
      networks: [
        {
          name: network ?? 'mainnet',
          chainId: ctx.manifest.network.chainId,
          provider: ctx.provider,
          registry: ctx.manifest.contracts.DIDRegistry.address,
        },
      ],
    },
  })
  const resolved = await resolver.resolve(ctx.did)
  const document = resolved.didDocument
  if (!document) {
    throw new CivitasError('RESOLVER_UNAVAILABLE', `cannot resolve ${ctx.did} to find the new key's id`, {
      details: { error: resolved.didResolutionMetadata?.error },
    })
  }
  for (const method of document.verificationMethod ?? []) {
    try {
      if (sameKey(publicJwkFromVerificationMethod(method), publicJwk)) return method.id
    } catch {
      // A method of a kind that has no JWK form (a blockchainAccountId): not ours.
    }
  }
  return undefined
}

function seconds(value: unknown, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > MAX_VALIDITY) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${name} must be whole seconds from ${min}, got ${describeValue(value)}`,
    )
  }
  return value as number
}

/** Checks a rotation's options before any transaction is sent. */
export function checkRotateOptions(options: unknown): Required<Omit<RotateKeyOptions, 'newSigner'>> & {
  newSigner: Signer & { publicJwk: Jwk }
} {
  if (!isRecord(options)) throw new CivitasError('INVALID_ARGUMENT', 'rotateKey options must be an object')
  const o = options as unknown as RotateKeyOptions
  if (!isRecord(o.newSigner) || typeof o.newSigner.sign !== 'function' || !isRecord(o.newSigner.publicJwk)) {
    throw new CivitasError('INVALID_ARGUMENT', 'newSigner must be a core Signer that knows its publicJwk')
  }
  return {
    newSigner: o.newSigner as Signer & { publicJwk: Jwk },
    gracePeriodSeconds: seconds(o.gracePeriodSeconds, 'gracePeriodSeconds', 0),
    validitySeconds: seconds(o.validitySeconds ?? TEN_YEARS, 'validitySeconds', 1),
    purpose: o.purpose ?? 'veriKey',
  }
}

/**
 * The old key's retirement: `validity = grace` (expires by itself), or revoked now. The DID's
 * own controller key (`#controller`, the owner address) is not an attribute: it cannot be
 * retired this way, only by `changeOwner`; that is refused before anything is sent.
 */
export function retirementOf(did: string, oldSigner: Signer, purpose: EthrKeyPurpose) {
  const { address } = ethrIdentity(did)
  const old = oldSigner.publicJwk
  if (!old) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'the current signer does not know its publicJwk: the old key cannot be named on-chain',
    )
  }
  if (old.crv === 'secp256k1') {
    const point = `0x04${Buffer.from(base64urlDecode(old.x as string)).toString('hex')}${Buffer.from(base64urlDecode(old.y as string)).toString('hex')}`
    if (computeAddress(point) === address) {
      throw new CivitasError(
        'INVALID_ARGUMENT',
        "the current key is the DID's controller key: it cannot be retired by an attribute (change the DID owner instead)",
      )
    }
  }
  return ethrKeyAttribute(old, purpose)
}

/** Publishes the new key, finds its DID URL, retires the old key. Returns what changed. */
export async function rotateEthrKey(
  ctx: RotationContext,
  oldSigner: Signer,
  options: ReturnType<typeof checkRotateOptions>,
): Promise<{ signer: Signer; result: RotateKeyResult }> {
  const { newSigner, gracePeriodSeconds, validitySeconds, purpose } = options
  const { address } = ethrIdentity(ctx.did)
  const added = ethrKeyAttribute(newSigner.publicJwk, purpose)
  const retired = retirementOf(ctx.did, oldSigner, purpose)
  const addTx = await ctx.serialized(() =>
    ctx.registry.setAttribute(address, added.name, added.value, validitySeconds),
  )
  const kid = await findEthrKeyId(ctx, newSigner.publicJwk)
  if (kid === undefined) {
    throw new CivitasError(
      'KEY_NOT_FOUND',
      'the new key was published but the DID document does not show it',
      {
        details: { transaction: addTx.hash },
      },
    )
  }
  // A key published again (rotating back to it) is valid again: no instance should refuse it.
  await ctx.store.db.deleteFrom('issuer_meta').where('name', '=', retirementRowName(added)).execute()
  const due = Math.floor(Date.now() / 1000) + gracePeriodSeconds
  const transactions = [addTx.hash]
  const previous = oldSigner.kid !== undefined ? { kid: oldSigner.kid } : {}
  if (gracePeriodSeconds === 0) {
    const tx = await ctx.serialized(() => ctx.registry.revokeAttribute(address, retired.name, retired.value))
    transactions.push(tx.hash)
    await recordRetirement(ctx.store, { ...retired, due, ...previous, revoked: true })
  } else {
    await recordRetirement(ctx.store, { ...retired, due, ...previous })
  }
  // A wrapper, not a copy: the new signer keeps its own key handling (an HSM session, a KMS).
  const signer: Signer = Object.freeze({
    alg: newSigner.alg,
    kid,
    publicJwk: newSigner.publicJwk,
    sign: (data: Uint8Array) => newSigner.sign(data),
    ...(newSigner.signDigest ? { signDigest: (digest: Uint8Array) => newSigner.signDigest!(digest) } : {}),
  })
  return {
    signer,
    result: {
      kid,
      previousKid: oldSigner.kid,
      oldKeyValidUntil: due,
      transactions,
    },
  }
}

/** Ends a key now (a compromised key, or a grace period cut short). */
export async function revokeEthrKey(
  ctx: RotationContext,
  publicJwk: Jwk,
  purpose: EthrKeyPurpose = 'veriKey',
): Promise<string> {
  const { address } = ethrIdentity(ctx.did)
  const attribute = ethrKeyAttribute(publicJwk, purpose)
  const tx = await ctx.serialized(() =>
    ctx.registry.revokeAttribute(address, attribute.name, attribute.value),
  )
  // Instances sharing the store that still sign with this key stop (signers/retirement.ts).
  await recordRetirement(ctx.store, { ...attribute, due: Math.floor(Date.now() / 1000), revoked: true })
  return tx.hash
}

/** Prefix of the retirement rows in `issuer_meta`: `key_retirement:<attribute name>:<attribute value>`. */
export const RETIREMENT_PREFIX = 'key_retirement:'

/** The row name of an ERC-1056 key attribute's retirement. */
export function retirementRowName(attribute: { name: string; value: string }): string {
  return `${RETIREMENT_PREFIX}${attribute.name}:${attribute.value}`
}

/** What a retirement row holds (JSON). `kid` and `revoked` are absent from rows of older releases. */
export interface RetirementEntry {
  /** The ERC-1056 attribute that published the key. */
  name: string
  value: string
  /** When the key is revoked on-chain, seconds since the epoch. */
  due: number
  /** The DID URL the retired key signed with, when known. */
  kid?: string
  /** True once the revocation was sent (older releases deleted the row instead). */
  revoked?: boolean
}

/** A row's entry, or undefined for a row this release cannot read (it is skipped, as before). */
export function parseRetirement(value: string): RetirementEntry | undefined {
  let entry: unknown
  try {
    entry = JSON.parse(value)
  } catch {
    return undefined
  }
  if (typeof entry !== 'object' || entry === null) return undefined
  const { name, value: attribute, due, kid, revoked } = entry as Record<string, unknown>
  if (typeof name !== 'string' || typeof attribute !== 'string' || typeof due !== 'number') return undefined
  return {
    name,
    value: attribute,
    due,
    ...(typeof kid === 'string' ? { kid } : {}),
    ...(revoked === true ? { revoked } : {}),
  }
}

/**
 * Records that the attribute is (`revoked`) or is to be revoked at `due` (seconds); a later
 * rotation of the same key replaces the row. Rows stay after the revocation is sent: other
 * instances sharing the store read them to stop signing with the key (signers/retirement.ts).
 */
async function recordRetirement(store: Store<IssuerTables>, entry: RetirementEntry): Promise<void> {
  const name = retirementRowName(entry)
  const value = JSON.stringify(entry)
  await store.db
    .insertInto('issuer_meta')
    .values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute()
}

/**
 * Revokes every old key whose grace period is over (the issuer's flush timer runs this; call it
 * yourself when the timer is off). Sent first, forgotten after: a crash in between sends the
 * revocation again, which changes nothing in the document's keys. Returns the transaction hashes.
 */
export async function retireDueKeys(ctx: RotationContext, nowSeconds = Date.now() / 1000): Promise<string[]> {
  const rows = await ctx.store.db
    .selectFrom('issuer_meta')
    .select(['name', 'value'])
    .where('name', 'like', `${RETIREMENT_PREFIX}%`)
    .execute()
  const { address } = ethrIdentity(ctx.did)
  const hashes: string[] = []
  for (const row of rows) {
    const entry = parseRetirement(row.value)
    if (entry === undefined || entry.revoked === true || entry.due > nowSeconds) continue
    const { name, value } = entry
    const tx = await ctx.serialized(() => ctx.registry.revokeAttribute(address, name, value))
    hashes.push(tx.hash)
    // Kept, marked: the other instances still need to know the key is gone.
    await ctx.store.db
      .updateTable('issuer_meta')
      .set({ value: JSON.stringify({ ...entry, revoked: true }) })
      .where('name', '=', row.name)
      .execute()
  }
  return hashes
}

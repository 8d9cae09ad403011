import {
  AbstractSigner,
  type Authorization,
  type AuthorizationRequest,
  computeAddress,
  copyRequest,
  getAddress,
  getBytes,
  hashAuthorization,
  hashMessage,
  isAddress,
  type Provider,
  recoverAddress,
  resolveAddress,
  resolveProperties,
  Signature,
  Transaction,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  TypedDataEncoder,
  type TypedDataField,
} from 'ethers'
import { base64urlDecode } from '../encoding/base64url.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError, toCivitasError } from '../errors/index.js'
import { isRecord } from '../guards/index.js'
import { toPublicJwk } from '../keys/jwk.js'
import { assertSigner, checkSignerOutput, type Signer } from '../keys/signer.js'

export interface ToEthersSignerOptions {
  /**
   * The signer's Ethereum address. Needed when the Signer has no `publicJwk` (a KMS adapter
   * that does not expose its key); when both are known they must agree.
   */
  address?: string
}

/** The Ethereum address of a secp256k1 public JWK (EIP-55 checksummed). */
function addressOfJwk(jwk: unknown): string {
  const publicJwk = toPublicJwk(jwk as Parameters<typeof toPublicJwk>[0])
  if (publicJwk.crv !== 'secp256k1') {
    throw new CivitasError('INVALID_ARGUMENT', 'signer.publicJwk must be a secp256k1 key', {
      details: { argument: 'signer.publicJwk' },
    })
  }
  const point = new Uint8Array(65)
  point[0] = 0x04
  point.set(base64urlDecode(publicJwk.x as string, 'x'), 1)
  point.set(base64urlDecode(publicJwk.y as string, 'y'), 33)
  return computeAddress(`0x${Buffer.from(point).toString('hex')}`)
}

function signerAddress(signer: Signer, options: ToEthersSignerOptions): string {
  const given = options.address
  if (given !== undefined && (typeof given !== 'string' || !isAddress(given))) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `options.address must be an Ethereum address, got ${describeValue(given)}`,
      {
        details: { argument: 'options.address' },
      },
    )
  }
  const derived = signer.publicJwk === undefined ? undefined : addressOfJwk(signer.publicJwk)
  if (given !== undefined && derived !== undefined && getAddress(given) !== derived) {
    throw new CivitasError('INVALID_ARGUMENT', 'options.address is not the address of signer.publicJwk', {
      details: { argument: 'options.address' },
    })
  }
  const address = given === undefined ? derived : getAddress(given)
  if (address === undefined) {
    throw new CivitasError('INVALID_ARGUMENT', 'the signer has no publicJwk: pass options.address', {
      details: { argument: 'options.address' },
    })
  }
  return address
}

/**
 * An ethers v6 `AbstractSigner` over a Civitas secp256k1 {@link Signer}, so the key that signs
 * credentials (a KMS, an HSM, a local key) also signs registry transactions, EIP-191 messages,
 * EIP-712 typed data and EIP-7702 authorizations. Ethers computes each Keccak-256 digest; the
 * Signer's `signDigest` signs it (R||S, normalised to low S as EIP-2 requires), and the
 * recovery id `v` is found by recovering both candidates and keeping the one whose address is
 * the signer's. A signature recovering to another address is `SIGNER_FAILED`, never sent.
 */
export class CivitasEthersSigner extends AbstractSigner {
  readonly address: string
  readonly #signer: Signer

  constructor(signer: Signer, address: string, provider: Provider | null = null) {
    super(provider)
    this.#signer = signer
    this.address = address
  }

  async getAddress(): Promise<string> {
    return this.address
  }

  connect(provider: Provider | null): CivitasEthersSigner {
    return new CivitasEthersSigner(this.#signer, this.address, provider)
  }

  /** Signs a 32-byte digest and returns the ethers Signature with the `v` that recovers to this address. */
  async signDigest(digest: string | Uint8Array): Promise<Signature> {
    const bytes = getBytes(digest)
    let raw: unknown
    try {
      raw = await (this.#signer.signDigest as (d: Uint8Array) => Promise<Uint8Array>)(bytes)
    } catch (cause) {
      throw toCivitasError(cause, 'SIGNER_FAILED', 'the signer failed to sign the digest')
    }
    const rs = checkSignerOutput('ES256K', raw, 'digest signature')
    const r = `0x${Buffer.from(rs.subarray(0, 32)).toString('hex')}`
    const s = `0x${Buffer.from(rs.subarray(32, 64)).toString('hex')}`
    for (const v of [27, 28]) {
      const signature = Signature.from({ r, s, v })
      let recovered: string
      try {
        recovered = recoverAddress(bytes, signature)
      } catch {
        continue
      }
      if (recovered === this.address) return signature
    }
    throw new CivitasError('SIGNER_FAILED', `the signer's signature does not recover to ${this.address}`, {
      details: { address: this.address },
    })
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request)
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this) : undefined,
      from: tx.from ? resolveAddress(tx.from, this) : undefined,
    })
    if (to != null) tx.to = to
    if (from != null) {
      if (getAddress(from) !== this.address) {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          `transaction from ${describeValue(from)} is not ${this.address}`,
          {
            details: { argument: 'tx.from' },
          },
        )
      }
      delete tx.from
    }
    const unsigned = Transaction.from(tx as TransactionLike<string>)
    unsigned.signature = await this.signDigest(unsigned.unsignedHash)
    return unsigned.serialized
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.signDigest(hashMessage(message))).serialized
  }

  async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    // biome-ignore lint/suspicious/noExplicitAny: ethers' own signature for typed-data values
    value: Record<string, any>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name) => {
      const address = await this.provider?.resolveName(name)
      if (address == null) {
        throw new CivitasError('INVALID_ARGUMENT', `cannot resolve the name ${describeValue(name)}`)
      }
      return address
    })
    return (await this.signDigest(TypedDataEncoder.hash(populated.domain, types, populated.value))).serialized
  }

  override async authorize(request: AuthorizationRequest): Promise<Authorization> {
    const auth = await this.populateAuthorization({
      ...request,
      address: await resolveAddress(request.address, this),
    })
    const signature = await this.signDigest(hashAuthorization({ ...auth, address: auth.address as string }))
    return {
      address: getAddress(auth.address as string),
      nonce: BigInt(auth.nonce ?? 0),
      chainId: BigInt(auth.chainId ?? 0),
      signature,
    }
  }
}

/**
 * Bridges a secp256k1 {@link Signer} to an ethers `AbstractSigner` (see
 * {@link CivitasEthersSigner}). The Signer must have `signDigest`; its address comes from
 * `signer.publicJwk` (local keys have one) or `options.address`. Throws `INVALID_ARGUMENT`.
 */
export function toEthersSigner(
  signer: Signer,
  provider: Provider | null = null,
  options: ToEthersSignerOptions = {},
): CivitasEthersSigner {
  assertSigner(signer)
  if (signer.alg !== 'ES256K') {
    throw new CivitasError('INVALID_ARGUMENT', `an Ethereum signer needs an ES256K key, not ${signer.alg}`, {
      details: { argument: 'signer.alg' },
    })
  }
  if (typeof signer.signDigest !== 'function') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      'the signer cannot sign digests (signer.signDigest is missing)',
      {
        details: { argument: 'signer.signDigest' },
      },
    )
  }
  if (provider !== null && !isRecord(provider)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `provider must be an ethers Provider or null, got ${describeValue(provider)}`,
      {
        details: { argument: 'provider' },
      },
    )
  }
  return new CivitasEthersSigner(signer, signerAddress(signer, options ?? {}), provider)
}

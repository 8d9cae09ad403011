import { secp256k1 } from '@noble/curves/secp256k1.js'
import { Transaction, TypedDataEncoder, verifyMessage, verifyTypedData, Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'
import { base64urlDecode } from '../encoding/base64url.js'
import { isCivitasError } from '../errors/index.js'
import type { Jwk } from '../keys/algorithms.js'
import { generateKeyPair } from '../keys/generate.js'
import { localSigner, type Signer } from '../keys/signer.js'
import { toEthersSigner } from './signer.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isCivitasError(error) ? error.code : `raw ${String(error)}`
  }
  return undefined
}

function walletOf(privateJwk: Jwk): Wallet {
  return new Wallet(`0x${Buffer.from(base64urlDecode(privateJwk.d as string)).toString('hex')}`)
}

const n = secp256k1.Point.CURVE().n

/** A KMS-like signer that knows only how to sign digests and returns high S, without its public key. */
function kmsLike(privateJwk: Jwk): Signer {
  const secret = base64urlDecode(privateJwk.d as string)
  const local = localSigner(privateJwk)
  return {
    alg: 'ES256K',
    sign: local.sign,
    async signDigest(digest) {
      const low = secp256k1.Signature.fromBytes(secp256k1.sign(digest, secret, { prehash: false }))
      return new secp256k1.Signature(low.r, n - low.s).toBytes('compact')
    },
  }
}

describe('toEthersSigner: a secp256k1 Signer as an ethers AbstractSigner', () => {
  it('has the address of the key and signs EIP-191 messages and EIP-712 data as a Wallet of the key would', async () => {
    const { privateJwk } = await generateKeyPair('ES256K')
    const wallet = walletOf(privateJwk)
    const bridged = toEthersSigner(localSigner(privateJwk))
    expect(await bridged.getAddress()).toBe(wallet.address)
    const message = 'Civitas registry operation'
    const signature = await bridged.signMessage(message)
    expect(verifyMessage(message, signature)).toBe(wallet.address)
    // RFC 6979 on both sides: the very same bytes.
    expect(signature).toBe(await wallet.signMessage(message))
    const domain = { name: 'Civitas', version: '1', chainId: 31337 }
    const types = { Mail: [{ name: 'contents', type: 'string' }] }
    const typed = await bridged.signTypedData(domain, types, { contents: 'hello' })
    expect(verifyTypedData(domain, types, { contents: 'hello' }, typed)).toBe(wallet.address)
    expect(TypedDataEncoder.hash(domain, types, { contents: 'hello' })).toMatch(/^0x/)
  })

  it('signs a transaction whose sender recovers to the address, from a high-S KMS-like signer given only its address', async () => {
    const { privateJwk } = await generateKeyPair('ES256K')
    const address = walletOf(privateJwk).address
    const bridged = toEthersSigner(kmsLike(privateJwk), null, { address })
    const raw = await bridged.signTransaction({
      to: '0x000000000000000000000000000000000000dEaD',
      value: 1n,
      nonce: 0,
      gasLimit: 21_000n,
      maxFeePerGas: 2n,
      maxPriorityFeePerGas: 1n,
      chainId: 31337n,
      type: 2,
    })
    const tx = Transaction.from(raw)
    expect(tx.from).toBe(address)
    expect(BigInt(tx.signature!.s) <= n >> 1n).toBe(true)
    await expect(
      bridged.signTransaction({
        from: '0x000000000000000000000000000000000000dEaD',
        to: address,
        chainId: 1n,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('a signer whose digest signature is by another key is SIGNER_FAILED, never a transaction from a wrong sender', async () => {
    const a = await generateKeyPair('ES256K')
    const b = await generateKeyPair('ES256K')
    const bridged = toEthersSigner(kmsLike(b.privateJwk), null, { address: walletOf(a.privateJwk).address })
    await expect(bridged.signMessage('x')).rejects.toMatchObject({ code: 'SIGNER_FAILED' })
    const der: Signer = {
      ...kmsLike(a.privateJwk),
      signDigest: async () => new secp256k1.Signature(5n, 7n).toBytes('der'),
    }
    await expect(
      toEthersSigner(der, null, { address: walletOf(a.privateJwk).address }).signMessage('x'),
    ).rejects.toMatchObject({
      code: 'SIGNER_FAILED',
    })
  })

  it('refuses what cannot sign for Ethereum: INVALID_ARGUMENT', async () => {
    const k1 = await generateKeyPair('ES256K')
    const p256 = await generateKeyPair('ES256')
    const other = walletOf((await generateKeyPair('ES256K')).privateJwk).address
    expect(codeOf(() => toEthersSigner(localSigner(p256.privateJwk)))).toBe('INVALID_ARGUMENT')
    const { signDigest: _, ...noDigest } = localSigner(k1.privateJwk)
    expect(codeOf(() => toEthersSigner(noDigest as Signer))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => toEthersSigner(kmsLike(k1.privateJwk)))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => toEthersSigner(localSigner(k1.privateJwk), null, { address: other }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => toEthersSigner(localSigner(k1.privateJwk), null, { address: '0xnope' }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => toEthersSigner(null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => toEthersSigner(localSigner(k1.privateJwk), 5 as never))).toBe('INVALID_ARGUMENT')
  })
})

/**
 * One KMS-held secp256k1 key signs both credentials and registry transactions: a Civitas
 * Signer (here a KMS-like adapter that only knows its address and returns DER, converted with
 * derToJose) bridged to ethers with toEthersSigner sends real transactions on anvil, writes
 * to the DIDRegistry directly and by EIP-712 relaying, and signs a JWS that verifies against
 * the same address.
 */
import { createPrivateKey, sign as platformSign } from 'node:crypto'
import {
  base64urlDecode,
  derToJose,
  generateKeyPair,
  type Signer,
  signJws,
  verifyJwsWithEthereumAddress,
} from '@civitas/core'
import { toEthersSigner } from '@civitas/core/ethers'
import { createDidRegistryClient } from '@civitas/registry-contracts'
import { type LocalChain, startLocalChain } from '@civitas/registry-contracts/local-chain'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { computeAddress, parseEther, type Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const n = secp256k1.Point.CURVE().n

describe('toEthersSigner on a real chain', () => {
  let chain: LocalChain
  let funder: Wallet
  let relayer: Wallet
  let kms: Signer
  let address: string

  beforeAll(async () => {
    chain = await startLocalChain({ accounts: 2 })
    ;[funder, relayer] = chain.wallets as [Wallet, Wallet]
    const { privateJwk, publicJwk } = await generateKeyPair('ES256K')
    address = computeAddress(
      `0x04${Buffer.from([...base64urlDecode(publicJwk.x as string), ...base64urlDecode(publicJwk.y as string)]).toString('hex')}`,
    )
    const key = createPrivateKey({ key: privateJwk, format: 'jwk' })
    const secret = base64urlDecode(privateJwk.d as string)
    // What an AWS KMS adapter looks like: DER out of the service, high S whenever it likes
    // (here always), converted to R||S with derToJose. No public key on the Signer.
    kms = {
      alg: 'ES256K',
      kid: `did:ethr:${address}#controller`,
      sign: async (data) => derToJose(platformSign('sha256', data, key), 'ES256K'),
      async signDigest(digest) {
        const low = secp256k1.Signature.fromBytes(secp256k1.sign(digest, secret, { prehash: false }))
        return derToJose(new secp256k1.Signature(low.r, n - low.s).toBytes('der'), 'ES256K')
      },
    }
    await (await funder.sendTransaction({ to: address, value: parseEther('10') })).wait()
  })
  afterAll(async () => {
    await chain?.stop()
  })

  it('sends value transfers that the chain mines with the key address as sender', async () => {
    const signer = toEthersSigner(kms, chain.provider, { address })
    const before = await chain.provider.getBalance(relayer.address)
    for (let i = 0; i < 3; i++) {
      const response = await signer.sendTransaction({ to: relayer.address, value: 1000n + BigInt(i) })
      const receipt = await response.wait()
      expect(receipt?.status).toBe(1)
      expect(receipt?.from).toBe(address)
    }
    expect((await chain.provider.getBalance(relayer.address)) - before).toBe(3003n)
    expect(await chain.provider.getTransactionCount(address)).toBe(3)
  })

  it('writes to the DIDRegistry as the identity owner, directly and by an EIP-712 signature a relayer submits', async () => {
    const signer = toEthersSigner(kms, chain.provider, { address })
    const asOwner = createDidRegistryClient(chain.contracts.DIDRegistry, signer)
    await asOwner.setAttribute(address, 'did/svc/HubService', 'https://hub.example', 86_400)
    expect(await asOwner.changed(address)).toBeGreaterThan(0n)

    const delegate = relayer.address
    const operation = {
      type: 'AddDelegate',
      identity: address,
      delegateType: 'veriKey',
      delegate,
      validity: 3600,
    } as const
    const deadline = (await chain.provider.getBlock('latest'))!.timestamp + 600
    const signature = await asOwner.sign(signer, operation, { deadline })
    await createDidRegistryClient(chain.contracts.DIDRegistry, relayer).submitSigned(operation, signature)
    expect(await asOwner.validDelegate(address, 'veriKey', delegate)).toBe(true)
  })

  it('the same Signer signs a JWS that verifies against the address that sent the transactions', async () => {
    const jws = await signJws({ iss: `did:ethr:${address}`, degree: 'MSc' }, kms)
    await expect(verifyJwsWithEthereumAddress(jws, address)).resolves.toMatchObject({ alg: 'ES256K' })
  })
})

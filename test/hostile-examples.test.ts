/**
 * The caller-misuse examples of the hardening review, one by one: each threw a raw
 * TypeError / RangeError (or a dependency's error, or the wrong code) before. The
 * hostile-export test covers the whole class; these pin the named cases and their codes.
 */
import * as core from '@civitas/core'
import * as registry from '@civitas/registry-contracts'
import { Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'

function codeOf(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return core.isCivitasError(error) ? error.code : `raw ${(error as Error)?.name}`
  }
  return 'no error'
}

async function asyncCodeOf(promise: () => Promise<unknown>): Promise<unknown> {
  try {
    await promise()
  } catch (error) {
    return core.isCivitasError(error) ? error.code : `raw ${(error as Error)?.name}`
  }
  return 'no error'
}

const cyclic: Record<string, unknown> = {}
cyclic.self = cyclic

describe('@civitas/core: caller misuse is INVALID_ARGUMENT (or the format code), never a raw error', () => {
  it('validateCredential / validatePresentation without options read the version from @context', () => {
    const credential = {
      '@context': [core.VCDM_2_0_CONTEXT],
      type: ['VerifiableCredential'],
      issuer: 'did:example:issuer',
      credentialSubject: { id: 'did:example:subject' },
    }
    expect(core.validateCredential(credential)).toEqual([])
    expect(core.validateCredential({ ...credential, '@context': [core.VCDM_1_1_CONTEXT] })).toEqual([
      expect.objectContaining({ message: 'issuanceDate must be an XML Schema dateTime' }),
    ])
    expect(
      core.validatePresentation({ '@context': [core.VCDM_2_0_CONTEXT], type: 'VerifiablePresentation' }),
    ).toEqual([])
    expect(codeOf(() => core.validateCredential(credential, null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.validateCredential(credential, { version: '3.0' } as never))).toBe(
      'INVALID_ARGUMENT',
    )
  })

  it('decodeBitstringStatusList(x, null) and the other list codecs with null options', () => {
    const list = core.encodeBitstringStatusList(new Uint8Array(core.BITSTRING_STATUS_LIST_MIN_ENTRIES))
    expect(codeOf(() => core.decodeBitstringStatusList(list, null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.decodeStatusList2021(list.slice(1), null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.decodeTokenStatusList({ bits: 1, lst: 'eNrbuRgAAhcBXQ' }, null as never))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => core.encodeBitstringStatusList([], null as never))).toBe('INVALID_ARGUMENT')
  })

  it('joinSdJwt checks its parts: no array, no string, or a "~" inside one part', () => {
    expect(codeOf(() => core.joinSdJwt('a.b.c', null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.joinSdJwt({ toString: null } as never, []))).toBe('INVALID_ARGUMENT')
    // A "~" would shift every later Disclosure: the joined token would say something else.
    expect(codeOf(() => core.joinSdJwt('a.b.c', ['WyJz~In0']))).toBe('INVALID_ARGUMENT')
    expect(core.joinSdJwt('a.b.c', ['d1', 'd2'])).toBe('a.b.c~d1~d2~')
  })

  it('createDisclosure and sdDigest: an unknown hash is INVALID_ARGUMENT, not a node:crypto error', () => {
    expect(codeOf(() => core.createDisclosure('md5' as never, 'x', 'name'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.createDisclosure(null as never, 'x'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.sdDigest('sha-256', null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.sdDigest({ toString: null } as never, 'x'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.createDisclosure('sha-256', 10n, 'n'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.createDisclosure('sha-256', cyclic, 'n'))).toBe('INVALID_ARGUMENT')
  })

  it('signJws and issueJwtVc refuse BigInt, cyclic, too deep and byte-array payloads', async () => {
    const { privateJwk } = await core.generateKeyPair('ES256')
    const signer = core.localSigner(privateJwk)
    let deep: unknown = {}
    for (let i = 0; i < 10_000; i++) deep = { a: deep }
    for (const payload of [{ n: 10n }, cyclic, deep, { bytes: new Uint8Array(4) }]) {
      expect(await asyncCodeOf(() => core.signJws(payload as never, signer))).toBe('INVALID_ARGUMENT')
    }
    expect(await asyncCodeOf(() => core.signJws({ a: 1 }, signer, { n: 10n }))).toBe('INVALID_ARGUMENT')
    const credential = {
      '@context': [core.VCDM_1_1_CONTEXT],
      type: ['VerifiableCredential'],
      issuer: 'did:example:issuer',
      issuanceDate: '2024-01-01T00:00:00Z',
      credentialSubject: cyclic,
    }
    const code = await asyncCodeOf(() => core.issueJwtVc(credential, { format: 'jwt_vc_json', signer }))
    expect(code).toMatch(/INVALID_ARGUMENT|CREDENTIAL_INVALID/)
  })

  it('a message or option that is itself hostile does not break CivitasError, describeValue or the guards', () => {
    const error = new core.CivitasError('INVALID_ARGUMENT', { toString: null } as never, null as never)
    expect(error.message).toBe('an object')
    expect(core.describeValue('x'.repeat(100), { valueOf: null } as never)).toHaveLength(67)
    expect(codeOf(() => core.assertString(1, { toString: null } as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.assertInteger(1, 'n', { min: 10n } as never))).toBe('no error')
    expect(core.hasOwn(null as never, 'a')).toBe(false)
  })

  it('a missing issuer key argument for enclosed credentials is INVALID_ARGUMENT in the result (not KEY_NOT_FOUND)', async () => {
    const issuer = await core.generateKeyPair('ES256')
    const holder = await core.generateKeyPair('ES256')
    const issuerDid = core.didKeyFromJwk(issuer.publicJwk)
    const holderDid = core.didKeyFromJwk(holder.publicJwk)
    const vc = await core.issueVcSdJwt(
      {
        '@context': [core.VCDM_2_0_CONTEXT],
        type: ['VerifiableCredential'],
        issuer: issuerDid,
        credentialSubject: { id: holderDid, name: 'Ada' },
      },
      { signer: core.localSigner(issuer.privateJwk, { kid: `${issuerDid}#${issuerDid.slice(8)}` }) },
    )
    const vp = await core.issueVpSdJwt(
      {
        '@context': [core.VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: holderDid,
        verifiableCredential: [core.envelopeVcSdJwt(vc)],
      },
      {
        signer: core.localSigner(holder.privateJwk, { kid: `${holderDid}#${holderDid.slice(8)}` }),
        nonce: 'n',
        audience: 'https://v.example',
      },
    )
    const result = await core.verifyVpSdJwt(vp, {
      publicJwk: holder.publicJwk,
      nonce: 'n',
      audience: 'https://v.example',
    })
    expect(result.verified).toBe(false)
    expect(result.errors.map((e) => e.code)).toEqual(['INVALID_ARGUMENT'])
  })

  it('a caller-given Ethereum address that is malformed is INVALID_ARGUMENT (not KEY_INVALID)', async () => {
    expect(await asyncCodeOf(() => core.verifyJwsWithEthereumAddress('a.b.c', '0xnope'))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(codeOf(() => core.ethereumAddressOfPublicKey(null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => core.ethereumAddressOfPublicKey(new Uint8Array(33)))).toBe('KEY_INVALID')
  })
})

describe('@civitas/registry-contracts: misuse is INVALID_ARGUMENT before ethers sees it', () => {
  const provider = registry.createRegistryProvider('http://127.0.0.1:9', 31337)
  const wallet = new Wallet(`0x${'11'.repeat(32)}`, provider)
  const address = '0x1111111111111111111111111111111111111111'

  it('the pure helpers', () => {
    expect(codeOf(() => registry.toBytes32('\uD800'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.toBytes32(5 as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.wordsToBitstring([1] as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.wordsToBitstring([2n ** 256n]))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.wordsToTokenStatusList(null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.groupIndicesIntoMasks(null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.credentialTypeHash(5 as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.schemaIdOf(null as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.toAttributeValue({} as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.toAttributeValue('\uDC00'))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.toAttributeValue('x'.repeat(100_000)))).toBe('INPUT_TOO_LARGE')
    expect(codeOf(() => registry.toUint(1.5, 'n'))).toBe('INVALID_ARGUMENT')
  })

  it('client factories and methods', async () => {
    expect(codeOf(() => registry.createDidRegistryClient('0xnope', provider))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.createStatusRegistryClient(address, null as never))).toBe('INVALID_ARGUMENT')
    // A mixed-case address with a wrong EIP-55 checksum is a typo, not an address.
    expect(codeOf(() => registry.createSchemaRegistryClient(`0x${'aB'.repeat(20)}`, provider))).toBe(
      'INVALID_ARGUMENT',
    )
    const trusted = registry.createTrustedIssuersRegistryClient(address, wallet)
    expect(await asyncCodeOf(() => trusted.appointRootTao(address, {} as never))).toBe('INVALID_ARGUMENT')
    expect(await asyncCodeOf(() => trusted.findAccreditation(address, 'T', { trustedRoots: ['0x1'] }))).toBe(
      'INVALID_ARGUMENT',
    )
    const did = registry.createDidRegistryClient(address, wallet)
    expect(await asyncCodeOf(() => did.identityOwner('0xnope'))).toBe('INVALID_ARGUMENT')
    expect(await asyncCodeOf(() => did.sign(null as never, null as never, {} as never))).toBe(
      'INVALID_ARGUMENT',
    )
    const status = registry.createStatusRegistryClient(address, wallet)
    expect(await asyncCodeOf(() => status.readAllWords(address, 1, { maxLength: 0 }))).toBe(
      'INVALID_ARGUMENT',
    )
    expect(await asyncCodeOf(() => status.setMasks(address, 1, { wordIndices: [1n], masks: [-1n] }))).toBe(
      'INVALID_ARGUMENT',
    )
    provider.destroy()
  })

  it('manifests: a value that is no manifest is refused before it is written or used', async () => {
    expect(codeOf(() => registry.parseManifest({ version: 1 }))).toBe('INVALID_ARGUMENT')
    expect(
      await asyncCodeOf(() => registry.writeManifest('/nonexistent/dir/m.json', { version: 1 } as never)),
    ).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => registry.ethrNetworkFromManifest(null as never))).toBe('INVALID_ARGUMENT')
  })
})

describe('withTimeout: one deadline with one meaning', () => {
  const context = { contract: 'C', method: 'm' }

  it('settles with the work, or fails with CHAIN_UNAVAILABLE at the deadline and aborts the work', async () => {
    expect(await registry.withTimeout(Promise.resolve(7), 1_000, context)).toBe(7)
    let aborted: unknown
    const never = (signal: AbortSignal) =>
      new Promise<never>(() => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason
        })
      })
    const error = await registry.withTimeout(never, 20, context).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
      details: { contract: 'C', method: 'm', timeoutMs: 20 },
    })
    expect(aborted).toBe(error)
  })

  it('refuses a timeout setTimeout cannot honour (above 2**31 - 1 ms it fires at once) and non-promises', async () => {
    for (const timeoutMs of [2 ** 31, 0, -1, Number.NaN, 1.5]) {
      expect(await asyncCodeOf(() => registry.withTimeout(Promise.resolve(1), timeoutMs, context))).toBe(
        'INVALID_ARGUMENT',
      )
    }
    expect(await asyncCodeOf(() => registry.withTimeout(5 as never, 10, context))).toBe('INVALID_ARGUMENT')
  })
})

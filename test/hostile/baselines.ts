import * as core from '@civitas/core'
import * as registry from '@civitas/registry-contracts'
import type { Fixtures } from './fixtures.js'

/**
 * How to call one export validly. Hostile values are substituted into each argument (and
 * each member of an options object, and the first element of an array argument) of this
 * baseline, so the probe reaches past the first guard. Exports without an entry are still
 * probed, with every other argument `undefined`.
 */
export interface CallSpec {
  args?: (fx: Fixtures) => unknown[]
  /** Baselines for the methods of the object (or function) the export returns. */
  methods?: Record<string, (fx: Fixtures) => unknown[]>
  /** Rewrites the arguments right before the call (e.g. to keep a probe off the network). */
  prepare?: (args: unknown[]) => unknown[]
  /** Do not probe what the call returns (a foreign object, a running process). */
  opaqueResult?: boolean
  /** Probes in flight at once (default 16); 1 for calls that start processes. */
  concurrency?: number
  /** The baseline call needs a live node, which the probes do not have: it must fail with this code. */
  baselineRejects?: 'CHAIN_UNAVAILABLE'
}

const A = (fx: Fixtures) => fx.ADDRESS
const O = (fx: Fixtures) => fx.OTHER

const governanceMethods: Record<string, (fx: Fixtures) => unknown[]> = {
  owner: () => [],
  pendingOwner: () => [],
  transferOwnership: (fx) => [O(fx)],
  acceptOwnership: () => [],
}

export const coreSpecs: Record<string, CallSpec> = {
  isXsdDateTime: { args: () => ['2024-01-01T00:00:00Z', true] },
  issueVcSdJwt: {
    args: (fx) => [fx.credential20, { signer: fx.signer, disclosable: ['/credentialSubject/name'] }],
  },
  verifyVcSdJwt: { args: (fx) => [fx.vcSdJwt, { resolver: fx.resolver }] },
  envelopeVcSdJwt: { args: (fx) => [fx.vcSdJwt] },
  issueVpSdJwt: {
    args: (fx) => [
      {
        '@context': [core.VCDM_2_0_CONTEXT],
        type: ['VerifiablePresentation'],
        holder: fx.holderDid,
        verifiableCredential: [core.envelopeVcSdJwt(fx.vcSdJwt)],
      },
      { signer: fx.holderSigner, nonce: 'n-1', audience: 'https://verifier.example' },
    ],
  },
  verifyVpSdJwt: {
    args: (fx) => [fx.vpSdJwt, { resolver: fx.resolver, nonce: 'n-1', audience: 'https://verifier.example' }],
  },
  isPrivateHost: { args: () => ['issuer.example'] },
  isRecord: { args: () => [{}] },
  hasOwn: { args: () => [{ a: 1 }, 'a'] },
  assertRecord: { args: () => [{}, 'value'] },
  optionsRecord: { args: () => [{}, 'options'] },
  assertString: { args: () => ['x', 'value', { nonEmpty: true }] },
  assertBoolean: { args: () => [true, 'value'] },
  assertFunction: { args: () => [() => 1, 'value'] },
  assertBytes: { args: () => [new Uint8Array(1), 'value'] },
  assertArray: { args: () => [[], 'value'] },
  assertInteger: { args: () => [1, 'value', { min: 0, max: 10 }] },
  assertFiniteNumber: { args: () => [1.5, 'value', { min: 0, max: 10 }] },
  limitOption: { args: () => [5, 'value', 10, 100] },
  assertJsonDepth: { args: () => [{ a: [1, { b: null }] }, 8, 'INVALID_ARGUMENT', 'value'] },
  parseJson: { args: () => ['{"a":[1]}', 'INVALID_ARGUMENT', { maxDepth: 8, what: 'value' }] },
  isVerificationAlgorithm: { args: () => ['ES256'] },
  verificationAlgorithmsForJwk: { args: (fx) => [fx.keys.publicJwk] },
  derToJose: {
    // SEQUENCE { INTEGER 1, INTEGER 1 }: the smallest DER ECDSA signature.
    args: () => [new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]), 'ES256'],
  },
  jwkThumbprintInput: { args: (fx) => [fx.keys.publicJwk] },
  assertSigner: { args: (fx) => [fx.signer] },
  checkSignerOutput: { args: () => ['EdDSA', new Uint8Array(64), 'signature'] },
  convertBitOrder: { args: () => [new Uint8Array([0x80, 0x01]), 1, 'msb-first', 'lsb-first'] },
  toEthersSigner: { args: (fx) => [fx.secpSigner, fx.provider, {}], opaqueResult: true },
  validateCredential: { args: (fx) => [fx.credential11, { version: '1.1' }] },
  validatePresentation: { args: (fx) => [fx.presentation, { version: '1.1' }] },
  issueJwtVc: { args: (fx) => [fx.credential11, { format: 'jwt_vc_json', signer: fx.signer }] },
  verifyJwtVc: { args: (fx) => [fx.vcJwt, { resolver: fx.resolver }] },
  envelopeCredential: { args: (fx) => [fx.vc2Jwt] },
  issueJwtVp: {
    args: (fx) => [
      fx.presentation,
      { format: 'jwt_vc_json', signer: fx.holderSigner, nonce: 'n-1', audience: 'https://verifier.example' },
    ],
  },
  verifyJwtVp: {
    args: (fx) => [fx.vpJwt, { resolver: fx.resolver, nonce: 'n-1', audience: 'https://verifier.example' }],
  },
  createLruCache: {
    args: () => [{ maxEntries: 10 }],
    methods: {
      get: () => ['k'],
      set: () => ['k', 1, 1_000],
      delete: () => ['k'],
      clear: () => [],
      stats: () => [],
    },
  },
  createDidEthrResolver: {
    args: (fx) => [{ networks: [fx.ethrNetwork], timeoutMs: 1_000 }],
    methods: { '()': (fx) => [fx.parsedEthrDid, {}] },
  },
  didJwkDocument: { args: (fx) => [core.parseDidJwk(core.didJwkFromJwk(fx.keys.publicJwk))] },
  didJwkFromJwk: { args: (fx) => [fx.keys.publicJwk] },
  parseDidJwk: { args: (fx) => [core.didJwkFromJwk(fx.keys.publicJwk)] },
  canonicalJwkJson: { args: (fx) => [fx.keys.publicJwk] },
  didKeyDocument: { args: (fx) => [core.parseDidKey(fx.issuerDid)] },
  didKeyFromJwk: { args: (fx) => [fx.keys.publicJwk, { format: 'multicodec' }] },
  parseDidKey: { args: (fx) => [fx.issuerDid] },
  decodeMulticodecPublicKey: { args: (fx) => [core.encodeMulticodecPublicKey(fx.keys.publicJwk)] },
  encodeMulticodecPublicKey: { args: (fx) => [fx.keys.publicJwk] },
  createResolver: {
    args: (fx) => [{ web: { fetch: fx.fetch404 } }],
    methods: { resolve: (fx) => [fx.issuerDid, {}], cacheStats: () => [], clearCache: () => [] },
  },
  resolveDid: { args: (fx) => [fx.resolver, fx.issuerDid, {}] },
  ethereumAddressFromVerificationMethod: {
    args: (fx) => [
      {
        id: `did:ethr:${fx.ADDRESS}#controller`,
        type: 'EcdsaSecp256k1RecoveryMethod2020',
        controller: `did:ethr:${fx.ADDRESS}`,
        blockchainAccountId: `eip155:1:${fx.ADDRESS}`,
      },
    ],
  },
  publicJwkFromVerificationMethod: {
    args: (fx) => [
      { id: fx.kid, type: 'JsonWebKey2020', controller: fx.issuerDid, publicKeyJwk: fx.keys.publicJwk },
    ],
  },
  verifyDecodedJwsWithDid: {
    args: (fx) => [core.decodeJws(fx.vcJwt), { resolver: fx.resolver, did: fx.issuerDid }],
  },
  verifyJwsWithDid: { args: (fx) => [fx.vcJwt, { resolver: fx.resolver, did: fx.issuerDid }] },
  createDidWebResolver: {
    args: (fx) => [{ fetch: fx.fetch404, timeoutMs: 1_000 }],
    methods: { '()': () => ['did:web:issuer.example', {}] },
  },
  didWebUrl: { args: () => ['did:web:issuer.example'] },
  base64urlEncode: { args: () => ['abc'] },
  base64urlDecode: { args: () => ['YWJj', 'value'] },
  base64urlDecodeJson: { args: () => ['e30', 'value'] },
  CivitasError: { args: () => ['INVALID_ARGUMENT', 'message', { details: { a: 1 } }] },
  isCivitasError: { args: () => [new Error('x'), 'INVALID_ARGUMENT'] },
  toCivitasError: { args: () => [new Error('x'), 'INVALID_ARGUMENT', 'message'] },
  describeValue: { args: () => ['x', 10] },
  kindOf: { args: () => ['x'] },
  decodeJws: { args: (fx) => [fx.vcJwt, {}] },
  decodeJwt: { args: (fx) => [fx.vcJwt, {}] },
  parseJwtClaims: { args: (fx) => [core.decodeJws(fx.vcJwt).payload] },
  ethereumAddressOfPublicKey: { args: (fx) => [fx.secp256k1Uncompressed] },
  verifyDecodedJwsWithEthereumAddress: {
    args: (fx) => [core.decodeJws(fx.es256kJws), fx.es256kAddress, ['ES256K']],
  },
  verifyJwsWithEthereumAddress: { args: (fx) => [fx.es256kJws, fx.es256kAddress, {}] },
  signJws: { args: (fx) => [{ a: 1 }, fx.signer, { typ: 'JWT' }] },
  checkAlgorithm: { args: () => ['ES256', ['ES256']] },
  verifyDecodedJws: { args: (fx) => [core.decodeJws(fx.vcJwt), fx.keys.publicJwk, ['ES256']] },
  verifyJws: { args: (fx) => [fx.vcJwt, fx.keys.publicJwk, {}] },
  algorithmForJwk: { args: (fx) => [fx.keys.publicJwk] },
  isSignatureAlgorithm: { args: () => ['ES256'] },
  signatureLength: { args: () => ['ES256'] },
  generateKeyPair: { args: () => ['ES256'] },
  importJwk: { args: (fx) => [fx.keys.privateJwk] },
  jwkThumbprint: { args: (fx) => [fx.keys.publicJwk] },
  toPublicJwk: { args: (fx) => [fx.keys.privateJwk] },
  localSigner: {
    args: (fx) => [fx.keys.privateJwk, { kid: fx.kid }],
    methods: { sign: () => [new Uint8Array([1, 2, 3])] },
  },
  decodeSdJwt: { args: (fx) => [fx.sdJwt] },
  createDisclosure: { args: () => ['sha-256', 'Ada', 'given_name'] },
  parseDisclosure: { args: (fx) => ['sha-256', core.splitSdJwt(fx.sdJwt).disclosures[0]] },
  disclosureFrameFromPointers: { args: () => [['/a']] },
  presentationFrameFromPointers: { args: () => [['/a']] },
  sdDigest: { args: () => ['sha-256', 'abc'] },
  issueSdJwt: { args: (fx) => [{ a: 1, b: 2 }, ['/a'], { signer: fx.signer }] },
  issueSdJwtVc: {
    args: (fx) => [
      { vct: 'urn:example:pid', iss: fx.issuerDid, claims: { a: 1 }, disclosable: ['/a'] },
      { signer: fx.signer },
    ],
  },
  addSdJwtSignatures: { args: (fx) => [fx.sdJwt, [{ signer: fx.signer }]] },
  isSdJwtJson: { args: (fx) => [fx.sdJwtJson] },
  sdJwtFromJson: { args: (fx) => [fx.sdJwtJson, 16] },
  sdJwtToJson: { args: (fx) => [fx.sdJwt, 'flattened', []] },
  createKeyBindingJwt: {
    args: (fx) => [
      fx.sdJwt,
      'sha-256',
      { signer: fx.holderSigner, nonce: 'n-1', audience: 'https://verifier.example' },
    ],
  },
  presentSdJwt: {
    args: (fx) => [
      fx.sdJwt,
      {
        disclose: ['/given_name'],
        keyBinding: { signer: fx.holderSigner, nonce: 'n-1', audience: 'https://verifier.example' },
      },
    ],
  },
  joinSdJwt: {
    args: (fx) => {
      const { jwt, disclosures } = core.splitSdJwt(fx.sdJwt)
      return [jwt, disclosures, '']
    },
  },
  splitSdJwt: { args: (fx) => [fx.sdJwt, {}] },
  verifySdJwt: {
    args: (fx) => [
      fx.presentedSdJwt,
      { resolver: fx.resolver, nonce: 'n-1', audience: 'https://verifier.example' },
    ],
  },
  decodeBitstringStatusList: { args: (fx) => [fx.encodedList, {}] },
  decodeStatusList2021: { args: (fx) => [fx.encodedList.slice(1), {}] },
  encodeBitstringStatusList: {
    args: () => [new Uint8Array(core.BITSTRING_STATUS_LIST_MIN_ENTRIES), { statusSize: 1 }],
  },
  encodeBitstringStatusListBytes: {
    args: () => [new Uint8Array(core.BITSTRING_STATUS_LIST_MIN_ENTRIES / 8), 1],
  },
  createBitstringStatusListCredential: {
    args: (fx) => [
      {
        id: 'https://issuer.example/status/1',
        issuer: fx.issuerDid,
        statusPurpose: 'revocation',
        statuses: new Uint8Array(core.BITSTRING_STATUS_LIST_MIN_ENTRIES),
      },
    ],
  },
  issueStatusListToken: {
    args: (fx) => [
      { iss: fx.issuerDid, sub: fx.statusUri, statuses: [0, 1], bits: 1 },
      { signer: fx.signer },
    ],
  },
  verifyStatusListToken: {
    args: (fx) => [fx.statusToken, { resolver: fx.resolver, uri: fx.statusUri }],
  },
  decodeTokenStatusList: { args: (fx) => [fx.tokenList, {}] },
  encodeTokenStatusList: { args: () => [[0, 1], { bits: 1 }] },
}

const didRegistryMethods: Record<string, (fx: Fixtures) => unknown[]> = {
  identityOwner: (fx) => [A(fx)],
  validDelegate: (fx) => [A(fx), 'sigAuth', O(fx)],
  changed: (fx) => [A(fx)],
  nonce: (fx) => [A(fx)],
  owners: (fx) => [A(fx)],
  delegateValidTo: (fx) => [A(fx), 'sigAuth', O(fx)],
  isDeactivated: (fx) => [A(fx)],
  domainSeparator: () => [],
  changeOwner: (fx) => [A(fx), O(fx)],
  addDelegate: (fx) => [A(fx), 'sigAuth', O(fx), 3_600],
  revokeDelegate: (fx) => [A(fx), 'sigAuth', O(fx)],
  setAttribute: (fx) => [A(fx), 'did/svc/Hub', 'https://hub.example', 3_600],
  revokeAttribute: (fx) => [A(fx), 'did/svc/Hub', 'https://hub.example'],
  deactivate: (fx) => [A(fx)],
  sign: (fx) => [
    fx.detachedWallet,
    { type: 'ChangeOwner', identity: A(fx), newOwner: O(fx) },
    { deadline: 10_000_000_000, nonce: 0n, chainId: 31337 },
  ],
  submitSigned: (fx) => [
    { type: 'ChangeOwner', identity: A(fx), newOwner: O(fx) },
    { deadline: 10_000_000_000n, v: 27, r: fx.BYTES32, s: fx.BYTES32 },
  ],
}

const statusRegistryMethods: Record<string, (fx: Fixtures) => unknown[]> = {
  createList: () => [1, 'revocation'],
  setDelegate: (fx) => [O(fx), 100],
  set: (fx) => [A(fx), 1, 5],
  clear: (fx) => [A(fx), 1, 5],
  setMasks: (fx) => [A(fx), 1, { wordIndices: [0n], masks: [1n] }],
  clearMasks: (fx) => [A(fx), 1, { wordIndices: [0n], masks: [1n] }],
  update: (fx) => [A(fx), 1, { set: [1], clear: [2] }, { maxWordsPerTx: 10 }],
  getList: (fx) => [A(fx), 1],
  isSet: (fx) => [A(fx), 1, 5],
  getWords: (fx) => [A(fx), 1, 0, 1],
  readAllWords: (fx) => [A(fx), 1, {}],
  isDelegate: (fx) => [A(fx), O(fx)],
  delegateValidUntil: (fx) => [A(fx), O(fx)],
}

const trustedIssuersMethods: Record<string, (fx: Fixtures) => unknown[]> = {
  ...governanceMethods,
  appointRootTao: (fx) => [A(fx), fx.grant],
  accredit: (fx) => [A(fx), 'TAO', 0, fx.grant],
  revoke: (fx) => [A(fx), 0],
  accreditationCount: (fx) => [A(fx)],
  getAccreditation: (fx) => [A(fx), 0],
  getChain: (fx) => [A(fx), 0],
  isAccreditedAt: (fx) => [A(fx), 0, 'VerifiableDiploma', 100],
  findAccreditation: (fx) => [A(fx), 'VerifiableDiploma', { at: 100, trustedRoots: [O(fx)] }],
}

const schemaMethods: Record<string, (fx: Fixtures) => unknown[]> = {
  ...governanceMethods,
  addVersion: (fx) => ['schema', fx.BYTES32, 'https://schemas.example/1'],
  setPublisher: (fx) => ['schema', O(fx)],
  publisherOf: () => ['schema'],
  versionCount: () => ['schema'],
  getVersion: () => ['schema', 1],
  latestVersion: () => ['schema'],
}

const bound = (fx: Fixtures) =>
  registry.bindContract('StatusRegistry', fx.ADDRESS, registry.statusRegistryAbi, fx.wallet, fx.clientOptions)

/** A LocalChain as the chain helpers read it: its provider, here to a closed port. */
const fakeChain = (fx: Fixtures) => ({ provider: fx.provider })

export const registrySpecs: Record<string, CallSpec> = {
  clientTimeouts: { args: () => [{ readTimeoutMs: 1_000, receiptTimeoutMs: 1_000 }] },
  snapshot: { args: (fx) => [fakeChain(fx)], baselineRejects: 'CHAIN_UNAVAILABLE' },
  revert: { args: (fx) => [fakeChain(fx), '0x1'], baselineRejects: 'CHAIN_UNAVAILABLE' },
  increaseTime: { args: (fx) => [fakeChain(fx), 10], baselineRejects: 'CHAIN_UNAVAILABLE' },
  setNextBlockTimestamp: { args: (fx) => [fakeChain(fx), 10], baselineRejects: 'CHAIN_UNAVAILABLE' },
  latestTimestamp: { args: (fx) => [fakeChain(fx)], baselineRejects: 'CHAIN_UNAVAILABLE' },
  createRegistryProvider: { args: (fx) => [fx.rpcUrl, 31337, { timeoutMs: 1_000 }], opaqueResult: true },
  withTimeout: { args: () => [Promise.resolve(1), 1_000, { contract: 'C', method: 'm' }] },
  bindContract: {
    args: (fx) => ['StatusRegistry', fx.ADDRESS, registry.statusRegistryAbi, fx.wallet, fx.clientOptions],
    methods: {
      read: (fx) => ['getList', [A(fx), 1]],
      write: () => ['createList', [1, 1, 131_072]],
    },
  },
  toUint: { args: () => [1, 'value'] },
  providerOf: { args: (fx) => [fx.wallet], opaqueResult: true },
  deployRegistries: {
    args: (fx) => [fx.rpcUrl, fx.detachedWallet, { rpcTimeoutMs: 1_000 }],
    baselineRejects: 'CHAIN_UNAVAILABLE',
  },
  fetchChainId: { args: (fx) => [fx.rpcUrl, 1_000], baselineRejects: 'CHAIN_UNAVAILABLE' },
  writeManifest: { args: (fx) => [fx.scratchManifestPath, fx.manifest] },
  readManifest: { args: (fx) => [fx.manifestPath] },
  parseManifest: { args: (fx) => [fx.manifest] },
  ethrNetworkFromManifest: { args: (fx) => [fx.manifest, {}] },
  connectRegistries: { args: (fx) => [fx.manifest, fx.wallet, fx.clientOptions] },
  toBytes32: { args: () => ['sigAuth'] },
  toAttributeValue: { args: () => ['https://hub.example'] },
  createDidRegistryClient: {
    args: (fx) => [fx.ADDRESS, fx.wallet, fx.clientOptions],
    methods: didRegistryMethods,
  },
  decodeRegistryRevert: { args: () => ['0x12345678'] },
  toRegistryError: { args: () => [new Error('x'), { contract: 'C', method: 'm' }] },
  governanceOf: { args: (fx) => [bound(fx)], methods: governanceMethods },
  locateAnvil: { args: () => [] },
  startLocalChain: {
    args: () => [{ deploy: false, accounts: 1 }],
    // A probe may start a bare chain (deploy: false), never deploy the registries: that
    // costs seconds and proves nothing about input handling.
    // Each probe that passes validation starts an anvil (about a second): one at a time,
    // and only where a member of the baseline options was replaced.
    concurrency: 1,
    prepare: ([options]) => {
      if (options === undefined) return [{ deploy: false, accounts: 1 }]
      if (
        options === null ||
        typeof options !== 'object' ||
        Array.isArray(options) ||
        ArrayBuffer.isView(options)
      )
        return [options]
      const bag = options as Record<string, unknown>
      // A whole hostile object in place of the options: unknown members are ignored, so it
      // would start a default chain; an invalid chainId stops it right after the object is read.
      if (!Object.hasOwn(bag, 'deploy')) return [{ ...bag, chainId: 0 }]
      // A hostile `deploy` is probed as given; the valid ones (absent, true) become false.
      const deploy = bag.deploy === undefined || bag.deploy === true ? false : bag.deploy
      return [{ ...bag, deploy }]
    },
    opaqueResult: true,
  },
  schemaIdOf: { args: () => ['schema'] },
  createSchemaRegistryClient: {
    args: (fx) => [fx.ADDRESS, fx.wallet, fx.clientOptions],
    methods: schemaMethods,
  },
  groupIndicesIntoMasks: { args: () => [[1, 2, 300]] },
  wordsToBitstring: { args: () => [[1n, 2n]] },
  wordsToTokenStatusList: { args: () => [[1n, 2n]] },
  createStatusRegistryClient: {
    args: (fx) => [fx.ADDRESS, fx.wallet, fx.clientOptions],
    methods: statusRegistryMethods,
  },
  credentialTypeHash: { args: () => ['VerifiableDiploma'] },
  createTrustedIssuersRegistryClient: {
    args: (fx) => [fx.ADDRESS, fx.wallet, fx.clientOptions],
    methods: trustedIssuersMethods,
  },
}

import { assertRecord, CivitasError, describeValue, hasOwn, isRecord, toCivitasError } from '@civitas/core'
import {
  type BytesLike,
  type ContractRunner,
  getAddress,
  hexlify,
  isHexString,
  Signature,
  type Signer,
  toUtf8Bytes,
  zeroPadBytes,
} from 'ethers'
import { assertAddress, assertBytes32, assertRunner, assertText, toUint } from './arguments.js'
import {
  bindContract,
  clientTimeouts,
  providerOf,
  type RegistryClientOptions,
  type WriteResult,
  withTimeout,
} from './contract.js'
import { didRegistryAbi } from './generated/didRegistry.js'

/** The EIP-712 authorisation of a relayed DIDRegistry write. */
export interface DidRegistrySignature {
  deadline: bigint
  v: number
  r: string
  s: string
}

/** A DIDRegistry write that the identity owner signs and anyone may relay. */
export type DidRegistryOperation =
  | { type: 'ChangeOwner'; identity: string; newOwner: string }
  | {
      type: 'AddDelegate'
      identity: string
      delegateType: string
      delegate: string
      validity: bigint | number
    }
  | { type: 'RevokeDelegate'; identity: string; delegateType: string; delegate: string }
  | {
      type: 'SetAttribute'
      identity: string
      name: string
      value: BytesLike | string
      validity: bigint | number
    }
  | { type: 'RevokeAttribute'; identity: string; name: string; value: BytesLike | string }
  | { type: 'Deactivate'; identity: string }

const TYPES: Record<DidRegistryOperation['type'], { name: string; type: string }[]> = {
  ChangeOwner: [
    { name: 'identity', type: 'address' },
    { name: 'newOwner', type: 'address' },
  ],
  AddDelegate: [
    { name: 'identity', type: 'address' },
    { name: 'delegateType', type: 'bytes32' },
    { name: 'delegate', type: 'address' },
    { name: 'validity', type: 'uint256' },
  ],
  RevokeDelegate: [
    { name: 'identity', type: 'address' },
    { name: 'delegateType', type: 'bytes32' },
    { name: 'delegate', type: 'address' },
  ],
  SetAttribute: [
    { name: 'identity', type: 'address' },
    { name: 'name', type: 'bytes32' },
    { name: 'value', type: 'bytes' },
    { name: 'validity', type: 'uint256' },
  ],
  RevokeAttribute: [
    { name: 'identity', type: 'address' },
    { name: 'name', type: 'bytes32' },
    { name: 'value', type: 'bytes' },
  ],
  Deactivate: [{ name: 'identity', type: 'address' }],
}

/**
 * ERC-1056 names (`did/pub/Secp256k1/veriKey/hex`, `sigAuth`...) as bytes32: UTF-8, right
 * padded, as ethr-did-resolver reads them. A 0x-prefixed 32-byte hex string passes through.
 */
export function toBytes32(name: string): string {
  // 66 characters: the longest form accepted (0x and 64 hex digits); a UTF-8 name is at most 32.
  assertText(name, 'name', 66)
  if (isHexString(name, 32)) return name
  const bytes = toUtf8Bytes(name)
  if (bytes.length > 32) {
    throw new CivitasError('INVALID_ARGUMENT', `${describeValue(name)} does not fit in bytes32`, {
      details: { argument: 'name', length: bytes.length },
    })
  }
  return zeroPadBytes(bytes, 32)
}

/** Longest attribute value accepted: far above any service endpoint or public key. */
export const MAX_ATTRIBUTE_VALUE_BYTES = 8 * 1024

/**
 * Attribute values: bytes and hex strings pass through, other strings are UTF-8 (service
 * endpoints). Anything else is INVALID_ARGUMENT; so is a value over 8 KiB, which costs gas
 * for every reader of the DID and belongs off-chain.
 */
export function toAttributeValue(value: BytesLike | string): string {
  if (
    (value instanceof Uint8Array || typeof value === 'string') &&
    value.length > 2 * MAX_ATTRIBUTE_VALUE_BYTES + 2
  ) {
    throw new CivitasError('INPUT_TOO_LARGE', `value is longer than ${MAX_ATTRIBUTE_VALUE_BYTES} bytes`, {
      details: { argument: 'value', maxBytes: MAX_ATTRIBUTE_VALUE_BYTES },
    })
  }
  let hex: string
  if (value instanceof Uint8Array) hex = hexlify(value)
  else if (typeof value === 'string' && isHexString(value)) hex = value
  else if (typeof value === 'string') {
    assertText(value, 'value', MAX_ATTRIBUTE_VALUE_BYTES)
    hex = hexlify(toUtf8Bytes(value))
  } else {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `value must be a string or bytes, got ${describeValue(value)}`,
      {
        details: { argument: 'value' },
      },
    )
  }
  if ((hex.length - 2) / 2 > MAX_ATTRIBUTE_VALUE_BYTES) {
    throw new CivitasError('INPUT_TOO_LARGE', `value is longer than ${MAX_ATTRIBUTE_VALUE_BYTES} bytes`, {
      details: { argument: 'value', maxBytes: MAX_ATTRIBUTE_VALUE_BYTES },
    })
  }
  return hex
}

export interface DidRegistryClient {
  readonly address: string
  identityOwner(identity: string): Promise<string>
  validDelegate(identity: string, delegateType: string, delegate: string): Promise<boolean>
  /** Block number of the identity's last change (0 when never changed). */
  changed(identity: string): Promise<bigint>
  nonce(identity: string): Promise<bigint>
  /** ERC-1056 `owners`: the explicitly set owner, zero address when never changed. */
  owners(identity: string): Promise<string>
  /**
   * ERC-1056 `delegates`: the delegate's validTo (unix seconds), 0 when never added. Raw
   * storage, left as is by `deactivate`: ask {@link validDelegate} whether a delegate counts.
   */
  delegateValidTo(identity: string, delegateType: string, delegate: string): Promise<bigint>
  isDeactivated(identity: string): Promise<boolean>
  domainSeparator(): Promise<string>

  changeOwner(identity: string, newOwner: string): Promise<WriteResult>
  addDelegate(
    identity: string,
    delegateType: string,
    delegate: string,
    validity: bigint | number,
  ): Promise<WriteResult>
  revokeDelegate(identity: string, delegateType: string, delegate: string): Promise<WriteResult>
  setAttribute(
    identity: string,
    name: string,
    value: BytesLike | string,
    validity: bigint | number,
  ): Promise<WriteResult>
  revokeAttribute(identity: string, name: string, value: BytesLike | string): Promise<WriteResult>
  /** Final: no later write is accepted and delegates stop being valid. */
  deactivate(identity: string): Promise<WriteResult>

  /**
   * The owner signs `operation` for relaying (EIP-712 over chainId, this registry, the
   * identity's current nonce and `deadline`, unix seconds).
   */
  sign(
    owner: Signer,
    operation: DidRegistryOperation,
    options: { deadline: bigint | number; nonce?: bigint; chainId?: bigint | number },
  ): Promise<DidRegistrySignature>
  /** Sends a signed operation from this client's runner (the relayer). */
  submitSigned(operation: DidRegistryOperation, signature: DidRegistrySignature): Promise<WriteResult>
}

/** An operation to sign or relay, checked member by member (its type picks the members). */
function checkOperation(operation: unknown): asserts operation is DidRegistryOperation {
  assertRecord(operation, 'operation')
  if (typeof operation.type !== 'string' || !hasOwn(TYPES, operation.type)) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `operation.type must be one of ${Object.keys(TYPES).join(', ')}, got ${describeValue(operation.type)}`,
      { details: { argument: 'operation.type' } },
    )
  }
  assertAddress(operation.identity, 'operation.identity')
  if (operation.type === 'ChangeOwner') assertAddress(operation.newOwner, 'operation.newOwner')
  if (operation.type === 'AddDelegate' || operation.type === 'RevokeDelegate') {
    assertAddress(operation.delegate, 'operation.delegate')
  }
}

function checkSignature(signature: unknown): DidRegistrySignature {
  assertRecord(signature, 'signature')
  const { v, r, s } = signature
  // Any uint8: which v authorises is the contract's to say (it refuses all but 27 and 28).
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
    throw new CivitasError('INVALID_ARGUMENT', `signature.v must be a uint8, got ${describeValue(v)}`, {
      details: { argument: 'signature.v' },
    })
  }
  assertBytes32(r, 'signature.r')
  assertBytes32(s, 'signature.s')
  return { deadline: toUint(signature.deadline as bigint, 'signature.deadline'), v, r, s }
}

export function createDidRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): DidRegistryClient {
  assertAddress(address, 'address')
  assertRunner(runner)
  const { readTimeoutMs } = clientTimeouts(options)
  const bound = bindContract('DIDRegistry', address, didRegistryAbi, runner, options)
  const registry = getAddress(address)
  const identityOf = (identity: unknown): string => {
    assertAddress(identity, 'identity')
    return identity
  }
  const delegateOf = (delegate: unknown): string => {
    assertAddress(delegate, 'delegate')
    return delegate
  }
  function messageOf(operation: DidRegistryOperation): Record<string, unknown> {
    switch (operation.type) {
      case 'ChangeOwner':
        return { identity: operation.identity, newOwner: operation.newOwner }
      case 'AddDelegate':
        return {
          identity: operation.identity,
          delegateType: toBytes32(operation.delegateType),
          delegate: operation.delegate,
          validity: toUint(operation.validity, 'validity'),
        }
      case 'RevokeDelegate':
        return {
          identity: operation.identity,
          delegateType: toBytes32(operation.delegateType),
          delegate: operation.delegate,
        }
      case 'SetAttribute':
        return {
          identity: operation.identity,
          name: toBytes32(operation.name),
          value: toAttributeValue(operation.value),
          validity: toUint(operation.validity, 'validity'),
        }
      case 'RevokeAttribute':
        return {
          identity: operation.identity,
          name: toBytes32(operation.name),
          value: toAttributeValue(operation.value),
        }
      case 'Deactivate':
        return { identity: operation.identity }
    }
  }

  // Every method is async: a bad argument rejects the returned promise, it never throws.
  return {
    address: registry,
    identityOwner: async (identity) => bound.read<string>('identityOwner', [identityOf(identity)]),
    validDelegate: async (identity, delegateType, delegate) =>
      bound.read<boolean>('validDelegate', [
        identityOf(identity),
        toBytes32(delegateType),
        delegateOf(delegate),
      ]),
    changed: async (identity) => bound.read<bigint>('changed', [identityOf(identity)]),
    nonce: async (identity) => bound.read<bigint>('nonce', [identityOf(identity)]),
    owners: async (identity) => bound.read<string>('owners', [identityOf(identity)]),
    delegateValidTo: async (identity, delegateType, delegate) =>
      bound.read<bigint>('delegates', [identityOf(identity), toBytes32(delegateType), delegateOf(delegate)]),
    isDeactivated: async (identity) => bound.read<boolean>('deactivated', [identityOf(identity)]),
    domainSeparator: async () => bound.read<string>('domainSeparator', []),

    changeOwner: async (identity, newOwner) => {
      assertAddress(newOwner, 'newOwner')
      return bound.write('changeOwner', [identityOf(identity), newOwner])
    },
    addDelegate: async (identity, delegateType, delegate, validity) =>
      bound.write('addDelegate', [
        identityOf(identity),
        toBytes32(delegateType),
        delegateOf(delegate),
        toUint(validity, 'validity'),
      ]),
    revokeDelegate: async (identity, delegateType, delegate) =>
      bound.write('revokeDelegate', [identityOf(identity), toBytes32(delegateType), delegateOf(delegate)]),
    setAttribute: async (identity, name, value, validity) =>
      bound.write('setAttribute', [
        identityOf(identity),
        toBytes32(name),
        toAttributeValue(value),
        toUint(validity, 'validity'),
      ]),
    revokeAttribute: async (identity, name, value) =>
      bound.write('revokeAttribute', [identityOf(identity), toBytes32(name), toAttributeValue(value)]),
    deactivate: async (identity) => bound.write('deactivate', [identityOf(identity)]),

    async sign(owner, operation, options) {
      if (!isRecord(owner) || typeof (owner as { signTypedData?: unknown }).signTypedData !== 'function') {
        throw new CivitasError('INVALID_ARGUMENT', 'owner must be an ethers Signer (with signTypedData)', {
          details: { argument: 'owner' },
        })
      }
      checkOperation(operation)
      assertRecord(options, 'options')
      const deadline = toUint(options.deadline, 'options.deadline')
      const chainId =
        options.chainId === undefined
          ? (
              await withTimeout(providerOf(runner).getNetwork(), readTimeoutMs, {
                contract: 'DIDRegistry',
                method: 'sign',
              })
            ).chainId
          : toUint(options.chainId, 'options.chainId')
      const nonce =
        options.nonce === undefined
          ? await bound.read<bigint>('nonce', [operation.identity])
          : toUint(options.nonce, 'options.nonce')
      const domain = { name: 'CivitasDIDRegistry', version: '1', chainId, verifyingContract: registry }
      const types = {
        [operation.type]: [
          ...TYPES[operation.type],
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      }
      const message = { ...messageOf(operation), nonce, deadline }
      let sig: Signature
      try {
        sig = Signature.from(await owner.signTypedData(domain, types, message))
      } catch (error) {
        throw toCivitasError(error, 'SIGNER_FAILED', 'the owner could not sign the operation')
      }
      return { deadline, v: sig.v, r: sig.r, s: sig.s }
    },

    async submitSigned(operation, signature) {
      checkOperation(operation)
      const checked = checkSignature(signature)
      const sig = [checked.deadline, checked.v, checked.r, checked.s]
      const m = messageOf(operation)
      switch (operation.type) {
        case 'ChangeOwner':
          return bound.write('changeOwnerSigned', [m.identity, m.newOwner, sig])
        case 'AddDelegate':
          return bound.write('addDelegateSigned', [m.identity, m.delegateType, m.delegate, m.validity, sig])
        case 'RevokeDelegate':
          return bound.write('revokeDelegateSigned', [m.identity, m.delegateType, m.delegate, sig])
        case 'SetAttribute':
          return bound.write('setAttributeSigned', [m.identity, m.name, m.value, m.validity, sig])
        case 'RevokeAttribute':
          return bound.write('revokeAttributeSigned', [m.identity, m.name, m.value, sig])
        case 'Deactivate':
          return bound.write('deactivateSigned', [m.identity, sig])
      }
    },
  }
}

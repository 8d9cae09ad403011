import { CivitasError } from '@civitas/core'
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
import {
  bindContract,
  DEFAULT_READ_TIMEOUT_MS,
  providerOf,
  type RegistryClientOptions,
  toUint,
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
  if (isHexString(name, 32)) return name
  const bytes = toUtf8Bytes(name)
  if (bytes.length > 32) {
    throw new CivitasError('INVALID_ARGUMENT', `"${name}" does not fit in bytes32`, {
      details: { name, length: bytes.length },
    })
  }
  return zeroPadBytes(bytes, 32)
}

/** Attribute values: hex strings pass through, other strings are UTF-8 (service endpoints). */
export function toAttributeValue(value: BytesLike | string): string {
  if (typeof value === 'string') return isHexString(value) ? value : hexlify(toUtf8Bytes(value))
  return hexlify(value)
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

export function createDidRegistryClient(
  address: string,
  runner: ContractRunner,
  options: RegistryClientOptions = {},
): DidRegistryClient {
  const bound = bindContract('DIDRegistry', address, didRegistryAbi, runner, options)
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
  const registry = getAddress(address)

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

  return {
    address: registry,
    identityOwner: (identity) => bound.read<string>('identityOwner', [identity]),
    validDelegate: async (identity, delegateType, delegate) =>
      bound.read<boolean>('validDelegate', [identity, toBytes32(delegateType), delegate]),
    changed: (identity) => bound.read<bigint>('changed', [identity]),
    nonce: (identity) => bound.read<bigint>('nonce', [identity]),
    owners: (identity) => bound.read<string>('owners', [identity]),
    delegateValidTo: async (identity, delegateType, delegate) =>
      bound.read<bigint>('delegates', [identity, toBytes32(delegateType), delegate]),
    isDeactivated: (identity) => bound.read<boolean>('deactivated', [identity]),
    domainSeparator: () => bound.read<string>('domainSeparator', []),

    changeOwner: (identity, newOwner) => bound.write('changeOwner', [identity, newOwner]),
    addDelegate: async (identity, delegateType, delegate, validity) =>
      bound.write('addDelegate', [identity, toBytes32(delegateType), delegate, toUint(validity, 'validity')]),
    revokeDelegate: async (identity, delegateType, delegate) =>
      bound.write('revokeDelegate', [identity, toBytes32(delegateType), delegate]),
    setAttribute: async (identity, name, value, validity) =>
      bound.write('setAttribute', [
        identity,
        toBytes32(name),
        toAttributeValue(value),
        toUint(validity, 'validity'),
      ]),
    revokeAttribute: async (identity, name, value) =>
      bound.write('revokeAttribute', [identity, toBytes32(name), toAttributeValue(value)]),
    deactivate: (identity) => bound.write('deactivate', [identity]),

    async sign(owner, operation, options) {
      const chainId =
        options.chainId === undefined
          ? (
              await withTimeout(providerOf(runner).getNetwork(), readTimeoutMs, {
                contract: 'DIDRegistry',
                method: 'sign',
              })
            ).chainId
          : toUint(options.chainId, 'chainId')
      const nonce = options.nonce ?? (await bound.read<bigint>('nonce', [operation.identity]))
      const deadline = toUint(options.deadline, 'deadline')
      const domain = { name: 'CivitasDIDRegistry', version: '1', chainId, verifyingContract: registry }
      const types = {
        [operation.type]: [
          ...TYPES[operation.type],
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      }
      const raw = await owner.signTypedData(domain, types, { ...messageOf(operation), nonce, deadline })
      const sig = Signature.from(raw)
      return { deadline, v: sig.v, r: sig.r, s: sig.s }
    },

    async submitSigned(operation, signature) {
      const sig = [signature.deadline, signature.v, signature.r, signature.s]
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

import { CivitasError, type CivitasErrorCode, describeValue, isRecord } from '@civitas/core'
import { Interface, type InterfaceAbi } from 'ethers'
import type { DIDRegistryErrorName } from './generated/didRegistry.js'
import { didRegistryAbi } from './generated/didRegistry.js'
import type { SchemaRegistryErrorName } from './generated/schemaRegistry.js'
import { schemaRegistryAbi } from './generated/schemaRegistry.js'
import type { StatusRegistryErrorName } from './generated/statusRegistry.js'
import { statusRegistryAbi } from './generated/statusRegistry.js'
import type { TrustedIssuersRegistryErrorName } from './generated/trustedIssuersRegistry.js'
import { trustedIssuersRegistryAbi } from './generated/trustedIssuersRegistry.js'

/** Every custom error any registry can revert with. */
export type RegistryErrorName =
  | DIDRegistryErrorName
  | StatusRegistryErrorName
  | TrustedIssuersRegistryErrorName
  | SchemaRegistryErrorName

/**
 * The CivitasError code for each Solidity custom error. Typed as a total record over the
 * generated error names, so adding an error to a contract without mapping it fails the build.
 */
export const REGISTRY_ERROR_CODES: Readonly<Record<RegistryErrorName, CivitasErrorCode>> = {
  // DIDRegistry
  NotIdentityOwner: 'UNAUTHORIZED',
  IdentityDeactivated: 'DID_DEACTIVATED',
  ZeroAddress: 'INVALID_ARGUMENT',
  InvalidSignature: 'SIGNATURE_INVALID',
  SignatureExpired: 'SIGNATURE_EXPIRED',
  ValidityTooLong: 'INVALID_ARGUMENT',
  // StatusRegistry
  ListNotFound: 'NOT_FOUND',
  ListAlreadyExists: 'ALREADY_EXISTS',
  ListTooShort: 'STATUS_LIST_TOO_SHORT',
  InvalidListLength: 'INVALID_ARGUMENT',
  InvalidPurpose: 'STATUS_PURPOSE_MISMATCH',
  WrongPurpose: 'STATUS_PURPOSE_MISMATCH',
  IndexOutOfRange: 'STATUS_INDEX_OUT_OF_RANGE',
  WordOutOfRange: 'STATUS_INDEX_OUT_OF_RANGE',
  WordsNotAscending: 'INVALID_ARGUMENT',
  LengthMismatch: 'INVALID_ARGUMENT',
  NotIssuerOrDelegate: 'UNAUTHORIZED',
  ExpiryInPast: 'INVALID_ARGUMENT',
  // Governance (TrustedIssuersRegistry, SchemaRegistry)
  NotOwner: 'UNAUTHORIZED',
  NotPendingOwner: 'UNAUTHORIZED',
  // TrustedIssuersRegistry
  InvalidRole: 'INVALID_ARGUMENT',
  InvalidTypes: 'INVALID_ARGUMENT',
  InvalidWindow: 'INVALID_ARGUMENT',
  InvalidDocument: 'INVALID_ARGUMENT',
  AccreditationNotFound: 'NOT_FOUND',
  NotAccreditor: 'UNAUTHORIZED',
  AccreditorInactive: 'ACCREDITATION_INACTIVE',
  TypeNotHeld: 'ACCREDITATION_SCOPE_EXCEEDED',
  WindowExceedsParent: 'ACCREDITATION_SCOPE_EXCEEDED',
  ChainTooDeep: 'ACCREDITATION_CHAIN_TOO_DEEP',
  TooManyRecords: 'INPUT_TOO_LARGE',
  AlreadyRevoked: 'ALREADY_REVOKED',
  NotRevoker: 'UNAUTHORIZED',
  // SchemaRegistry
  InvalidSchemaId: 'INVALID_ARGUMENT',
  InvalidSchemaHash: 'INVALID_ARGUMENT',
  EmptyUri: 'INVALID_ARGUMENT',
  NotSchemaPublisher: 'UNAUTHORIZED',
  SchemaNotFound: 'NOT_FOUND',
  VersionNotFound: 'NOT_FOUND',
}

/** One interface with every registry error, deduplicated by selector (ZeroAddress is shared). */
const errorInterface: Interface = (() => {
  const seen = new Set<string>()
  const fragments: unknown[] = []
  for (const abi of [didRegistryAbi, statusRegistryAbi, trustedIssuersRegistryAbi, schemaRegistryAbi]) {
    for (const item of abi) {
      if (item.type !== 'error') continue
      const key = `${item.name}(${item.inputs.map((i) => i.type).join(',')})`
      if (seen.has(key)) continue
      seen.add(key)
      fragments.push(item)
    }
  }
  return new Interface(fragments as InterfaceAbi)
})()

export interface DecodedRevert {
  name: string
  signature: string
  args: Record<string, unknown>
}

/** Decodes revert data of any registry into its custom error, or undefined. */
export function decodeRegistryRevert(data: string): DecodedRevert | undefined {
  // Selector plus at most 64 KiB of arguments: our errors carry a few words.
  if (typeof data !== 'string' || data.length > 2 + 8 + 128 * 1024) return undefined
  try {
    const parsed = errorInterface.parseError(data)
    if (!parsed) return undefined
    const args: Record<string, unknown> = {}
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name || String(i)] = jsonSafe(parsed.args[i])
    })
    return { name: parsed.name, signature: parsed.signature, args }
  } catch {
    return undefined
  }
}

function jsonSafe(value: unknown): unknown {
  // bigint does not survive JSON.stringify; details must stay serialisable.
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
  return value
}

/** Finds revert data wherever ethers or the JSON-RPC node nested it. */
function findRevertData(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || error === null || typeof error !== 'object') return undefined
  const record = error as Record<string, unknown>
  const data = record.data
  if (typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)) return data
  if (data && typeof data === 'object') {
    const nested = findRevertData(data, depth + 1)
    if (nested) return nested
  }
  for (const key of ['error', 'info', 'cause', 'payload']) {
    const nested = findRevertData(record[key], depth + 1)
    if (nested) return nested
  }
  return undefined
}

const UNAVAILABLE = /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|fetch failed|socket hang up/

/**
 * Turns whatever a registry call threw into a CivitasError: a custom error becomes its
 * mapped code with the Solidity name and arguments in `details`; an unreachable node is
 * CHAIN_UNAVAILABLE; anything else is TRANSACTION_FAILED. The original travels as `cause`.
 */
export function toRegistryError(error: unknown, where: { contract: string; method: string }): CivitasError {
  if (error instanceof CivitasError) return error
  // The context only names the call in messages: anything but strings becomes a placeholder.
  const context = {
    contract: isRecord(where) && typeof where.contract === 'string' ? where.contract : 'registry',
    method: isRecord(where) && typeof where.method === 'string' ? where.method : 'call',
  }
  const data = findRevertData(error)
  if (data) {
    const revert = decodeRegistryRevert(data)
    if (revert) {
      const code = Object.hasOwn(REGISTRY_ERROR_CODES, revert.name)
        ? REGISTRY_ERROR_CODES[revert.name as RegistryErrorName]
        : 'CONTRACT_REVERTED'
      return new CivitasError(code, `${context.contract}.${context.method} reverted with ${revert.name}`, {
        cause: error,
        details: { ...context, error: revert.name, signature: revert.signature, args: revert.args },
      })
    }
    return new CivitasError('CONTRACT_REVERTED', `${context.contract}.${context.method} reverted`, {
      cause: error,
      details: { ...context, data },
    })
  }
  const code = (error as { code?: unknown } | null)?.code
  // ethers echoes the offending value in its messages: keep ours short whatever it was.
  const full =
    error instanceof Error && typeof error.message === 'string' ? error.message : describeValue(error)
  const message = full.length > 300 ? `${full.slice(0, 300)}…` : full
  // ethers refuses bad arguments (not an address, a negative uint, a name without ENS, a
  // runner that cannot send) before anything reaches the chain: that is caller misuse.
  if (code === 'INVALID_ARGUMENT' || code === 'NUMERIC_FAULT' || code === 'UNSUPPORTED_OPERATION') {
    return new CivitasError('INVALID_ARGUMENT', `${context.contract}.${context.method}: ${message}`, {
      cause: error,
      details: context,
    })
  }
  if (
    code === 'NETWORK_ERROR' ||
    code === 'TIMEOUT' ||
    UNAVAILABLE.test(message) ||
    hasUnavailableCause(error)
  ) {
    return new CivitasError(
      'CHAIN_UNAVAILABLE',
      `${context.contract}.${context.method}: the node is unreachable`,
      {
        cause: error,
        details: context,
      },
    )
  }
  if (code === 'CALL_EXCEPTION') {
    return new CivitasError('CONTRACT_REVERTED', `${context.contract}.${context.method} reverted`, {
      cause: error,
      details: context,
    })
  }
  return new CivitasError('TRANSACTION_FAILED', `${context.contract}.${context.method} failed: ${message}`, {
    cause: error,
    details: context,
  })
}

function hasUnavailableCause(error: unknown, depth = 0): boolean {
  if (depth > 6 || error === null || typeof error !== 'object') return false
  const record = error as Record<string, unknown>
  if (typeof record.code === 'string' && UNAVAILABLE.test(record.code)) return true
  if (typeof record.message === 'string' && UNAVAILABLE.test(record.message)) return true
  return hasUnavailableCause(record.cause, depth + 1) || hasUnavailableCause(record.error, depth + 1)
}

import type { DIDDocument, Service, VerificationMethod } from 'did-resolver'
import { encodeBase58, encodeBase64, toUtf8String } from 'ethers'
import { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { hasOwn } from '../guards/index.js'

/**
 * The did:ethr document of an identity at a point of its ERC-1056 history. A port of
 * ethr-did-resolver 11.1.3's `wrapDidDocument` (Apache-2.0, (c) uPort / Consensys Mesh),
 * which that package does not export: Civitas reads the history itself (one log query
 * instead of one per change, with deadlines and bounds) and needs the document at a time
 * (`versionTime`), not only at a block. test/ethr-document-parity.test.ts compares the two on
 * a real chain. Deliberate differences: the name tables are read through own properties
 * only (an attribute named `did/pub/Ed25519/constructor` gets no inherited "type"), and a
 * service endpoint nested deeper than remote JSON may be is refused.
 */

/** One decoded ERC-1056 event, shaped as ethr-did-resolver's logParser shapes it. */
export interface Erc1056Event {
  _eventName: 'DIDOwnerChanged' | 'DIDDelegateChanged' | 'DIDAttributeChanged'
  blockNumber: number
  previousChange: bigint
  validTo?: bigint
  owner?: string
  delegateType?: string
  delegate?: string
  name?: string
  value?: string
}

export interface EthrDocumentVersion {
  didDocument: DIDDocument
  deactivated: boolean
  /** The block of the last change included (0: none). */
  versionId: number
  /** The block of the first change left out (Infinity: none). */
  nextVersionId: number
}

const NULL_ADDRESS = '0x0000000000000000000000000000000000000000'
const RECOVERY_METHOD = 'EcdsaSecp256k1RecoveryMethod2020'
const VERIFICATION_KEY_2019 = 'EcdsaSecp256k1VerificationKey2019'

const LEGACY_ATTRIBUTE_TYPES: Record<string, string> = {
  sigAuth: 'SignatureAuthentication2018',
  veriKey: 'VerificationKey2018',
  enc: 'KeyAgreementKey2019',
}

const LEGACY_ALGORITHMS: Record<string, string> = {
  Secp256k1VerificationKey2018: VERIFICATION_KEY_2019,
  Ed25519SignatureAuthentication2018: 'Ed25519VerificationKey2018',
  Secp256k1SignatureAuthentication2018: VERIFICATION_KEY_2019,
  RSAVerificationKey2018: 'RSAVerificationKey2018',
  Ed25519VerificationKey2018: 'Ed25519VerificationKey2018',
  X25519KeyAgreementKey2019: 'X25519KeyAgreementKey2019',
}

const ATTRIBUTE_NAME = /^did\/(pub|svc)\/(\w+)(\/(\w+))?(\/(\w+))?$/

function own(table: Record<string, string>, key: string | undefined): string | undefined {
  return key !== undefined && hasOwn(table, key) ? table[key] : undefined
}

function strip0x(input: string): string {
  return input.startsWith('0x') ? input.slice(2) : input
}

// A service endpoint is JSON written on chain by the identity's owner; the document that
// carries it is three levels deep (document → service → endpoint).
function serviceEndpoint(encoded: string): unknown {
  let endpoint: unknown
  try {
    endpoint = JSON.parse(encoded)
  } catch {
    return encoded
  }
  assertJsonDepth(endpoint, DEFAULT_MAX_JSON_DEPTH - 3, 'DID_DOCUMENT_INVALID', 'did:ethr service endpoint')
  return endpoint
}

/**
 * The document of `did` (whose address is `address`, and public key `controllerKey` when the
 * DID names one) with the changes of `history` up to `blockHeight` applied, and delegates and
 * attributes counted valid when their `validTo` is at or after `now` (seconds).
 */
export function ethrDidDocument(
  did: string,
  address: string,
  controllerKey: string | undefined,
  history: readonly Erc1056Event[],
  chainId: bigint,
  blockHeight: number | 'latest',
  now: bigint,
): EthrDocumentVersion {
  const baseDocument: DIDDocument = {
    id: did,
    verificationMethod: [],
    authentication: [],
    assertionMethod: [],
  }
  let controller = address
  const authentication = [`${did}#controller`]
  const assertionMethod = [`${did}#controller`]
  let versionId = 0
  let nextVersionId = Number.POSITIVE_INFINITY
  let deactivated = false
  let delegateCount = 0
  let serviceCount = 0
  const auth: Record<string, string> = {}
  const keyAgreementRefs: Record<string, string> = {}
  const signingRefs: Record<string, string> = {}
  const pks: Record<string, VerificationMethod> = {}
  const services: Record<string, Service> = {}
  const height = blockHeight === 'latest' ? -1 : blockHeight

  for (const event of history) {
    if (height !== -1 && event.blockNumber > height) {
      if (nextVersionId > event.blockNumber) nextVersionId = event.blockNumber
      continue
    }
    if (versionId < event.blockNumber) versionId = event.blockNumber
    const validTo = event.validTo || 0n
    const eventIndex = `${event._eventName}-${event.delegateType || event.name}-${event.delegate || event.value}`
    if (validTo && validTo >= now) {
      if (event._eventName === 'DIDDelegateChanged') {
        delegateCount++
        const id = `${did}#delegate-${delegateCount}`
        // A sigAuth delegate authenticates and is also a veriKey one (a switch fall-through upstream).
        if (event.delegateType === 'sigAuth') auth[eventIndex] = id
        if (event.delegateType === 'sigAuth' || event.delegateType === 'veriKey') {
          pks[eventIndex] = {
            id,
            type: RECOVERY_METHOD,
            controller: did,
            blockchainAccountId: `eip155:${chainId}:${event.delegate}`,
          }
          signingRefs[eventIndex] = id
        }
      } else if (event._eventName === 'DIDAttributeChanged') {
        const match = (event.name as string).match(ATTRIBUTE_NAME)
        if (match) {
          const section = match[1]
          const algorithm = match[2] as string
          const type = own(LEGACY_ATTRIBUTE_TYPES, match[4]) || match[4]
          const encoding = match[6]
          const value = event.value as string
          if (section === 'pub') {
            delegateCount++
            const pk: VerificationMethod & Record<string, unknown> = {
              id: `${did}#delegate-${delegateCount}`,
              type: `${algorithm}${type}`,
              controller: did,
            }
            pk.type = own(LEGACY_ALGORITHMS, pk.type) || algorithm
            let keyDataSet = true
            switch (encoding) {
              case undefined:
              case 'hex':
                pk.publicKeyHex = strip0x(value)
                break
              case 'base64':
                pk.publicKeyBase64 = encodeBase64(value)
                break
              case 'base58':
                pk.publicKeyBase58 = encodeBase58(value)
                break
              case 'pem':
                try {
                  pk.publicKeyPem = toUtf8String(value)
                } catch {
                  keyDataSet = false // not UTF-8: not a DID key
                }
                break
              default:
                pk.value = strip0x(value)
            }
            if (keyDataSet) {
              pks[eventIndex] = pk
              if (match[4] === 'sigAuth') {
                auth[eventIndex] = pk.id
                signingRefs[eventIndex] = pk.id
              } else if (match[4] === 'enc') {
                keyAgreementRefs[eventIndex] = pk.id
              } else {
                signingRefs[eventIndex] = pk.id
              }
            }
          } else if (section === 'svc') {
            serviceCount++
            let encoded: string | null = null
            try {
              encoded = toUtf8String(value)
            } catch {
              // not UTF-8: not a DID service
            }
            if (encoded !== null) {
              services[eventIndex] = {
                id: `${did}#service-${serviceCount}`,
                type: algorithm,
                serviceEndpoint: serviceEndpoint(encoded) as Service['serviceEndpoint'],
              }
            }
          }
        }
      }
    } else if (event._eventName === 'DIDOwnerChanged') {
      controller = event.owner as string
      if (event.owner === NULL_ADDRESS) {
        deactivated = true
        break
      }
    } else {
      // An expired or revoked delegate or key still takes its number, so later ids stay stable.
      if (
        event._eventName === 'DIDDelegateChanged' ||
        (event._eventName === 'DIDAttributeChanged' && (event.name as string).match(/^did\/pub\//))
      ) {
        delegateCount++
      } else if (event._eventName === 'DIDAttributeChanged' && (event.name as string).match(/^did\/svc\//)) {
        serviceCount++
      }
      delete auth[eventIndex]
      delete signingRefs[eventIndex]
      delete pks[eventIndex]
      delete services[eventIndex]
    }
  }

  const publicKeys: VerificationMethod[] = [
    {
      id: `${did}#controller`,
      type: RECOVERY_METHOD,
      controller: did,
      blockchainAccountId: `eip155:${chainId}:${controller}`,
    },
  ]
  if (controllerKey && controller === address) {
    publicKeys.push({
      id: `${did}#controllerKey`,
      type: VERIFICATION_KEY_2019,
      controller: did,
      publicKeyHex: strip0x(controllerKey),
    })
    authentication.push(`${did}#controllerKey`)
    assertionMethod.push(`${did}#controllerKey`)
  }
  const didDocument: DIDDocument = {
    ...baseDocument,
    verificationMethod: publicKeys.concat(Object.values(pks)),
    authentication: authentication.concat(Object.values(auth)),
    assertionMethod: assertionMethod.concat(Object.values(signingRefs)),
  }
  if (Object.values(services).length > 0) didDocument.service = Object.values(services)
  if (Object.values(keyAgreementRefs).length > 0) didDocument.keyAgreement = Object.values(keyAgreementRefs)
  return deactivated
    ? { didDocument: baseDocument, deactivated, versionId, nextVersionId }
    : { didDocument, deactivated, versionId, nextVersionId }
}

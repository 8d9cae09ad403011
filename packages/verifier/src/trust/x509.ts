import { X509Certificate } from 'node:crypto'
import { CivitasError, describeValue, type Jwk } from '@civitas/core'

/**
 * X.509 trust for tokens whose header carries an `x5c` chain (RFC 7515 §4.1.6), as EUDI PID
 * and mdoc issuers sign SD-JWT VCs: the leaf signs the token, each certificate is signed by
 * the next, the last by one of the verifier's root certificates; every certificate is in
 * its validity period, the intermediates are CAs, the leaf may sign (keyUsage
 * digitalSignature) and names the token's `iss` (SAN URI or DNS name). Checked with
 * node:crypto's X509Certificate (OpenSSL).
 */

/** Most certificates read from one `x5c`. */
export const MAX_X5C_CERTIFICATES = 5
const MAX_CERTIFICATE_BYTES = 16 * 1024

export interface X509ChainLink {
  subject: string
  issuer: string
  validFrom: string
  validTo: string
  fingerprint256: string
}

export interface VerifiedX509Chain {
  readonly chain: X509ChainLink[]
  /** The root certificate that anchors it. */
  readonly root: X509ChainLink
}

/** Root certificates from PEM text (one or several per string). Throws INVALID_ARGUMENT. */
export function parseRootCertificates(pems: readonly string[]): X509Certificate[] {
  const roots: X509Certificate[] = []
  for (const pem of pems) {
    const blocks =
      typeof pem === 'string'
        ? pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
        : null
    if (!blocks) throw new CivitasError('INVALID_ARGUMENT', 'trust.x509Roots must be PEM certificates')
    for (const block of blocks) {
      try {
        roots.push(new X509Certificate(block))
      } catch (error) {
        throw new CivitasError(
          'INVALID_ARGUMENT',
          'trust.x509Roots holds a certificate that does not parse',
          { cause: error },
        )
      }
    }
  }
  return roots
}

function link(certificate: X509Certificate): X509ChainLink {
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
    fingerprint256: certificate.fingerprint256,
  }
}

/** The certificates of a header's `x5c` (base64 DER, leaf first). Throws CERTIFICATE_INVALID. */
export function readX5c(x5c: unknown): X509Certificate[] {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > MAX_X5C_CERTIFICATES) {
    throw new CivitasError('CERTIFICATE_INVALID', `x5c must hold 1 to ${MAX_X5C_CERTIFICATES} certificates`)
  }
  return x5c.map((entry, i) => {
    if (
      typeof entry !== 'string' ||
      entry.length > (MAX_CERTIFICATE_BYTES * 4) / 3 ||
      !/^[A-Za-z0-9+/]+={0,2}$/.test(entry)
    ) {
      throw new CivitasError('CERTIFICATE_INVALID', `x5c[${i}] is not a base64 DER certificate`)
    }
    try {
      return new X509Certificate(Buffer.from(entry, 'base64'))
    } catch (error) {
      throw new CivitasError('CERTIFICATE_INVALID', `x5c[${i}] does not parse as a certificate`, {
        cause: error,
      })
    }
  })
}

/** The leaf's public key as a JWK: what the token's signature is checked with. */
export function leafPublicJwk(certificates: readonly X509Certificate[]): Jwk {
  try {
    return certificates[0]!.publicKey.export({ format: 'jwk' }) as Jwk
  } catch (error) {
    throw new CivitasError('CERTIFICATE_INVALID', 'the x5c leaf key cannot be used', { cause: error })
  }
}

// ── a minimal DER walk to the keyUsage extension (node:crypto does not expose it) ──

interface Tlv {
  tag: number
  start: number
  end: number
}

function tlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset]
  let length = der[offset + 1]
  if (tag === undefined || length === undefined) throw new Error('truncated DER')
  let start = offset + 2
  if (length & 0x80) {
    const bytes = length & 0x7f
    if (bytes === 0 || bytes > 3) throw new Error('unsupported DER length')
    length = 0
    for (let i = 0; i < bytes; i++) length = (length << 8) | (der[start + i] ?? 0)
    start += bytes
  }
  if (start + length > der.length) throw new Error('truncated DER')
  return { tag, start, end: start + length }
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.start; at < parent.end; ) {
    const child = tlv(der, at)
    out.push(child)
    at = child.end
  }
  return out
}

const KEY_USAGE_OID = Uint8Array.from([0x55, 0x1d, 0x0f])

/** keyUsage's digitalSignature bit; undefined when the certificate has no keyUsage extension. */
export function allowsDigitalSignature(certificate: X509Certificate): boolean | undefined {
  const der = new Uint8Array(certificate.raw)
  const tbs = children(der, tlv(der, 0))[0]
  if (!tbs) return false
  const extensions = children(der, tbs).find((t) => t.tag === 0xa3)
  if (!extensions) return undefined
  const [list] = children(der, extensions)
  if (!list) return undefined
  for (const extension of children(der, list)) {
    const [oid, ...rest] = children(der, extension)
    if (oid?.tag !== 0x06) continue
    const id = der.subarray(oid.start, oid.end)
    if (id.length !== KEY_USAGE_OID.length || !id.every((b, i) => b === KEY_USAGE_OID[i])) continue
    const value = rest.find((t) => t.tag === 0x04)
    if (!value) return false
    const bits = tlv(der, value.start)
    // BIT STRING: first byte counts unused bits; digitalSignature is bit 0 (0x80 of the next).
    return bits.tag === 0x03 && ((der[bits.start + 1] ?? 0) & 0x80) !== 0
  }
  return undefined
}

function inValidity(certificate: X509Certificate, now: number): boolean {
  const from = Date.parse(certificate.validFrom)
  const to = Date.parse(certificate.validTo)
  return Number.isFinite(from) && Number.isFinite(to) && now * 1000 >= from && now * 1000 <= to
}

/** Whether the leaf names `issuer` (an https URL): as a SAN URI, or its host as a SAN DNS name. */
function namesIssuer(leaf: X509Certificate, issuer: string): boolean {
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    return false
  }
  const san = leaf.subjectAltName ?? ''
  const entries = san.split(/,\s*/)
  return entries.includes(`URI:${issuer}`) || leaf.checkHost(url.hostname, { subject: 'never' }) !== undefined
}

/**
 * Verifies an `x5c` chain for a token issued by `issuer` at `now` (seconds) against `roots`.
 * Throws ISSUER_NOT_TRUSTED (no path to a root), CERTIFICATE_INVALID (expired, not a CA,
 * may not sign, does not name the issuer, malformed).
 */
export function verifyX5cChain(
  x5c: unknown,
  roots: readonly X509Certificate[],
  options: { now: number; issuer: string | undefined },
): VerifiedX509Chain {
  const certificates = readX5c(x5c)
  const leaf = certificates[0]!
  for (const [i, certificate] of certificates.entries()) {
    if (!inValidity(certificate, options.now)) {
      throw new CivitasError(
        'CERTIFICATE_INVALID',
        `certificate ${describeValue(certificate.subject, 120)} is not valid now (valid ${certificate.validFrom} to ${certificate.validTo})`,
      )
    }
    if (i > 0 && !certificate.ca) {
      throw new CivitasError(
        'CERTIFICATE_INVALID',
        `certificate ${describeValue(certificate.subject, 120)} is not a CA`,
      )
    }
    const next = certificates[i + 1]
    if (next && !(certificate.checkIssued(next) && certificate.verify(next.publicKey))) {
      throw new CivitasError(
        'ISSUER_NOT_TRUSTED',
        `certificate ${describeValue(certificate.subject, 120)} is not signed by the next one in x5c`,
      )
    }
  }
  if (allowsDigitalSignature(leaf) === false) {
    throw new CivitasError(
      'CERTIFICATE_INVALID',
      'the x5c leaf certificate may not sign (keyUsage without digitalSignature)',
    )
  }
  if (options.issuer === undefined || !namesIssuer(leaf, options.issuer)) {
    throw new CivitasError(
      'CERTIFICATE_INVALID',
      `the x5c leaf certificate does not name the issuer ${describeValue(options.issuer ?? 'unknown', 200)}`,
    )
  }
  const last = certificates[certificates.length - 1]!
  const root = roots.find(
    (candidate) =>
      candidate.fingerprint256 === last.fingerprint256 ||
      (last.checkIssued(candidate) && last.verify(candidate.publicKey) && inValidity(candidate, options.now)),
  )
  if (!root) {
    throw new CivitasError(
      'ISSUER_NOT_TRUSTED',
      `the certificate chain of ${describeValue(leaf.subject, 120)} does not lead to a trusted root`,
    )
  }
  return { chain: certificates.map(link), root: link(root) }
}

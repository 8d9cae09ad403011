import { base64urlEncode } from '../encoding/base64url.js'
import { CivitasError, toCivitasError } from '../errors/index.js'
import { isSignatureAlgorithm, signatureLength } from '../keys/algorithms.js'
import type { Signer } from '../keys/signer.js'

const encoder = new TextEncoder()

/**
 * Signs `payload` as a compact JWS. An object payload is serialised as JSON (a JWT);
 * bytes and strings are signed as they are. The header takes `alg` from the signer
 * (it cannot be overridden) and `kid` from the signer unless `header.kid` is given.
 */
export async function signJws(
  payload: Record<string, unknown> | Uint8Array | string,
  signer: Signer,
  header: Record<string, unknown> = {},
): Promise<string> {
  if (!signer || typeof signer.sign !== 'function' || !isSignatureAlgorithm(signer.alg)) {
    throw new CivitasError('INVALID_ARGUMENT', 'signer must be a Signer with a supported alg')
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new CivitasError('INVALID_ARGUMENT', 'header must be an object')
  }
  // `crit` and RFC 7797's `b64` change how a token must be processed; Civitas verifiers
  // (and most others) refuse them, so producing such a token would only make unverifiable output.
  for (const parameter of ['crit', 'b64']) {
    if (parameter in header) {
      throw new CivitasError('INVALID_ARGUMENT', `header parameter "${parameter}" is not supported`, {
        details: { parameter },
      })
    }
  }
  if ('alg' in header && header.alg !== signer.alg) {
    throw new CivitasError(
      'ALG_KEY_MISMATCH',
      `header alg ${String(header.alg)} does not match signer ${signer.alg}`,
    )
  }
  let payloadBytes: Uint8Array
  if (payload instanceof Uint8Array) payloadBytes = payload
  else if (typeof payload === 'string') payloadBytes = encoder.encode(payload)
  else if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    payloadBytes = encoder.encode(JSON.stringify(payload))
  } else {
    throw new CivitasError('INVALID_ARGUMENT', 'payload must be an object, a string or bytes')
  }
  if (signer.kid !== undefined && typeof signer.kid !== 'string') {
    throw new CivitasError('INVALID_ARGUMENT', 'signer kid must be a string')
  }
  const protectedHeader = {
    alg: signer.alg,
    ...(signer.kid !== undefined ? { kid: signer.kid } : {}),
    ...header,
  }
  const signingInput = `${base64urlEncode(JSON.stringify(protectedHeader))}.${base64urlEncode(payloadBytes)}`
  let signature: Uint8Array
  try {
    signature = await signer.sign(encoder.encode(signingInput))
  } catch (cause) {
    throw toCivitasError(cause, 'SIGNER_FAILED', 'the signer failed to sign')
  }
  if (!(signature instanceof Uint8Array) || signature.length !== signatureLength(signer.alg)) {
    // A KMS returning DER (or the wrong curve) would produce tokens nobody can verify.
    throw new CivitasError('SIGNER_FAILED', `signer returned a malformed ${signer.alg} signature`, {
      details: { expectedLength: signatureLength(signer.alg), actualLength: signature?.length },
    })
  }
  return `${signingInput}.${base64urlEncode(signature)}`
}

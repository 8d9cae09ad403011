import { base64urlEncode } from '../encoding/base64url.js'
import { assertJsonValue, DEFAULT_MAX_JSON_DEPTH } from '../encoding/json.js'
import { describeValue } from '../errors/describe.js'
import { CivitasError, toCivitasError } from '../errors/index.js'
import { hasOwn, isRecord } from '../guards/index.js'
import { assertSigner, checkSignerOutput, type Signer } from '../keys/signer.js'

const encoder = new TextEncoder()

// JSON.stringify throws a raw TypeError for a BigInt or a cycle, and calls a value's toJSON:
// the caller gets INVALID_ARGUMENT naming the argument instead. Nesting is bounded as
// verifiers bound it (nothing is signed that they would refuse), and byte arrays, which
// serialise as one member per byte (megabytes of it take seconds), are refused.
function toJson(value: unknown, name: string): string {
  assertJsonValue(value, DEFAULT_MAX_JSON_DEPTH, 'INVALID_ARGUMENT', name)
  try {
    return JSON.stringify(value)
  } catch (cause) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `${name} cannot be serialised as JSON (a BigInt or a cycle?)`,
      {
        cause,
        details: { argument: name },
      },
    )
  }
}

/**
 * Signs `payload` as a compact JWS. An object payload is serialised as JSON (a JWT);
 * bytes and strings are signed as they are. The header takes `alg` from the signer
 * (it cannot be overridden) and `kid` from the signer unless `header.kid` is given.
 * The signer's output is checked ({@link checkSignerOutput}): exact length, no DER,
 * low S for ES256K.
 */
export async function signJws(
  payload: Record<string, unknown> | Uint8Array | string,
  signer: Signer,
  header: Record<string, unknown> = {},
): Promise<string> {
  assertSigner(signer)
  if (!isRecord(header)) {
    throw new CivitasError('INVALID_ARGUMENT', `header must be an object, got ${describeValue(header)}`, {
      details: { argument: 'header' },
    })
  }
  // `crit` and RFC 7797's `b64` change how a token must be processed; Civitas verifiers
  // (and most others) refuse them, so producing such a token would only make unverifiable output.
  for (const parameter of ['crit', 'b64']) {
    if (hasOwn(header, parameter)) {
      throw new CivitasError('INVALID_ARGUMENT', `header parameter "${parameter}" is not supported`, {
        details: { parameter },
      })
    }
  }
  if (hasOwn(header, 'alg') && header.alg !== signer.alg) {
    throw new CivitasError(
      'ALG_KEY_MISMATCH',
      `header alg ${describeValue(header.alg)} does not match signer ${signer.alg}`,
    )
  }
  let payloadBytes: Uint8Array
  if (payload instanceof Uint8Array) payloadBytes = payload
  else if (typeof payload === 'string') payloadBytes = encoder.encode(payload)
  else if (isRecord(payload)) payloadBytes = encoder.encode(toJson(payload, 'payload'))
  else {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `payload must be an object, a string or bytes, got ${describeValue(payload)}`,
      { details: { argument: 'payload' } },
    )
  }
  const protectedHeader = {
    alg: signer.alg,
    ...(signer.kid !== undefined ? { kid: signer.kid } : {}),
    ...header,
  }
  const signingInput = `${base64urlEncode(toJson(protectedHeader, 'header'))}.${base64urlEncode(payloadBytes)}`
  let signature: unknown
  try {
    signature = await signer.sign(encoder.encode(signingInput))
  } catch (cause) {
    throw toCivitasError(cause, 'SIGNER_FAILED', 'the signer failed to sign')
  }
  return `${signingInput}.${base64urlEncode(checkSignerOutput(signer.alg, signature))}`
}

import { CivitasError, describeValue, hasOwn, isRecord, type Jwk, jwkThumbprint } from '@civitas/core'

/** RFC 9278 prefix of a JWK thumbprint URI over an RFC 7638 SHA-256 thumbprint. */
export const JWK_THUMBPRINT_URI_PREFIX = 'urn:ietf:params:oauth:jwk-thumbprint:sha-256:'

/**
 * The RFC 9278 URI naming a holder's public key: what the store records as the subject of a
 * credential bound only by `cnf.jwk`, so the person holding the key can ask for its export or
 * erasure. A private key (it must never reach a token or the store) or a key core cannot
 * verify with is INVALID_ARGUMENT (core's error as `cause`).
 */
export async function jwkThumbprintUri(jwk: unknown, name: string): Promise<string> {
  if (!isRecord(jwk)) {
    throw new CivitasError('INVALID_ARGUMENT', `${name} must be a public JWK, got ${describeValue(jwk)}`, {
      details: { argument: name },
    })
  }
  if (hasOwn(jwk, 'd') || hasOwn(jwk, 'k')) {
    // Say nothing of the key's members: they are secret.
    throw new CivitasError('INVALID_ARGUMENT', `${name} is a private or symmetric key: pass the public JWK`, {
      details: { argument: name },
    })
  }
  try {
    return `${JWK_THUMBPRINT_URI_PREFIX}${await jwkThumbprint(jwk as Jwk)}`
  } catch (cause) {
    throw new CivitasError('INVALID_ARGUMENT', `${name} is not a public key Civitas can verify with`, {
      cause,
      details: { argument: name },
    })
  }
}

/**
 * The subject a credential is filed under when the caller names none: the thumbprint URI of
 * its `holderKey`. The key is checked whether or not a subject is given, before anything is
 * allocated. Only an SD-JWT VC carries a holder key (`cnf.jwk`); the JWT formats bind the
 * holder by `subject`, so a key given with them would bind nothing and is refused.
 */
export async function holderSubjectOf(input: {
  format: string
  holderKey?: unknown
}): Promise<string | undefined> {
  if (input.holderKey === undefined) return undefined
  if (input.format !== 'dc+sd-jwt') {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `holderKey binds a dc+sd-jwt (cnf.jwk); a ${describeValue(input.format)} credential binds its holder by subject`,
      { details: { argument: 'holderKey' } },
    )
  }
  return jwkThumbprintUri(input.holderKey, 'holderKey')
}

/** What exportSubject / eraseSubject look up: a DID or URI as given, a public JWK as its thumbprint URI. */
export async function subjectIdOf(subject: unknown): Promise<unknown> {
  return isRecord(subject) ? jwkThumbprintUri(subject, 'subject') : subject
}

import { describeValue } from '@civitas/core'
import type { ReadCredential } from './core-adapter.js'
import { type CheckResult, fail, pass } from './result.js'

const ID = 'presentation/holder-binding'

/** The DID of a DID or DID URL (`did:example:1#key-1` → `did:example:1`). */
function didOf(value: string): string {
  const cut = value.search(/[?#]/)
  return cut === -1 ? value : value.slice(0, cut)
}

/** JWT presentations: the presentation's signer must be the credential's subject. */
export function checkSubjectBinding(holder: string | undefined, read: ReadCredential): CheckResult {
  const subject = read.subject
  if (subject === undefined) {
    return fail(
      ID,
      'HOLDER_BINDING_INVALID',
      'The credential names no subject, so it cannot be tied to the person presenting it.',
    )
  }
  if (holder === undefined || didOf(holder) !== didOf(subject)) {
    return fail(
      ID,
      'HOLDER_BINDING_INVALID',
      `The credential was issued to ${describeValue(subject, 200)}, but presented by ${describeValue(holder ?? 'an unnamed holder', 200)}.`,
      { subject, holder },
    )
  }
  return pass(ID, 'Presented by the person it was issued to (signer is the credential subject).', { subject })
}

/** SD-JWT VC: the KB-JWT must verify with the credential's cnf.jwk. */
export function checkKeyBinding(read: ReadCredential, keyBindingVerified: boolean): CheckResult {
  if (read.cnf === undefined) {
    return fail(
      ID,
      'HOLDER_BINDING_INVALID',
      'The credential is not bound to a holder key (no cnf), so anyone holding it could present it.',
    )
  }
  return keyBindingVerified
    ? pass(ID, "Presented by the holder of the credential's key (KB-JWT signed with cnf.jwk).")
    : fail(ID, 'HOLDER_BINDING_INVALID', "The presentation is not signed with the credential's holder key.")
}

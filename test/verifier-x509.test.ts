/**
 * X.509 trust: an SD-JWT VC whose issuer is an https URL and whose header carries `x5c`
 * (how EUDI PID providers sign) is verified with the leaf key, and trusted when the chain
 * leads to a configured root with every certificate in force, the leaf allowed to sign and
 * naming the issuer. Fixtures in test/fixtures/x509 (P-256, made with OpenSSL): a root, an
 * issuing CA, a PID provider leaf, a leaf without digitalSignature, an unrelated root.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair, issueSdJwtVc, type Jwk, localSigner, presentSdJwt } from '@civitas/core'
import { createVerifier } from '@civitas/verifier'
import { describe, expect, it } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))
const pem = (name: string) => readFileSync(join(here, 'fixtures/x509', name), 'utf8')
const der = (name: string) => new X509Certificate(pem(name)).raw.toString('base64')
const leafKey = createPrivateKey(pem('leaf.key.pem')).export({ format: 'jwk' }) as Jwk

const ISSUER = 'https://pid-provider.civitas.test'
const NONCE = 'x-1'
const AUDIENCE = 'https://border.civitas.test'

function failures(result: { errors: readonly { check: string; code: string }[] }): string[] {
  return result.errors.map((e) => `${e.check}: ${e.code}`)
}

async function pid(options: { x5c?: string[]; iss?: string } = {}) {
  const holder = await generateKeyPair('ES256')
  const token = await issueSdJwtVc(
    {
      vct: 'urn:eudi:pid:1',
      iss: options.iss ?? ISSUER,
      cnf: { jwk: holder.publicJwk },
      iat: Math.floor(Date.now() / 1000) - 60,
      claims: { given_name: 'Erika', age_over_18: true },
      disclosable: ['/given_name', '/age_over_18'],
    },
    {
      signer: localSigner(leafKey),
      header: { x5c: options.x5c ?? [der('leaf.pem'), der('intermediate.pem')] },
    },
  )
  const presentation = await presentSdJwt(token, {
    disclose: { age_over_18: true },
    keyBinding: { signer: localSigner(holder.privateJwk), nonce: NONCE, audience: AUDIENCE },
  })
  return { token, presentation }
}

const verifier = (roots = [pem('root.pem')], clock?: () => number) =>
  createVerifier({ trust: { x509Roots: roots }, ...(clock ? { clock } : {}) })

describe('X.509 (x5c) trust for SD-JWT VC issuers', () => {
  it('a PID signed under a configured root verifies, the chain in credential/trust data', async () => {
    const { presentation } = await pid()
    const result = await verifier().verifyPresentation(presentation, { nonce: NONCE, audience: AUDIENCE })
    expect(failures(result)).toEqual([])
    const trust = result.checks.find((c) => c.id === 'credential/trust')
    expect(trust?.data).toMatchObject({
      source: 'x509',
      root: { subject: expect.stringContaining('Civitas Test PID Root CA') },
    })
    expect(trust?.data?.chain).toHaveLength(2)
  })

  it('under a root the verifier does not trust → credential/trust ISSUER_NOT_TRUSTED', async () => {
    const { token } = await pid()
    expect(failures(await verifier([pem('other-root.pem')]).verifyCredential(token))).toEqual([
      'credential/trust: ISSUER_NOT_TRUSTED',
    ])
  })

  it('a chain with a link missing → ISSUER_NOT_TRUSTED', async () => {
    const { token } = await pid({ x5c: [der('leaf.pem')] })
    expect(failures(await verifier().verifyCredential(token))).toEqual([
      'credential/trust: ISSUER_NOT_TRUSTED',
    ])
  })

  it('a leaf that does not name the issuer, or may not sign → CERTIFICATE_INVALID', async () => {
    const other = await pid({ iss: 'https://impostor.civitas.test' })
    expect(failures(await verifier().verifyCredential(other.token))).toEqual([
      'credential/trust: CERTIFICATE_INVALID',
    ])
    const noSigning = await pid({ x5c: [der('leaf-no-signing.pem'), der('intermediate.pem')] })
    expect(failures(await verifier().verifyCredential(noSigning.token))).toEqual([
      'credential/trust: CERTIFICATE_INVALID',
    ])
  })

  it('after the leaf expires → CERTIFICATE_INVALID', async () => {
    const { token } = await pid()
    const notAfter = Date.parse(new X509Certificate(pem('leaf.pem')).validTo)
    const later = verifier([pem('root.pem')], () => notAfter + 86_400_000)
    expect(failures(await later.verifyCredential(token))).toContain('credential/trust: CERTIFICATE_INVALID')
  })

  it('an x5c leaf that did not sign the token → credential/signature SIGNATURE_INVALID', async () => {
    const { token } = await pid({ x5c: [der('intermediate.pem')] })
    expect(failures(await verifier().verifyCredential(token))).toEqual([
      'credential/signature: SIGNATURE_INVALID',
    ])
  })

  it('garbage in x5c → credential/signature CERTIFICATE_INVALID, never a throw', async () => {
    const { token } = await pid({ x5c: ['not base64!'] })
    expect(failures(await verifier().verifyCredential(token))).toEqual([
      'credential/signature: CERTIFICATE_INVALID',
    ])
  })
})

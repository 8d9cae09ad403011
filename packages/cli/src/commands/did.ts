import { resolve } from 'node:path'
import type { EthrNetworkConfig, SignatureAlgorithm } from '@civitas/core'
import { type Command, Option } from 'commander'
import { type Context, contextOf } from '../context.js'
import type { KeyFileContent } from '../keyfile.js'
import { nonNegativeInteger, positiveInteger } from '../options.js'
import { UsageError } from '../usage-error.js'

// Heavy modules (ethers, registries, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('@civitas/core')),
  ...(await import('@civitas/registry-contracts')),
  ...(await import('ethers')),
  ...(await import('../ethr.js')),
  ...(await import('../keyfile.js')),
  ...(await import('../passphrase.js')),
  ...(await import('../chain-access.js')),
})
let m: Awaited<ReturnType<typeof load>>

const METHODS = ['key', 'jwk', 'key-ebsi', 'ethr'] as const
type Method = (typeof METHODS)[number]
const YEAR = 365 * 24 * 3600

export function registerDid(program: Command): void {
  const did = program
    .command('did')
    .description('create, resolve and manage DIDs and their keys')
    .addHelpText(
      'after',
      '\nExamples:\n  $ civitas did create --method ethr --out university.key.json --fund\n  $ civitas did resolve did:ethr:local:0x5BA1…',
    )

  did
    .command('create')
    .description('make a key pair and its DID; write the key file (0600, encrypted when a passphrase is set)')
    .addOption(new Option('--method <method>', 'DID method').choices(METHODS).default('key'))
    .addOption(
      new Option('--alg <alg>', 'signature algorithm (did:ethr is always ES256K)')
        .choices(['ES256', 'ES256K', 'EdDSA'])
        .default('ES256'),
    )
    .requiredOption('--out <file>', 'where to write the key file')
    .option(
      '--encrypt',
      'encrypt the key file, prompting for a passphrase when CIVITAS_PASSPHRASE is not set',
    )
    .option('--network <name>', 'did:ethr network name (default: the manifest\'s, else "local")')
    .option('--manifest <file>', 'registry manifest (for the did:ethr network name and --fund)')
    .option('--fund [eth]', 'local anvil chain only: give the new did:ethr account ETH for gas (default 10)')
    .option('--force', 'overwrite --out if it exists')
    .addHelpText(
      'after',
      `
Methods: key (did:key, multicodec), jwk (did:jwk), key-ebsi (EBSI natural person, did:key jwk_jcs-pub),
ethr (did:ethr on the DIDRegistry: legal entities; a secp256k1 key whose address is the identity).
The key file is encrypted (scrypt + AES-256-GCM) when CIVITAS_PASSPHRASE is set or --encrypt is given.

Examples:
  $ civitas did create --out student.key.json
  $ CIVITAS_PASSPHRASE=… civitas did create --method ethr --out university.key.json --fund`,
    )
    .action(
      async (
        options: {
          method: Method
          alg: SignatureAlgorithm
          out: string
          encrypt?: boolean
          network?: string
          manifest?: string
          fund?: boolean | string
          force?: boolean
        },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        if (options.fund !== undefined && options.method !== 'ethr') {
          throw new UsageError('--fund only applies to --method ethr', 'drop --fund, or create a did:ethr')
        }
        const alg: SignatureAlgorithm = options.method === 'ethr' ? 'ES256K' : options.alg
        const keys = await m.generateKeyPair(alg)
        let did: string
        let address: string | undefined
        if (options.method === 'ethr') {
          address = m.addressOfJwk(keys.publicJwk)
          const network =
            options.network ?? (await manifestIfAny(ctx, options.manifest))?.network.name ?? 'local'
          did = m.didEthr(network, address)
        } else if (options.method === 'jwk') did = m.didJwkFromJwk(keys.publicJwk)
        else
          did = m.didKeyFromJwk(keys.publicJwk, {
            format: options.method === 'key-ebsi' ? 'jwk_jcs-pub' : 'multicodec',
          })
        const kid =
          options.method === 'ethr' ? `${did}#controller` : options.method === 'jwk' ? `${did}#0` : undefined
        const passphrase =
          m.hasPassphraseInEnv() || options.encrypt
            ? await m.readPassphrase(`the new key file ${options.out}`)
            : undefined
        const file = resolve(options.out)
        await m.writeKeyFile(
          file,
          {
            alg,
            did,
            publicJwk: keys.publicJwk,
            privateJwk: keys.privateJwk,
            ...(kid ? { kid } : {}),
            ...(address ? { address } : {}),
          },
          { ...(passphrase !== undefined ? { passphrase } : {}), force: options.force === true },
        )
        if (passphrase === undefined)
          ctx.out.note(
            ctx.out.errColor.yellow(
              `note: ${options.out} is not encrypted (set CIVITAS_PASSPHRASE or pass --encrypt)`,
            ),
          )
        let funded: string | undefined
        if (options.fund !== undefined && address) {
          const eth = typeof options.fund === 'string' ? options.fund : '10'
          const { provider } = await m.connect(ctx, options.manifest ? { manifest: options.manifest } : {})
          let wei: bigint
          try {
            wei = m.parseEther(eth)
          } catch {
            throw new UsageError(`--fund ${eth.slice(0, 40)} is not an amount of ETH`, 'e.g. --fund 10')
          }
          try {
            await provider.send('anvil_setBalance', [address, `0x${wei.toString(16)}`])
          } catch {
            throw new UsageError(
              '--fund works on a local anvil chain only',
              'send ETH to the address with your own wallet instead',
            )
          }
          funded = eth
        }
        ctx.out.result(
          {
            did,
            alg,
            keyFile: file,
            encrypted: passphrase !== undefined,
            ...(kid ? { kid } : {}),
            ...(address ? { address } : {}),
            ...(funded ? { funded } : {}),
          },
          () => {
            ctx.out.line(did)
            ctx.out.line(
              ctx.out.color.dim(
                `  ${alg} key in ${file}${passphrase !== undefined ? ' (encrypted)' : ''}${funded ? `, funded with ${funded} ETH` : ''}`,
              ),
            )
          },
        )
      },
    )

  did
    .command('resolve')
    .description('resolve a DID (did:key, did:jwk, did:web, did:ethr with a manifest) and print its document')
    .argument('<did>', 'the DID to resolve')
    .option('--manifest <file>', 'registry manifest, for did:ethr')
    .option('--rpc <url>', 'JSON-RPC endpoint for did:ethr (default: civitas.json rpc, else the manifest)')
    .addHelpText('after', '\nExample:\n  $ civitas did resolve did:key:z6Mk…')
    .action(async (didArg: string, options: { manifest?: string; rpc?: string }, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const networks: EthrNetworkConfig[] = []
      const manifest = await manifestIfAny(ctx, options.manifest, didArg.startsWith('did:ethr:'))
      if (manifest) {
        const rpcUrl = options.rpc ?? ctx.config.rpc
        networks.push(m.ethrNetworkFromManifest(manifest, rpcUrl ? { rpcUrl } : {}))
      }
      const resolver = m.createResolver({
        ...(networks.length > 0 ? { ethr: { networks } } : {}),
        cache: false,
      })
      const resolved = await m.resolveDid(resolver, didArg, { allowDeactivated: true })
      ctx.out.result(resolved, () => {
        if (resolved.didDocumentMetadata.deactivated) ctx.out.line(ctx.out.color.yellow('deactivated'))
        ctx.out.line(JSON.stringify(resolved.didDocument, null, 2))
      })
    })

  const ethrOnly = '\nOnly did:ethr DIDs live on-chain; did:key and did:jwk cannot change.'

  did
    .command('add-key')
    .description(
      'add a public key (from a key file) to a did:ethr document, as an assertion or authentication key',
    )
    .argument('<did>', 'the did:ethr to change')
    .requiredOption('--public-key <file>', 'key file whose public key is added (no passphrase needed)')
    .option('--key <file>', 'key file of the DID owner (default: civitas.json issuerKey)')
    .addOption(
      new Option('--purpose <purpose>', 'veriKey = assertionMethod, sigAuth = also authentication')
        .choices(['veriKey', 'sigAuth'])
        .default('veriKey'),
    )
    .option('--validity <seconds>', 'how long the key is valid', positiveInteger, YEAR)
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `${ethrOnly}\n\nExample:\n  $ civitas did add-key did:ethr:local:0x… --public-key signing.key.json --key university.key.json`,
    )
    .action(
      async (
        didArg: string,
        options: {
          publicKey: string
          key?: string
          purpose: string
          validity: number
          manifest?: string
          rpc?: string
        },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const added = m.readKeyFilePublic(resolve(options.publicKey))
        const { identity, registry } = await didWriter(ctx, didArg, options)
        const attribute = keyAttribute(added, options.purpose)
        const tx = await registry.setAttribute(identity, attribute.name, attribute.value, options.validity)
        ctx.out.result(
          {
            did: didArg,
            attribute: attribute.name,
            publicKey: attribute.value,
            validity: options.validity,
            transaction: tx.hash,
            blockNumber: tx.blockNumber,
          },
          () =>
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${attribute.name} added to ${didArg} for ${options.validity} s (tx ${tx.hash})`,
            ),
        )
      },
    )

  did
    .command('rotate-key')
    .description('add a new key to a did:ethr; revoke the old one now, or say when to (after a grace period)')
    .argument('<did>', 'the did:ethr to change')
    .requiredOption('--old <file>', 'key file of the key being retired (public part used)')
    .requiredOption('--new <file>', 'key file of the new key (public part used)')
    .option('--key <file>', 'key file of the DID owner (default: civitas.json issuerKey)')
    .option(
      '--grace <seconds>',
      'how long the old key stays in use (0 = revoke now; else revoke it later with did revoke-key)',
      nonNegativeInteger,
      0,
    )
    .addOption(
      new Option('--purpose <purpose>', 'purpose of both keys')
        .choices(['veriKey', 'sigAuth'])
        .default('veriKey'),
    )
    .option('--validity <seconds>', 'validity of the new key', positiveInteger, YEAR)
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `${ethrOnly}\nCredentials signed by the old key keep verifying with the key valid at their issuance.\n\nExample:\n  $ civitas did rotate-key did:ethr:local:0x… --old k1.key.json --new k2.key.json --grace 604800 --key university.key.json`,
    )
    .action(
      async (
        didArg: string,
        options: {
          old: string
          new: string
          key?: string
          grace: number
          purpose: string
          validity: number
          manifest?: string
          rpc?: string
        },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const oldAttr = keyAttribute(m.readKeyFilePublic(resolve(options.old)), options.purpose)
        const newAttr = keyAttribute(m.readKeyFilePublic(resolve(options.new)), options.purpose)
        const { identity, registry } = await didWriter(ctx, didArg, options)
        const added = await registry.setAttribute(identity, newAttr.name, newAttr.value, options.validity)
        // did:ethr numbers keys by event: setting the old key again (with a shorter validity)
        // would give it a new `#delegate-N` id, and every token signed under the old id would
        // stop finding its key at once. So a grace period leaves the old key untouched; the
        // operator revokes it when the period ends (`did revoke-key`).
        const retired =
          options.grace === 0
            ? await registry.revokeAttribute(identity, oldAttr.name, oldAttr.value)
            : undefined
        const revokeAfter = new Date(Date.now() + options.grace * 1000).toISOString()
        ctx.out.result(
          {
            did: didArg,
            added: newAttr,
            retired: {
              ...oldAttr,
              graceSeconds: options.grace,
              ...(retired ? { revoked: true } : { revoked: false, revokeAfter }),
            },
            transactions: retired ? [added.hash, retired.hash] : [added.hash],
          },
          () => {
            ctx.out.line(`${ctx.out.color.green('✓')} new key ${newAttr.name} added (tx ${added.hash})`)
            if (retired) ctx.out.line(`${ctx.out.color.green('✓')} old key revoked (tx ${retired.hash})`)
            else
              ctx.out.line(
                `  old key unchanged until ${revokeAfter}; then run: civitas did revoke-key ${didArg} --public-key ${options.old}`,
              )
          },
        )
      },
    )

  did
    .command('revoke-key')
    .description('revoke a public key (from a key file) of a did:ethr document, e.g. after a rotation')
    .argument('<did>', 'the did:ethr to change')
    .requiredOption('--public-key <file>', 'key file whose public key is revoked (no passphrase needed)')
    .option('--key <file>', 'key file of the DID owner (default: civitas.json issuerKey)')
    .addOption(
      new Option('--purpose <purpose>', 'the purpose the key was added with')
        .choices(['veriKey', 'sigAuth'])
        .default('veriKey'),
    )
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `${ethrOnly}\nCredentials the key signed before keep verifying with the key valid at their issuance.\n\nExample:\n  $ civitas did revoke-key did:ethr:local:0x… --public-key k1.key.json --key university.key.json`,
    )
    .action(
      async (
        didArg: string,
        options: { publicKey: string; key?: string; purpose: string; manifest?: string; rpc?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const attribute = keyAttribute(m.readKeyFilePublic(resolve(options.publicKey)), options.purpose)
        const { identity, registry } = await didWriter(ctx, didArg, options)
        const tx = await registry.revokeAttribute(identity, attribute.name, attribute.value)
        ctx.out.result(
          { did: didArg, attribute: attribute.name, publicKey: attribute.value, transaction: tx.hash },
          () =>
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${attribute.name} revoked on ${didArg} (tx ${tx.hash})`,
            ),
        )
      },
    )

  did
    .command('deactivate')
    .description('deactivate a did:ethr for good: no later change, and its keys stop counting')
    .argument('<did>', 'the did:ethr to deactivate')
    .option('--key <file>', 'key file of the DID owner (default: civitas.json issuerKey)')
    .option('--yes', 'confirm: deactivation cannot be undone')
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      `${ethrOnly}\n\nExample:\n  $ civitas did deactivate did:ethr:local:0x… --key university.key.json --yes`,
    )
    .action(
      async (
        didArg: string,
        options: { key?: string; yes?: boolean; manifest?: string; rpc?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        if (!options.yes) throw new UsageError('deactivating a DID cannot be undone', 'pass --yes to confirm')
        const { identity, registry } = await didWriter(ctx, didArg, options)
        const tx = await registry.deactivate(identity)
        ctx.out.result({ did: didArg, deactivated: true, transaction: tx.hash }, () =>
          ctx.out.line(`${ctx.out.color.green('✓')} ${didArg} deactivated (tx ${tx.hash})`),
        )
      },
    )
}

async function manifestIfAny(ctx: Context, path: string | undefined, required = false) {
  try {
    return await m.loadManifest(ctx, path)
  } catch (error) {
    if (required || path) throw error
    return undefined
  }
}

/** The registry client sending as the DID owner, and the DID's identity address. */
async function didWriter(
  ctx: Context,
  didArg: string,
  options: { key?: string; manifest?: string; rpc?: string },
) {
  if (!didArg.startsWith('did:ethr:'))
    throw new UsageError(
      `${didArg.slice(0, 80)} is not a did:ethr`,
      'only did:ethr DIDs live on the DIDRegistry',
    )
  const identity = m.addressOfSubject(didArg)
  const connection = await m.connect(ctx, options)
  const owner = m.walletOf(await m.unlockKey(ctx, options.key, 'the DID owner'), connection.provider)
  return { identity, registry: m.connectRegistries(connection.manifest, owner).did }
}

/** ERC-1056 attribute for a public key: `did/pub/<type>/<purpose>/<encoding>`. */
function keyAttribute(key: KeyFileContent, purpose: string): { name: string; value: string } {
  if (key.publicJwk.crv === 'secp256k1')
    return { name: `did/pub/Secp256k1/${purpose}/hex`, value: m.secp256k1PublicHex(key.publicJwk) }
  if (key.publicJwk.crv === 'Ed25519') {
    return {
      name: `did/pub/Ed25519/${purpose}/base64`,
      value: `0x${Buffer.from(key.publicJwk.x as string, 'base64url').toString('hex')}`,
    }
  }
  throw new UsageError(
    `a ${key.publicJwk.crv ?? key.publicJwk.kty} key cannot be published on did:ethr`,
    'did:ethr documents carry secp256k1 (ES256K) and Ed25519 (EdDSA) keys',
  )
}

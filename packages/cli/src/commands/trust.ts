import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Accreditation, AccreditationGrant } from '@civitas/registry-contracts'
import { type Command, Option } from 'commander'
import { type Context, contextOf } from '../context.js'
import { commaList, nonNegativeInteger, timeArgument } from '../options.js'
import { UsageError } from '../usage-error.js'

// Heavy modules (ethers, registries, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('@civitas/registry-contracts')),
  ...(await import('../ethr.js')),
  ...(await import('../chain-access.js')),
})
let m: Awaited<ReturnType<typeof load>>

/** Credential type names `trust show` recognises in the on-chain hashes without being told. */
const KNOWN_TYPES = [
  'VerifiableAttestation',
  'VerifiableDiploma',
  'VerifiableCredential',
  'DiplomaCredential',
  'EuropeanDigitalCredential',
  'PID',
  'urn:eudi:pid:1',
  'VerifiableId',
]

interface GrantOptions {
  types: string[]
  validFrom?: number
  validUntil?: number
  document?: string
  documentHash?: string
  documentUri: string
  key?: string
  manifest?: string
  rpc?: string
}

function addGrantOptions(command: Command): Command {
  return command
    .requiredOption('--types <names>', 'comma-separated credential types the grant covers', commaList)
    .option(
      '--valid-from <date>',
      'start of validity (ISO date or unix seconds; default: always)',
      timeArgument,
    )
    .option('--valid-until <date>', 'end of validity, exclusive (default: open-ended)', timeArgument)
    .option(
      '--document <file>',
      'the accreditation document: its SHA-256 goes on-chain (never personal data)',
    )
    .option('--document-hash <hex>', "instead of --document: the document's 32-byte hash (0x…)")
    .requiredOption('--document-uri <uri>', 'where the accreditation document can be fetched')
    .option('--key <file>', 'key file of the sender (default: civitas.json issuerKey)')
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
}

function grantOf(options: GrantOptions): AccreditationGrant {
  if (
    options.validFrom !== undefined &&
    options.validUntil !== undefined &&
    options.validUntil <= options.validFrom
  ) {
    throw new UsageError('--valid-until must be after --valid-from')
  }
  if ((options.document === undefined) === (options.documentHash === undefined)) {
    throw new UsageError(
      'an accreditation names its document',
      'pass exactly one of --document FILE or --document-hash 0x…',
    )
  }
  if (
    options.documentHash !== undefined &&
    (!/^0x[0-9a-fA-F]{64}$/.test(options.documentHash) || /^0x0{64}$/.test(options.documentHash))
  ) {
    throw new UsageError('--document-hash must be a non-zero 32-byte hex value (0x + 64 hex digits)')
  }
  const documentHash =
    options.documentHash ??
    `0x${createHash('sha256')
      .update(readDocument(options.document as string))
      .digest('hex')}`
  return {
    types: options.types,
    documentHash,
    documentUri: options.documentUri,
    ...(options.validFrom !== undefined ? { validFrom: options.validFrom } : {}),
    ...(options.validUntil !== undefined ? { validUntil: options.validUntil } : {}),
  }
}

function readDocument(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch {
    throw new UsageError(`cannot read --document ${path}`, 'check the path')
  }
}

async function trustWriter(ctx: Context, options: { key?: string; manifest?: string; rpc?: string }) {
  const connection = await m.connect(ctx, options)
  const sender = m.walletOf(await m.unlockKey(ctx, options.key), connection.provider)
  return { ...connection, sender, registry: m.connectRegistries(connection.manifest, sender).trustedIssuers }
}

export function registerTrust(program: Command): void {
  const trust = program
    .command('trust')
    .description('accreditation chains in the TrustedIssuersRegistry: Root TAO → TAO → Trusted Issuer')
    .addHelpText(
      'after',
      '\nExamples:\n  $ civitas trust accredit did:ethr:local:0x5BA1… --types VerifiableDiploma --document acc.pdf --document-uri https://agency.example/acc.pdf --key agency.key.json\n  $ civitas trust show did:ethr:local:0x5BA1…',
    )

  addGrantOptions(
    trust
      .command('appoint-root')
      .description('governance names a Root TAO (e.g. a ministry) for credential types')
      .argument('<subject>', 'did:ethr or Ethereum address of the Root TAO'),
  )
    .addHelpText(
      'after',
      '\nSent by the governance key (`chain start` writes .civitas/governance.key.json).\n\nExample:\n  $ civitas trust appoint-root did:ethr:local:0x… --types VerifiableDiploma \\\n      --document decree.pdf --document-uri https://ministry.example/decree.pdf --key .civitas/governance.key.json',
    )
    .action(async (subject: string, options: GrantOptions, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const address = m.addressOfSubject(subject)
      const grant = grantOf(options)
      const { registry } = await trustWriter(ctx, options)
      const tx = await registry.appointRootTao(address, grant)
      ctx.out.result(
        { subject, address, role: 'RootTAO', index: tx.index, types: options.types, transaction: tx.hash },
        () =>
          ctx.out.line(
            `${ctx.out.color.green('✓')} ${subject} is a Root TAO for ${options.types.join(', ')} (accreditation #${tx.index}, tx ${tx.hash})`,
          ),
      )
    })

  addGrantOptions(
    trust
      .command('accredit')
      .description('a Root TAO or TAO accredits a TAO or a Trusted Issuer, narrowing its own types')
      .argument('<subject>', 'did:ethr or Ethereum address being accredited')
      .addOption(
        new Option('--role <role>', 'role granted')
          .choices(['TAO', 'TrustedIssuer'])
          .default('TrustedIssuer'),
      )
      .option(
        '--parent-index <n>',
        "the accreditor's own accreditation the grant derives from (default: its latest)",
        nonNegativeInteger,
      ),
  )
    .addHelpText(
      'after',
      "\nSent by the accreditor's key.\n\nExample:\n  $ civitas trust accredit did:ethr:local:0xUni… --role TrustedIssuer --types VerifiableDiploma \\\n      --document accreditation.pdf --document-uri https://agency.example/acc/42.pdf --key agency.key.json",
    )
    .action(
      async (
        subject: string,
        options: GrantOptions & { role: 'TAO' | 'TrustedIssuer'; parentIndex?: number },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const address = m.addressOfSubject(subject)
        const grant = grantOf(options)
        const { registry, sender } = await trustWriter(ctx, options)
        let parentIndex = options.parentIndex
        if (parentIndex === undefined) {
          const count = await registry.accreditationCount(sender.address)
          if (count === 0)
            throw new UsageError(
              `the sending key ${sender.address} holds no accreditation to derive from`,
              "send with the accreditor's key (--key), or appoint it first",
            )
          parentIndex = count - 1
        }
        const tx = await registry.accredit(address, options.role, parentIndex, grant)
        ctx.out.result(
          {
            subject,
            address,
            role: options.role,
            index: tx.index,
            parentIndex,
            accreditor: sender.address,
            types: options.types,
            transaction: tx.hash,
          },
          () =>
            ctx.out.line(
              `${ctx.out.color.green('✓')} ${subject} accredited as ${options.role} for ${options.types.join(', ')} (#${tx.index}, tx ${tx.hash})`,
            ),
        )
      },
    )

  trust
    .command('revoke')
    .description(
      'revoke an accreditation (by its accreditor or governance); everything under it stops counting',
    )
    .argument('<subject>', 'did:ethr or Ethereum address')
    .requiredOption(
      '--index <n>',
      "which of the subject's accreditations (see `trust show`)",
      nonNegativeInteger,
    )
    .option('--key <file>', 'key file of the accreditor or governance (default: civitas.json issuerKey)')
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText(
      'after',
      '\nExample:\n  $ civitas trust revoke did:ethr:local:0xAgency… --index 0 --key .civitas/governance.key.json',
    )
    .action(
      async (
        subject: string,
        options: { index: number; key?: string; manifest?: string; rpc?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const address = m.addressOfSubject(subject)
        const { registry } = await trustWriter(ctx, options)
        const tx = await registry.revoke(address, options.index)
        ctx.out.result({ subject, address, index: options.index, revoked: true, transaction: tx.hash }, () =>
          ctx.out.line(
            `${ctx.out.color.green('✓')} accreditation #${options.index} of ${subject} revoked (tx ${tx.hash})`,
          ),
        )
      },
    )

  trust
    .command('show')
    .description('draw the accreditation chain from a subject up to its Root TAO, with types and validity')
    .argument('<subject>', 'did:ethr or Ethereum address')
    .option('--index <n>', 'one accreditation of the subject (default: all of them)', nonNegativeInteger)
    .option('--type-names <names>', 'credential type names to recognise in on-chain hashes', commaList)
    .option('--manifest <file>', 'registry manifest')
    .option('--rpc <url>', 'JSON-RPC endpoint')
    .addHelpText('after', '\nExample:\n  $ civitas trust show did:ethr:local:0xUni…')
    .action(
      async (
        subject: string,
        options: { index?: number; typeNames?: string[]; manifest?: string; rpc?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const address = m.addressOfSubject(subject)
        const { manifest, provider } = await m.connect(ctx, options)
        const registry = m.connectRegistries(manifest, provider).trustedIssuers
        const count = await registry.accreditationCount(address)
        const indices =
          options.index !== undefined ? [options.index] : Array.from({ length: count }, (_, i) => i)
        if (options.index !== undefined && options.index >= count) {
          throw new UsageError(
            `${subject} has ${count} accreditation(s); there is no #${options.index}`,
            'leave out --index to see all',
          )
        }
        const now = BigInt((await provider.getBlock('latest'))?.timestamp ?? Math.floor(Date.now() / 1000))
        const names = new Map(
          [...KNOWN_TYPES, ...(options.typeNames ?? [])].map((n) => [
            m.credentialTypeHash(n).toLowerCase(),
            n,
          ]),
        )
        const did = (a: string) => m.didEthr(manifest.network.name, a)
        const chains: { index: number; active: boolean; hops: ReturnType<typeof describeHop>[] }[] = []
        for (const index of indices) {
          const chain = await registry.getChain(address, index)
          const hops = chain.map((hop) => describeHop(hop, now, names, did))
          chains.push({ index, active: hops.every((h) => h.state === 'active'), hops })
        }
        ctx.out.result({ subject, address, accreditations: count, asOf: Number(now), chains }, () => {
          const c = ctx.out.color
          if (chains.length === 0) ctx.out.line(`${subject} holds no accreditation`)
          for (const chain of chains) {
            ctx.out.line(
              `${chain.active ? c.green('✓ trusted') : c.red('✗ not trusted')} accreditation #${chain.index} of ${subject}`,
            )
            // Root first: the tree reads top-down the way trust flows.
            const rootFirst = [...chain.hops].reverse()
            rootFirst.forEach((hop, depth) => {
              const prefix = depth === 0 ? '' : `${'   '.repeat(depth - 1)}└─ `
              const state = hop.state === 'active' ? c.green('active') : c.red(hop.state)
              ctx.out.line(
                `${prefix}${c.bold(hop.role)} ${hop.did} #${hop.index}  [${hop.types.join(', ')}]  ${hop.validFrom} → ${hop.validUntil}  ${state}`,
              )
            })
            ctx.out.line()
          }
        })
        if (chains.length === 0 || !chains.some((chain) => chain.active)) process.exitCode = 1
      },
    )
}

function describeHop(
  hop: Accreditation,
  now: bigint,
  names: Map<string, string>,
  did: (address: string) => string,
) {
  const state =
    hop.revokedAt !== 0n
      ? 'revoked'
      : now < hop.validFrom
        ? 'not yet valid'
        : now >= hop.validUntil
          ? 'expired'
          : 'active'
  const date = (t: bigint) => (t === 0n ? '-∞' : new Date(Number(t) * 1000).toISOString().slice(0, 10))
  return {
    role: hop.role,
    subject: hop.subject,
    did: did(hop.subject),
    index: hop.index,
    accreditor: hop.accreditor,
    types: hop.types.map((t) => names.get(t.toLowerCase()) ?? `${t.slice(0, 10)}…`),
    typeHashes: hop.types,
    validFrom: date(hop.validFrom),
    validUntil: hop.validUntil === m.NO_EXPIRY ? '∞' : date(hop.validUntil),
    revokedAt: hop.revokedAt === 0n ? null : Number(hop.revokedAt),
    state,
  }
}

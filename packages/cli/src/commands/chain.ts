import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { RegistryName } from '@civitas/registry-contracts'
import { type Command, Option } from 'commander'
import { contextOf } from '../context.js'
import { httpUrl, positiveInteger } from '../options.js'
import { formatTable } from '../output.js'

// Heavy modules (ethers, registries, core) load when a command runs, not for --help.
const load = async () => ({
  ...(await import('@civitas/registry-contracts')),
  ...(await import('../ethr.js')),
  ...(await import('../keyfile.js')),
  ...(await import('../chain-access.js')),
})
let m: Awaited<ReturnType<typeof load>>

/** Where `chain start` writes the governance key (anvil's public test account 0). */
const GOVERNANCE_KEY = '.civitas/governance.key.json'

export function registerChain(program: Command): void {
  const chain = program
    .command('chain')
    .description('run a local chain with the registries, deploy them to any EVM node, check a deployment')
    .addHelpText('after', '\nExamples:\n  $ civitas chain start &\n  $ civitas chain status')

  chain
    .command('start')
    .description(
      'start a local anvil chain, deploy the four registries, write the manifest; runs until Ctrl-C',
    )
    .option('--chain-id <id>', 'EIP-155 chain id', positiveInteger, 31337)
    .option('--network-name <name>', 'did:ethr network name written to the manifest', 'local')
    .option(
      '--manifest <file>',
      'where to write the manifest (default: civitas.json "manifest" or .civitas/manifest.json)',
    )
    .option(
      '--governance-key <file>',
      'where to write the governance key file (anvil test account 0)',
      GOVERNANCE_KEY,
    )
    .addHelpText(
      'after',
      '\nThe governance key is anvil\'s public test account: fine for a local chain, never elsewhere.\n\nExample:\n  $ civitas chain start\n  $ civitas chain start --json   # prints {"rpcUrl": …} once ready, keeps running',
    )
    .action(
      async (
        options: { chainId: number; networkName: string; manifest?: string; governanceKey: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const { startLocalChain } = await import('@civitas/registry-contracts/local-chain')
        const manifestPath = options.manifest ? resolve(options.manifest) : ctx.config.manifest
        mkdirSync(dirname(manifestPath), { recursive: true })
        ctx.out.note('starting anvil and deploying the registries…')
        const local = await startLocalChain({
          chainId: options.chainId,
          networkName: options.networkName,
          manifestPath,
        })
        const governance = local.wallets[0]!
        const keyPath = resolve(options.governanceKey)
        mkdirSync(dirname(keyPath), { recursive: true })
        const keys = m.jwkFromPrivateKeyHex(governance.privateKey)
        await m.writeKeyFile(
          keyPath,
          {
            alg: 'ES256K',
            did: m.didEthr(options.networkName, governance.address),
            address: governance.address,
            ...keys,
          },
          { force: true },
        )
        ctx.out.result(
          {
            rpcUrl: local.rpcUrl,
            chainId: local.chainId,
            manifest: manifestPath,
            governanceKey: keyPath,
            contracts: local.contracts,
          },
          () => {
            const c = ctx.out.color
            ctx.out.line(
              `${c.green('✓')} local chain running at ${c.bold(local.rpcUrl)} (chain id ${local.chainId})`,
            )
            for (const line of formatTable(Object.entries(local.contracts))) ctx.out.line(`  ${line}`)
            ctx.out.line(`  manifest        ${manifestPath}`)
            ctx.out.line(`  governance key  ${keyPath} (${governance.address}, anvil test account)`)
            ctx.out.line(c.dim('Ctrl-C stops the chain.'))
          },
        )
        await new Promise<void>((done) => {
          const stop = () => done()
          process.once('SIGINT', stop)
          process.once('SIGTERM', stop)
        })
        await local.stop()
      },
    )

  chain
    .command('deploy')
    .description(
      'deploy the four registries to any EVM JSON-RPC node (Besu, a testnet) and write the manifest',
    )
    .addOption(
      new Option('--rpc <url>', 'JSON-RPC endpoint of the node').argParser(httpUrl).makeOptionMandatory(),
    )
    .option(
      '--key <file>',
      'key file of the deploying account (secp256k1, funded); default: civitas.json issuerKey',
    )
    .option('--network-name <name>', 'did:ethr network name (default: chain-<chainId>)')
    .option(
      '--governance <address>',
      'owner of the TrustedIssuersRegistry and SchemaRegistry (default: the deployer)',
    )
    .option(
      '--manifest <file>',
      'where to write the manifest (default: civitas.json "manifest" or .civitas/manifest.json)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  $ civitas chain deploy --rpc http://besu.example:8545 --key deployer.key.json',
    )
    .action(
      async (
        options: { rpc: string; key?: string; networkName?: string; governance?: string; manifest?: string },
        command: Command,
      ) => {
        m = await load()
        const ctx = contextOf(command)
        const key = await m.unlockKey(ctx, options.key, 'the deploying account')
        const chainId = await m.fetchChainId(options.rpc)
        const deployer = m.walletOf(key, m.createRegistryProvider(options.rpc, chainId))
        const manifestPath = options.manifest ? resolve(options.manifest) : ctx.config.manifest
        mkdirSync(dirname(manifestPath), { recursive: true })
        ctx.out.note(`deploying from ${deployer.address} to ${options.rpc} (chain id ${chainId})…`)
        const manifest = await m.deployRegistries(options.rpc, deployer, {
          manifestPath,
          ...(options.networkName ? { networkName: options.networkName } : {}),
          ...(options.governance ? { governance: options.governance } : {}),
        })
        ctx.out.result({ manifest: manifestPath, ...manifest }, () => {
          ctx.out.line(
            `${ctx.out.color.green('✓')} registries deployed on chain ${chainId}; manifest ${manifestPath}`,
          )
          for (const line of formatTable(Object.entries(manifest.contracts).map(([n, d]) => [n, d.address])))
            ctx.out.line(`  ${line}`)
        })
      },
    )

  chain
    .command('status')
    .description('check the chain of the manifest: reachable, right chain id, every registry deployed')
    .option('--rpc <url>', 'JSON-RPC endpoint (default: civitas.json rpc, else the manifest)', httpUrl)
    .option(
      '--manifest <file>',
      'registry manifest (default: civitas.json "manifest" or .civitas/manifest.json)',
    )
    .addHelpText(
      'after',
      '\nExits 1 when the node answers with another chain id or a registry has no code.\n\nExample:\n  $ civitas chain status --json',
    )
    .action(async (options: { rpc?: string; manifest?: string }, command: Command) => {
      m = await load()
      const ctx = contextOf(command)
      const { manifest, rpcUrl, provider } = await m.connect(ctx, options)
      const chainId = await m.fetchChainId(rpcUrl)
      const blockNumber = await provider.getBlockNumber()
      const registries = m.connectRegistries(manifest, provider)
      const contracts: { name: RegistryName; address: string; deployed: boolean }[] = []
      for (const [name, deployed] of Object.entries(manifest.contracts) as [
        RegistryName,
        { address: string },
      ][]) {
        const code = await provider.getCode(deployed.address)
        contracts.push({ name, address: deployed.address, deployed: code !== '0x' })
      }
      const allDeployed = contracts.every((c) => c.deployed)
      const governance = allDeployed ? await registries.trustedIssuers.owner() : undefined
      const ok = chainId === manifest.network.chainId && allDeployed
      ctx.out.result(
        {
          ok,
          rpcUrl,
          chainId,
          expectedChainId: manifest.network.chainId,
          network: manifest.network.name,
          blockNumber,
          governance,
          contracts,
        },
        () => {
          const c = ctx.out.color
          const mark = (good: boolean) => (good ? c.green('✓') : c.red('✗'))
          ctx.out.line(`${mark(true)} ${rpcUrl} answers, block ${blockNumber}`)
          ctx.out.line(
            `${mark(chainId === manifest.network.chainId)} chain id ${chainId} (manifest: ${manifest.network.chainId}, network "${manifest.network.name}")`,
          )
          const rows = contracts.map((k) => [
            mark(k.deployed),
            k.name,
            k.address,
            k.deployed ? 'deployed' : 'no code',
          ])
          for (const line of formatTable(rows)) ctx.out.line(line)
          if (governance) ctx.out.line(`  governance ${governance}`)
        },
      )
      if (!ok) process.exitCode = 1
    })
}

// The public surface of @civitas/registry-contracts: the four registries' clients, deploy and
// manifests. ABIs and bytecode are generated from contracts/ by scripts/compile.mjs. The local
// chain (anvil spawner and its helpers) is the /local-chain subpath, so a production import
// never pulls it in.
export { toUint } from './arguments.js'
export * from './contract.js'
export * from './deploy.js'
export * from './did-registry.js'
export * from './errors.js'
export type {
  DIDRegistryErrorName,
  DIDRegistryEventName,
  DIDRegistryFunctionName,
} from './generated/didRegistry.js'
export { didRegistryAbi, didRegistryBytecode } from './generated/didRegistry.js'
export type {
  SchemaRegistryErrorName,
  SchemaRegistryEventName,
  SchemaRegistryFunctionName,
} from './generated/schemaRegistry.js'
export { schemaRegistryAbi, schemaRegistryBytecode } from './generated/schemaRegistry.js'
export type {
  StatusRegistryErrorName,
  StatusRegistryEventName,
  StatusRegistryFunctionName,
} from './generated/statusRegistry.js'
export { statusRegistryAbi, statusRegistryBytecode } from './generated/statusRegistry.js'
export type {
  TrustedIssuersRegistryErrorName,
  TrustedIssuersRegistryEventName,
  TrustedIssuersRegistryFunctionName,
} from './generated/trustedIssuersRegistry.js'
export {
  trustedIssuersRegistryAbi,
  trustedIssuersRegistryBytecode,
} from './generated/trustedIssuersRegistry.js'
export * from './governance.js'
export * from './schema-registry.js'
export * from './status-registry.js'
export * from './trusted-issuers-registry.js'

// @civitas/core/ethers: the bridge from a Civitas Signer to ethers. A subpath of its own so
// that importing @civitas/core (or /keys, /jose) never loads ethers.
export { type CivitasEthersSigner, type ToEthersSignerOptions, toEthersSigner } from './signer.js'

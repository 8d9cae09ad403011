// What the Civitas examples share: the narrator of their output and the legal entities of the local chain.
export { accreditationDocument, jwkPairOf, type LegalEntity, legalEntity } from './entities.js'
export { colorTerminal, createNarrator, type Narrator, type NarratorOptions } from './narrator.js'
export { createPersonalData, type PersonalData, recordClaims } from './personal-data.js'
export {
  DIPLOMA,
  describeTrustChain,
  establishTrust,
  NETWORK,
  PID,
  startStoryChain,
  type TrustedWorld,
} from './world.js'

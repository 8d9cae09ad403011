/**
 * Core's guards and bounded JSON parser, re-exported so the package keeps one import path.
 */
export { hasOwn, isRecord, parseJson } from '@civitas/core'

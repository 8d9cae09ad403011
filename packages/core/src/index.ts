// The public surface of @civitas/core. Each concept lives in the folder of its name;
// this file only re-exports them.
export * from './credentials/index.js'
export * from './did/index.js'
export * from './encoding/base64url.js'
export { assertJsonDepth, DEFAULT_MAX_JSON_DEPTH, parseJson } from './encoding/json.js'
export * from './errors/index.js'
export * from './guards/index.js'
export * from './jose/index.js'
export * from './keys/index.js'
export * from './sd-jwt/index.js'
export * from './status-list/index.js'
export * from './verification/index.js'

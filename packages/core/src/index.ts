export * from './encoding/base64url.js'
export * from './errors/index.js'

import { base64urlDecode, base64urlEncode } from '@civitas/core'

export const base64urlEncodeBytes = (bytes: Uint8Array): string => base64urlEncode(bytes)

/** Strict base64url, or undefined: for values read from files, where the caller picks the code. */
export function base64urlDecodeStrict(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined
  try {
    return Uint8Array.from(base64urlDecode(value))
  } catch {
    return undefined
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export const utf8 = (text: string): Uint8Array => encoder.encode(text)
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)

/** Overwrites key material. JS strings cannot be wiped; every key we hold is a Uint8Array for this. */
export function zero(...buffers: (Uint8Array | undefined)[]): void {
  for (const buffer of buffers) buffer?.fill(0)
}

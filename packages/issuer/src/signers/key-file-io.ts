import { randomBytes } from 'node:crypto'
import { chmod, link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { CivitasError, describeValue } from '@civitas/core'

/** A key file is well under a kilobyte; anything this large is not one. */
export const MAX_KEY_FILE_BYTES = 64 * 1024

function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined
}

/** The bytes of a key file given as a path or as bytes, bounded. */
export async function readSource(source: unknown): Promise<Uint8Array> {
  if (source instanceof Uint8Array) {
    if (source.length > MAX_KEY_FILE_BYTES) {
      throw new CivitasError('INPUT_TOO_LARGE', `a key file is at most ${MAX_KEY_FILE_BYTES} bytes`)
    }
    return source
  }
  if (typeof source !== 'string' || source.length === 0) {
    throw new CivitasError(
      'INVALID_ARGUMENT',
      `key file must be a path or bytes, got ${describeValue(source)}`,
    )
  }
  try {
    const info = await stat(source)
    if (!info.isFile()) throw new CivitasError('KEY_FILE_INVALID', `${describeValue(source)} is not a file`)
    if (info.size > MAX_KEY_FILE_BYTES) {
      throw new CivitasError('INPUT_TOO_LARGE', `${describeValue(source)} is too large to be a key file`)
    }
    return new Uint8Array(await readFile(source))
  } catch (error) {
    if (error instanceof CivitasError) throw error
    if (errnoOf(error) === 'ENOENT') {
      throw new CivitasError('NOT_FOUND', `key file ${describeValue(source)} does not exist`, {
        details: { path: source },
      })
    }
    throw new CivitasError('KEY_FILE_INVALID', `cannot read key file ${describeValue(source)}`, {
      cause: error,
    })
  }
}

/**
 * Stores key file bytes at `path`, mode 0600, atomically: a crash leaves either the old file
 * or the new one, never half of one. Without `force` an existing file is never replaced
 * (`ALREADY_EXISTS`), checked by the same atomic step (a hard link fails on an existing name).
 */
export async function writeKeyFile(
  path: string,
  bytes: Uint8Array,
  options: { force?: boolean } = {},
): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new CivitasError('INVALID_ARGUMENT', `path must be a file path, got ${describeValue(path)}`)
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new CivitasError('INVALID_ARGUMENT', 'bytes must be the Uint8Array createKeyFile returned')
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(temp, 'wx', 0o600)
    await handle.writeFile(bytes)
    await handle.sync()
    await handle.close()
    handle = undefined
    await chmod(temp, 0o600) // the mode of open() passes through the umask, which can only narrow it
    if (options?.force === true) await rename(temp, path)
    else {
      try {
        await link(temp, path)
      } finally {
        await unlink(temp).catch(() => undefined)
      }
    }
    await syncDirectory(dirname(path))
  } catch (error) {
    await handle?.close().catch(() => undefined)
    await unlink(temp).catch(() => undefined)
    if (errnoOf(error) === 'EEXIST') {
      throw new CivitasError('ALREADY_EXISTS', `${describeValue(path)} already exists`, { details: { path } })
    }
    throw new CivitasError('INVALID_ARGUMENT', `cannot write key file ${describeValue(path)}`, {
      cause: error,
    })
  }
}

/** Makes the rename durable (POSIX: the directory entry is data of the directory). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined)
  if (!handle) return
  await handle.sync().catch(() => undefined)
  await handle.close()
}

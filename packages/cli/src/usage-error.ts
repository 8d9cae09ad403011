/**
 * A mistake in how the command was called (missing option, unreadable file, bad value):
 * exits 2 and prints `hint` as the way to fix it.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly hint: string | undefined

  constructor(message: string, hint?: string) {
    super(message)
    this.hint = hint
  }
}

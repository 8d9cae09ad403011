/** The exit codes of every command: stable, scripts depend on them. */
export const EXIT_OK = 0
/** `verify`: the credential or presentation did not verify. Any other command: it failed. */
export const EXIT_FAILED = 1
/** Bad arguments, unusable input files, or a CivitasError INVALID_ARGUMENT. */
export const EXIT_USAGE = 2

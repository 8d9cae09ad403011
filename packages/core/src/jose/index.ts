// Public surface of jose/: re-exported from the package root.
export {}

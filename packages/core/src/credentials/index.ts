// Public surface of credentials/: re-exported from the package root.
export {}

// Public surface of keys/: re-exported from the package root.
export {}

// Public surface of did/: re-exported from the package root.
export {}

// Public surface of sd-jwt/: re-exported from the package root.
export {}

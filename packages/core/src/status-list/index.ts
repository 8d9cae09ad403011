// Public surface of status-list/: re-exported from the package root.
export {}

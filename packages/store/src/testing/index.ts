// Test helpers for packages built on @civitas/store (not for production code):
// a throwaway PostgreSQL server, and TypeScript child processes for multi-process tests.
export {
  type ChildExit,
  type ChildScript,
  runChildScript,
  type SpawnChildOptions,
  spawnChildScript,
} from './child.js'
export { type StartTestPostgresOptions, startTestPostgres, type TestPostgres } from './postgres.js'

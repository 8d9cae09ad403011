import { defineConfig } from 'vitest/config'

// Tests run on the TypeScript sources: the `@civitas/source` export condition points
// every workspace package at its `src/`, so no build is needed between edit and test.
export default defineConfig({
  resolve: { conditions: ['@civitas/source'] },
  ssr: { resolve: { conditions: ['@civitas/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})

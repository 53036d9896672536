import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; tests that spawn real node processes use dist/,
// which `npm test` builds first (tsc) so the two never disagree.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});

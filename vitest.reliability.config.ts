import { defineConfig } from 'vitest/config';

// The reliability suite: crashes, restarts, several processes, property-based and bad-input
// sweeps. Slower than the unit and HTTP suites, so it runs on its own (`npm run test:reliability`).
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});

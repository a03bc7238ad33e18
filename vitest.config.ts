import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The reliability suite is slow and runs on its own: npm run test:reliability.
    exclude: ['test/reliability/**', 'node_modules/**'],
    // Each test file opens its own database; PGlite boots take a moment on a busy machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

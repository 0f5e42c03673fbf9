import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.data/**', 'admin-ui/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Service tests create their own database per file, so files may run in parallel.
    pool: 'forks',
  },
});

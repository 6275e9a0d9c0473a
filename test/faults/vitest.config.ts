import { defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`pnpm test:faults`). Not part of vitest.workspace.ts: `pnpm test` does
 * not run it. Files run one at a time: they stop and restart the shared PostgreSQL and Redis.
 */
export default defineConfig({
  test: {
    name: 'faults',
    root: import.meta.dirname,
    include: ['*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 120_000,
    sequence: { concurrent: false },
    reporters: ['default'],
  },
});

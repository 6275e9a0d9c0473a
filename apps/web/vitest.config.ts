import { defineConfig } from 'vitest/config';

/**
 * Browser tests only: they drive Debian's chromium against a running server
 * named by TRACKTROVE_E2E_URL and are skipped when it is unset.
 */
export default defineConfig({
  test: {
    name: 'web-e2e',
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

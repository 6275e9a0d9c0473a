import { defineConfig } from 'vitest/config';

/** The event store's tests alone, for mutation testing, with the test services (PostgreSQL, Redis). */
export default defineConfig({
  test: {
    include: ['packages/event-store/test/**/*.test.ts'],
    globalSetup: ['./packages/testing/src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

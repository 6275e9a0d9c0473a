import { defineConfig } from 'vitest/config';

/** The timer claim's tests, for mutation testing, with the test services. */
export default defineConfig({
  test: {
    include: ['packages/timers/test/timer-claim.test.ts'],
    globalSetup: ['./packages/testing/src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

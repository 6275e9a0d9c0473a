import { defineConfig } from 'vitest/config';

/**
 * The domain's tests alone, for mutation testing (pure: no services). Instrumented code runs
 * slower, and every mutant runs the tests that cover it: the property tests try 100 sequences each
 * here instead of 1,000.
 */
export default defineConfig({
  test: { include: ['packages/domain/test/**/*.test.ts'], testTimeout: 60_000, env: { PROPERTY_RUNS: '100' } },
});

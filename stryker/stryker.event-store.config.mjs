// Mutation testing of packages/event-store/src (append, read, subscribe): its own tests, on the
// test services (PostgreSQL and Redis from local binaries, as pnpm test starts them). Slow: each
// mutant runs the tests that cover it against a real database.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'stryker/vitest.event-store.config.ts' },
  mutate: ['packages/event-store/src/**/*.ts', '!packages/event-store/src/index.ts', '!packages/event-store/src/types.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 15_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/event-store.json' },
  tempDirName: '.stryker-tmp-event-store',
  cleanTempDir: 'always',
};

// Mutation testing of the timer claim (packages/timers/src/timer-store.ts), by its own tests.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'stryker/vitest.timers.config.ts' },
  // The claim alone (claimTimers); the rest of the file reads and lists timers.
  mutate: ['packages/timers/src/timer-store.ts:74-81'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/timer-claim.json' },
  tempDirName: '.stryker-tmp-timers',
  cleanTempDir: 'always',
};

// Mutation testing of packages/domain: pnpm test:mutation domain (docs/reliability.md).
// Narrow a run with --mutate, e.g. --mutate packages/domain/src/ledger/**/*.ts
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'stryker/vitest.domain.config.ts' },
  mutate: ['packages/domain/src/**/*.ts', '!packages/domain/src/index.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 20_000,
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/domain.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};

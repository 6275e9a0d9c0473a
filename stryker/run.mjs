// pnpm test:mutation [domain|event-store|timer-claim ...]: StrykerJS over each named scope (all
// three when none is named), one after the other, one test runner each (the machine is shared).
// Incremental: a scope's results are kept in reports/incremental/<scope>.json, and the next run
// tests again only the mutants whose code or covering tests changed (--force runs them all).
// Extra Stryker flags go after `--`, e.g.
// pnpm test:mutation domain -- --mutate 'packages/domain/src/ledger/**/*.ts'
import { spawnSync } from 'node:child_process';

const scopes = ['domain', 'event-store', 'timer-claim'];
const separator = process.argv.indexOf('--');
const named = (separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator)).filter((arg) => arg !== '');
const extra = separator === -1 ? [] : process.argv.slice(separator + 1);
const unknown = named.filter((scope) => !scopes.includes(scope));
if (unknown.length > 0) {
  process.stderr.write(`unknown scope ${unknown.join(', ')}: one of ${scopes.join(', ')}\n`);
  process.exit(2);
}
let failed = false;
for (const scope of named.length > 0 ? named : scopes) {
  const incremental = ['--incremental', '--incrementalFile', `reports/incremental/${scope}.json`];
  const run = spawnSync('npx', ['stryker', 'run', `stryker/stryker.${scope}.config.mjs`, ...incremental, ...extra], { stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

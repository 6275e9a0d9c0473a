// Builds the CLI (and the server it starts) into apps/cli/dist/tracktrove.mjs when that build is
// missing or older than the sources it is made of, so that `pnpm start` runs compiled JavaScript
// and not TypeScript through tsx. `--force` builds in any case.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCli, bundlePath } from './build-cli.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const sourceDirectories = ['apps/api/src', 'apps/cli/src', ...readdirSync(`${root}packages`).map((name) => `packages/${name}/src`)];
const sourceFiles = ['pnpm-lock.yaml', 'infra/build-cli.mjs', 'apps/cli/package.json', 'apps/api/package.json'];

/** The newest modification time among the sources the bundle is built from. */
function newestSourceMs() {
  let newest = 0;
  for (const file of sourceFiles) newest = Math.max(newest, statSync(`${root}${file}`, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  const pending = sourceDirectories.map((directory) => `${root}${directory}`).filter((directory) => existsSync(directory));
  while (pending.length > 0) {
    const directory = pending.pop();
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = `${directory}/${entry.name}`;
      if (entry.isDirectory()) pending.push(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

if (process.argv.includes('--force') || !existsSync(bundlePath) || statSync(bundlePath).mtimeMs < newestSourceMs()) {
  process.stderr.write('building the CLI and the server (apps/cli/dist): the build is missing or older than its sources\n');
  await buildCli();
}

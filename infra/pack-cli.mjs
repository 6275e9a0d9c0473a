// Packs the installable tool: dist/tracktrove-<version>.tgz, one npm package holding the bundle of
// the CLI, the server and the workspace packages (migrations included: they are code), the built
// trace viewer, and a bin that keeps the data per user. Its only dependencies are the two packages
// that read files of their own at run time (infra/build-cli.mjs), which npm installs with it.
// Prints the tarball's path on stdout.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli, runtimeDependencies } from './build-cli.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = join(root, 'apps/cli');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const stage = mkdtempSync(join(tmpdir(), 'tracktrove-pack-'));
try {
  // Both built into the package's own directory, never into the workspace's builds, which a running
  // server or the browser tests may be reading.
  await buildCli(join(stage, 'dist/tracktrove.mjs'));
  rmSync(join(stage, 'dist/tracktrove.mjs.map'));
  execFileSync(
    'pnpm',
    ['--filter', '@tracktrove/web', 'exec', 'vite', 'build', '--outDir', join(stage, 'web'), '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: root, stdio: ['ignore', 2, 2] },
  );
  mkdirSync(join(stage, 'bin'));
  cpSync(join(cli, 'package/tracktrove.mjs'), join(stage, 'bin/tracktrove.mjs'));
  cpSync(join(root, 'README.md'), join(stage, 'README.md'));
  const version = readJson(join(cli, 'package.json')).version;
  // The versions installed here, exactly: the tool runs with what was tested.
  const dependencies = Object.fromEntries(
    runtimeDependencies.map((name) => [name, readJson(join(cli, 'node_modules', name, 'package.json')).version]),
  );
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        name: 'tracktrove',
        version,
        description: 'A sandbox financial debugger: an event-sourced ledger with a trace viewer, on embedded PostgreSQL by default',
        type: 'module',
        bin: { tracktrove: 'bin/tracktrove.mjs' },
        engines: { node: '>=20.19' },
        files: ['bin', 'dist', 'web', 'README.md'],
        dependencies,
      },
      null,
      2,
    )}\n`,
  );
  const out = join(root, 'dist');
  mkdirSync(out, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: stage,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  process.stdout.write(`${join(out, packed[0].filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

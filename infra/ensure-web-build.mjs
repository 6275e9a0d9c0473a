// Builds the trace viewer when its production build is missing or older than its sources, so
// `pnpm start` and the browser tests serve the viewer as the sources are now.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../apps/web/', import.meta.url));
const built = `${web}dist/index.html`;

/** The newest modification time among the viewer's sources. */
function newestSourceMs() {
  let newest = 0;
  const pending = [`${web}src`];
  for (const file of ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'])
    newest = Math.max(newest, statSync(`${web}${file}`, { throwIfNoEntry: false })?.mtimeMs ?? 0);
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

if (!existsSync(built) || statSync(built).mtimeMs < newestSourceMs()) {
  process.stderr.write('building the trace viewer (apps/web): its build is missing or older than its sources\n');
  execFileSync('pnpm', ['--filter', '@tracktrove/web', 'build'], { stdio: 'inherit' });
}

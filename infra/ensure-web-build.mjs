// Builds the trace viewer once, when its production build is missing, so `pnpm start` serves it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../apps/web/dist/index.html', import.meta.url))) {
  process.stderr.write('building the trace viewer (apps/web) once\n');
  execFileSync('pnpm', ['--filter', '@tracktrove/web', 'build'], { stdio: 'inherit' });
}

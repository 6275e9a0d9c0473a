// Installs the system packages the test suite needs when they are missing (Debian, as root).
// PostgreSQL comes from the machine's postgresql-15 package; Redis, Redis Sentinel (the fault suite's
// failover tests) and Chromium from apt. The fault suite's global set-up runs this too.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// `--faults`: only what the fault suite needs (no browser).
const forFaults = process.argv.includes('--faults');
const wanted = [
  { binary: '/usr/bin/redis-server', pkg: 'redis-server' },
  { binary: '/usr/bin/redis-sentinel', pkg: 'redis-sentinel' },
  ...(forFaults ? [] : [{ binary: '/usr/bin/chromium', pkg: 'chromium' }]),
];
const missing = wanted.filter((tool) => !existsSync(tool.binary)).map((tool) => tool.pkg);
const hasPostgres = existsSync('/usr/lib/postgresql') || process.env.PG_BIN_DIR || process.env.TEST_DATABASE_URL;
if (!hasPostgres) missing.push('postgresql');

if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    process.stderr.write(
      `missing system packages: ${missing.join(', ')}; install them (Debian: apt-get install -y ${missing.join(' ')})\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`installing ${missing.join(', ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A service started for the tests, with the means to stop, restart and remove it. */
export interface LocalService {
  readonly url: string;
  stop(): Promise<void>;
  /**
   * Stops the server the way a crash would: PostgreSQL in immediate mode (no shutdown checkpoint;
   * it runs crash recovery from its WAL when started again), Redis by SIGKILL.
   */
  crash(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const startTimeoutMs = 30_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = join(root, version, 'bin');
      if (existsSync(join(dir, 'initdb'))) return dir;
    }
  }
  throw new Error('PostgreSQL binaries not found: install postgresql-15 or set PG_BIN_DIR');
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (PostgreSQL refuses root). */
async function runPostgresTool(bin: string, args: string[]): Promise<void> {
  if (isRoot) {
    await run('runuser', ['-u', 'postgres', '--', bin, ...args], { timeout: startTimeoutMs });
  } else {
    await run(bin, args, { timeout: startTimeoutMs });
  }
}

export interface LocalPostgresOptions {
  /**
   * Turn fsync, synchronous_commit and full_page_writes back on, as on a production server
   * (for benchmarks). Default false: the fast, non-durable settings the tests use.
   */
  readonly durable?: boolean;
}

/**
 * More server settings from LOCAL_PG_SETTINGS, comma-separated `name=value` pairs, for diagnosis:
 * e.g. `shared_preload_libraries=pg_stat_statements` (the soak then reports its top statements).
 */
function extraSettings(): string[] {
  const settings = (process.env.LOCAL_PG_SETTINGS ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean);
  for (const setting of settings)
    if (!/^[a-z_.]+=[\w.,:/-]+$/.test(setting)) throw new Error(`LOCAL_PG_SETTINGS: not a name=value pair: ${setting}`);
  return settings.map((setting) => `-c ${setting}`);
}

/** A new temporary data directory that PostgreSQL accepts: 0700, owned by `postgres` when running as root. */
async function postgresDataDir(prefix: string): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dataDir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dataDir, 0o700);
  return dataDir;
}

/**
 * Starts the cluster in dataDir with pg_ctl and answers its handle: stop (fast), crash (immediate),
 * start again, and destroy (stopping it with destroyMode, then removing its files).
 */
async function runPostgresCluster(
  binDir: string,
  dataDir: string,
  options: string,
  url: string,
  destroyMode: 'fast' | 'immediate',
): Promise<LocalService> {
  const pgCtl = join(binDir, 'pg_ctl');
  const start = () => runPostgresTool(pgCtl, ['-D', dataDir, '-o', options, '-l', join(dataDir, 'server.log'), '-w', '-t', '30', 'start']);
  const stop = (mode: 'fast' | 'immediate') => runPostgresTool(pgCtl, ['-D', dataDir, '-m', mode, '-w', 'stop']);
  await start();
  let running = true;
  const stopAs = async (mode: 'fast' | 'immediate') => {
    if (!running) return;
    await stop(mode);
    running = false;
  };
  return {
    url,
    async start() {
      if (running) return;
      await start();
      running = true;
    },
    stop: () => stopAs('fast'),
    crash: () => stopAs('immediate'),
    async destroy() {
      if (running) await stop(destroyMode).catch(() => undefined);
      running = false;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startLocalPostgres(startOptions: LocalPostgresOptions = {}): Promise<LocalService> {
  const durable = startOptions.durable === true;
  const binDir = postgresBinDir();
  const dataDir = await postgresDataDir('tracktrove-pg-');
  await runPostgresTool(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dataDir}`,
    `-c listen_addresses=127.0.0.1`,
    `-c max_connections=400`,
    `-c fsync=${durable ? 'on' : 'off'}`,
    `-c synchronous_commit=${durable ? 'on' : 'off'}`,
    `-c full_page_writes=${durable ? 'on' : 'off'}`,
    `-c shared_buffers=256MB`,
    ...extraSettings(),
  ].join(' ');
  return runPostgresCluster(binDir, dataDir, options, `postgres://postgres@127.0.0.1:${port}/postgres`, 'fast');
}

function redisServerBinary(): string {
  const candidates = [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server'];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  throw new Error('redis-server not found: apt-get install -y redis-server or set REDIS_SERVER_BIN');
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on ${port} within ${startTimeoutMs} ms`);
}

export async function startLocalRedis(): Promise<LocalService> {
  const binary = redisServerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'tracktrove-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--notify-keyspace-events', 'Ex'],
      { stdio: 'ignore' },
    );
    await waitForPort(port, child);
  };
  const stop = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (!child) await start();
    },
    stop,
    // stop() is a SIGKILL already: Redis here keeps nothing on disk.
    crash: stop,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A streaming replica of a PostgreSQL server (one `startLocalPostgres` started, or any that allows
 * replication connections from 127.0.0.1): `pg_basebackup -R` from it, then a hot standby on a free
 * port, run as the `postgres` user like the primary. `stop`/`start` stop and start the standby;
 * it catches up from the primary's WAL when started again.
 */
export async function startLocalPostgresReplica(primaryUrl: string): Promise<LocalService> {
  const binDir = postgresBinDir();
  const primary = new URL(primaryUrl);
  const dataDir = await postgresDataDir('tracktrove-pg-replica-');
  await runPostgresTool(join(binDir, 'pg_basebackup'), [
    '-h',
    primary.hostname,
    '-p',
    primary.port,
    '-U',
    decodeURIComponent(primary.username || 'postgres'),
    '-D',
    dataDir,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
    '--no-sync',
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dataDir}`,
    `-c listen_addresses=127.0.0.1`,
    // A hot standby needs at least the primary's max_connections.
    `-c max_connections=400`,
    `-c fsync=off`,
    `-c shared_buffers=64MB`,
    `-c hot_standby=on`,
    // Queries on the standby hold back the primary's vacuum instead of being cancelled by it.
    `-c hot_standby_feedback=on`,
    `-c wal_receiver_status_interval=1s`,
  ].join(' ');
  return runPostgresCluster(binDir, dataDir, options, `postgres://postgres@127.0.0.1:${port}${primary.pathname}`, 'immediate');
}

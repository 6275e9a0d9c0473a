import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startLocalPostgres, startLocalRedis, type LocalService } from '@tracktrove/testing';
import type { BenchContext, BenchDatabase, BenchPostgres } from './types.ts';

/** Settings reported with every result: they decide what a commit costs. */
const reportedSettings = [
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_level',
  'shared_buffers',
  'max_wal_size',
  'checkpoint_timeout',
  'max_connections',
] as const;

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function describeServer(adminUrl: string, source: BenchPostgres['source']): Promise<BenchPostgres> {
  const { version, settings } = await onServer(adminUrl, async (client) => {
    const versionRow = await client.query<{ server_version: string }>('show server_version');
    const settingRows = await client.query<{ name: string; setting: string; unit: string | null }>(
      'select name, setting, unit from pg_settings where name = any($1::text[])',
      [[...reportedSettings]],
    );
    const described: Record<string, string> = {};
    for (const row of settingRows.rows) described[row.name] = row.unit ? `${row.setting} (${row.unit})` : row.setting;
    return { version: versionRow.rows[0]?.server_version ?? 'unknown', settings: described };
  });
  return {
    source,
    adminUrl,
    version,
    settings,
    async createDatabase(label: string): Promise<BenchDatabase> {
      const name = `bench_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
      await onServer(adminUrl, (client) => client.query(`create database ${name}`));
      return {
        name,
        url: withDatabase(adminUrl, name),
        async drop() {
          await onServer(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
        },
      };
    },
    async checkpoint() {
      await onServer(adminUrl, (client) => client.query('checkpoint'));
    },
  };
}

/**
 * The services of one run. PostgreSQL comes from BENCH_DATABASE_URL (a user allowed to CREATE
 * DATABASE) or from a local server started with @tracktrove/testing; Redis from BENCH_REDIS_URL or
 * a local redis-server. Local servers are destroyed by close().
 */
export function createServices(log: (message: string) => void): BenchContext & { close(): Promise<void> } {
  const started: LocalService[] = [];
  let postgres: Promise<BenchPostgres> | undefined;
  let redis: Promise<string> | undefined;
  const durable = process.env.BENCH_PG_DURABLE !== '0';
  return {
    log,
    postgres() {
      postgres ??= (async () => {
        const fromEnv = process.env.BENCH_DATABASE_URL;
        if (fromEnv) {
          log(`PostgreSQL from BENCH_DATABASE_URL`);
          return describeServer(fromEnv, 'environment');
        }
        log(
          `starting a local PostgreSQL (${durable ? 'durable: fsync, synchronous_commit and full_page_writes on' : 'non-durable test settings'})`,
        );
        const service = await startLocalPostgres({ durable });
        started.push(service);
        return describeServer(service.url, 'local');
      })();
      return postgres;
    },
    redis() {
      redis ??= (async () => {
        if (process.env.BENCH_REDIS_URL) return process.env.BENCH_REDIS_URL;
        log('starting a local redis-server');
        const service = await startLocalRedis();
        started.push(service);
        return service.url;
      })();
      return redis;
    },
    async close() {
      const services = started.splice(0);
      await Promise.all(services.map((service) => service.destroy().catch(() => undefined)));
    },
  };
}

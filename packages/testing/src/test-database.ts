import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type {} from './provided-context.ts';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function onAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server, for one test file. */
export async function createTestDatabase(adminUrl: string = inject('databaseUrl')): Promise<TestDatabase> {
  const name = `tt_${randomBytes(6).toString('hex')}`;
  await onAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  return {
    name,
    url: withDatabase(adminUrl, name),
    async drop() {
      await onAdmin(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/**
 * The statements that cost PostgreSQL the most in the database at `url`, as one line each, when
 * pg_stat_statements is loaded (LOCAL_PG_SETTINGS=shared_preload_libraries=pg_stat_statements for
 * the local server); an empty list otherwise. For diagnosis of load tests.
 */
export async function topStatements(url: string, limit = 15): Promise<string[]> {
  return onAdmin(url, async (client) => {
    try {
      await client.query('create extension if not exists pg_stat_statements');
      const { rows } = await client.query<{ ms: number; calls: string; query: string }>(
        `select round(total_exec_time)::float8 as ms, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query
           from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
          order by total_exec_time desc limit $1`,
        [limit],
      );
      return rows.map((row) => `${row.ms} ms / ${row.calls} calls: ${row.query}`);
    } catch {
      return [];
    }
  });
}

/** One query on a database (a test's look at rows the API does not show, e.g. who fired a timer). */
export async function queryDatabase<Row extends Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  return onAdmin(url, async (client) => (await client.query<Row>(text, values)).rows);
}

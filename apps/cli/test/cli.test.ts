import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';

const run = promisify(execFile);
const main = resolve(import.meta.dirname, '../src/main.ts');

describe('the tracktrove CLI against PostgreSQL', () => {
  let database: TestDatabase;
  const cli = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', main, ...args], {
        env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: '', LOG_LEVEL: 'error' },
        timeout: 90_000,
      });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout + failed.stderr };
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('migrates, then finds nothing to migrate', async () => {
    const first = await cli('migrate');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('applied: 0001-event-store');
    expect((await cli('migrate')).stdout).toContain('nothing to migrate');
  });

  it('simulates transactions with a seed and prints a summary with a balanced ledger', async () => {
    const result = await cli('simulate', '--count', '30', '--success-rate', '0.7', '--seed', '7', '--drop-webhooks', '0.2');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/30 transactions in \d+ ms \(seed 7\)/);
    expect(result.stdout).toMatch(/status\s+count\s+amount INR/);
    expect(result.stdout).toContain('balanced, no invariant violated');
  });

  it('shows projection status, verifies read models and rebuilds one', async () => {
    const status = await cli('projections', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/transactions\s+1\s+/);
    const verify = await cli('projections', 'verify');
    expect(verify.stdout).toContain('ok: every read model equals a fresh fold');
    expect(verify.code).toBe(0);
    const rebuild = await cli('projections', 'rebuild', 'ledger');
    expect(rebuild.code).toBe(0);
    expect(rebuild.stdout).toMatch(/ledger: generation 2, \d+ events/);
    const all = await cli('projections', 'rebuild', 'all');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/transactions: generation 2/);
    expect(all.stdout).toMatch(/ledger: generation 3/);
    expect((await cli('projections', 'verify')).code).toBe(0);
  });

  it('replays a transaction timeline', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ stream_id: string }>("select stream_id from tt_streams where stream_id like 'txn-%' limit 1");
    await client.end();
    const id = rows[0]!.stream_id.slice(4);
    const replay = await cli('replay', id);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`transaction ${id}`);
    expect(replay.stdout).toMatch(/1\s+\+0 ms\s+TransactionInitiated\s+NEW -> INITIATED/);
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await cli('projections', 'rebuild')).code).toBe(2);
    expect((await cli('simulate', '--count', '0')).code).toBe(2);
    expect((await cli('nonsense')).code).toBe(2);
  });
});

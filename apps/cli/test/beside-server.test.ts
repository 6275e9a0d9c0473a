import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, freePort, type TestDatabase } from '@tracktrove/testing';
import { startServerChild, type ServerChild } from './support/cli-process.ts';
import { runCli } from './run-cli.ts';

const simulateArgs = [
  'simulate',
  '--count',
  '30',
  '--seed',
  '7',
  '--success-rate',
  '0.6',
  '--drop-webhooks',
  '0.3',
  '--refund-rate',
  '0.3',
  '--refund-failure-rate',
  '0.5',
];
const vendorId = '6b1f3c2e-5d4a-5e8b-9c7d-1a2b3c4d5e01';

/** The summary's rows: final status -> count (the total row left out). */
function summaryCounts(stdout: string): Map<string, number> {
  const lines = stdout.split('\n');
  const from = lines.findIndex((line) => line.startsWith('final status'));
  const counts = new Map<string, number>();
  for (const line of lines.slice(from + 2)) {
    const match = /^([A-Z_]+)\s+(\d+)\s+[\d.]+%/.exec(line);
    if (!match) break;
    counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

interface ListedTransaction {
  readonly id: string;
  readonly status: string;
}

async function listTransactions(baseUrl: string): Promise<ListedTransaction[]> {
  const response = await fetch(`${baseUrl}/api/transactions?limit=200`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: ListedTransaction[] }).items;
}

async function initiate(baseUrl: string): Promise<{ id: string; position: string }> {
  const response = await fetch(`${baseUrl}/api/transactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vendorId, amount: '12.50', currency: 'INR', channel: 'WEB', kind: 'TIP', simulation: { successRate: 1 } }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; position: string };
}

describe('the CLI beside a server on the embedded default', () => {
  let root: string;
  let env: Record<string, string>;
  let server: ServerChild | undefined;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tracktrove-beside-'));
    env = { DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' };
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('goes through the server that holds the data directory, and a restart lists everything it reported', async () => {
    const port = await freePort();
    server = await startServerChild(port, env);
    const lockPath = join(root, 'data', 'pglite.lock');
    const own = await initiate(server.baseUrl);

    // Every command beside it, found from the lock (no --url, no token: the server generated its own).
    const simulated = await runCli(simulateArgs, env);
    expect(simulated.stderr).not.toContain('tracktrove simulate:');
    expect(simulated.code).toBe(0);
    expect(simulated.stdout).toMatch(/^fired 30 transactions \(seeds 7 to 36\) in \d+\.\d s: \d+ transactions\/s; 30 initiated\n/);
    expect(simulated.stdout).not.toContain('NOT FINAL');
    expect(simulated.stdout).toMatch(/\ntotal\s+30\s+100\.0%\s+\d+\.\d\d\n/);
    expect(simulated.stdout).toContain('balanced, no invariant violated');
    const reported = summaryCounts(simulated.stdout);
    expect([...reported.values()].reduce((sum, count) => sum + count, 0)).toBe(30);

    // Stopped, the lock goes with it; started again, it lists everything the CLI reported.
    expect(await server.stop()).toBe(0);
    server = await startServerChild(port, env);
    const listed = await listTransactions(server.baseUrl);
    expect(listed).toHaveLength(31);
    expect(listed.map((transaction) => transaction.id)).toContain(own.id);
    const simulatedIds = listed.filter((transaction) => transaction.id !== own.id);
    const counted = new Map<string, number>();
    for (const transaction of simulatedIds) counted.set(transaction.status, (counted.get(transaction.status) ?? 0) + 1);
    expect(counted).toEqual(reported);
    await server.stop();
    server = undefined;

    // No server: the CLI opens the data directory itself, as before.
    const alone = await runCli(['projections', 'status'], env);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/\ntransactions +1 +up to date /);
  });
});

describe('the CLI through a server on PostgreSQL (--url, --token)', () => {
  let database: TestDatabase;
  let server: ServerChild | undefined;
  const token = 'cli-test-admin-token-0123456789';

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('simulates, replays, shows, rebuilds and verifies through the API', async () => {
    server = await startServerChild(await freePort(), { DATABASE_URL: database.url, TRACKTROVE_ADMIN_TOKEN: token });
    const through = ['--url', server.baseUrl, '--token', token];
    const simulated = await runCli([...simulateArgs, ...through], {});
    expect(simulated.code).toBe(0);
    expect(simulated.stdout).toMatch(/\ntotal\s+30\s+100\.0%/);
    expect(simulated.stdout).toContain('balanced, no invariant violated');
    const listed = await listTransactions(server.baseUrl);
    expect(listed).toHaveLength(30);

    const replayed = await runCli(['replay', listed[0]!.id, ...through], {});
    expect(replayed.code).toBe(0);
    expect(replayed.stdout.split('\n')[0]).toBe(`transaction ${listed[0]!.id}`);
    expect((await runCli(['projections', 'status', ...through], {})).stdout).toMatch(/\nledger +1 +/);
    const rebuilt = await runCli(['projections', 'rebuild', 'all', ...through], {});
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain('rebuilt transactions (generation 2), traces (generation 2), ledger (generation 2) and swapped');
    const verified = await runCli(['projections', 'verify', ...through], { TRACKTROVE_ADMIN_TOKEN: 'ignored-when-token-given' });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/\(30 transactions\)/);
    const noToken = await runCli(['projections', 'verify', '--url', server.baseUrl], {});
    expect(noToken).toMatchObject({ code: 2, stdout: '' });
    expect(noToken.stderr).toContain(
      `tracktrove projections: the server at ${server.baseUrl} needs its admin token (401): pass it with --token or TRACKTROVE_ADMIN_TOKEN`,
    );
  });
});

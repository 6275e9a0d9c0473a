/** The API benchmark's load: autocannon POSTing initiates with fresh ids, and what PostgreSQL's backends wait on meanwhile. */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';

export interface CannonRun {
  readonly result: autocannon.Result;
  readonly latenciesMs: number[];
  readonly statuses: Record<string, number>;
  readonly firstErrorBody: string | null;
}

/** A valid initiate with a fresh vendorId and payerId; the webhook delay and escrow TTL of one hour keep deliveries and expiries out of the run. */
export function initiateBody(escrowTtlMs: number, webhookDelayMs: number): string {
  return JSON.stringify({
    vendorId: randomUUID(),
    payerId: randomUUID(),
    amount: '12.50',
    currency: 'INR',
    channel: 'WEB',
    kind: 'PAYMENT',
    payload: { sku: 'gem-pack-small', quantity: 3, note: 'bench' },
    serviceContext: 'bench',
    simulation: { successRate: 1, escrowTtlMs, webhook: { delayMs: webhookDelayMs } },
  });
}

/** `connections` closed loops of POST /api/transactions for `seconds`, every response's latency kept. */
export async function cannon(url: string, options: { connections: number; seconds: number; body: () => string }): Promise<CannonRun> {
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let firstErrorBody: string | null = null;
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/api/transactions',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: options.body() }),
            onResponse: (status, body) => {
              statuses[status] = (statuses[status] ?? 0) + 1;
              if ((status < 200 || status > 299) && firstErrorBody === null) firstErrorBody = body.slice(0, 500);
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latenciesMs.push(responseTime));
  const result = await done;
  return { result, latenciesMs, statuses, firstErrorBody };
}

/**
 * Samples pg_stat_activity of the database every 50 ms: what the server's backends wait on
 * (wait_event_type:wait_event, or "cpu" when active and not waiting), to explain the figure.
 */
export function sampleWaits(url: string): { stop(): Promise<{ samples: number; backendStates: Record<string, number> }> } {
  const client = new pg.Client({ connectionString: url });
  const counts: Record<string, number> = {};
  let samples = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ state: string | null; wait: string | null }>(
        `select state, wait_event_type || ':' || wait_event as wait from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
      );
      samples += 1;
      for (const row of rows) {
        const key = row.state === 'active' ? (row.wait ?? 'active (cpu)') : (row.state ?? 'unknown');
        counts[key] = (counts[key] ?? 0) + 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })().catch(() => undefined);
  return {
    async stop() {
      running = false;
      await loop;
      await client.end().catch(() => undefined);
      const sorted = Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
      return { samples, backendStates: sorted };
    },
  };
}

/** Clears pg_stat_statements when it is loaded (LOCAL_PG_SETTINGS), so the figures are the measured run's. */
export async function resetStatementStats(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select pg_stat_statements_reset()');
  } catch {
    // not loaded: nothing to reset
  } finally {
    await client.end();
  }
}

/** The postmaster's pid when PostgreSQL runs on this machine (the parent of a backend), for its CPU. */
export async function postmasterPidOf(url: string, parentPidOf: (pid: number) => number | undefined): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return parentPidOf(rows[0]!.pid);
  } finally {
    await client.end();
  }
}

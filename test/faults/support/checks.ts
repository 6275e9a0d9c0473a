import { expect } from 'vitest';
import { eventually, type Api, type Json } from './api.ts';

/** Every read model live (or standing by for another process) with lag 0 (GET /api/admin/projections). */
export async function waitForProjections(api: Api, timeoutMs = 60_000): Promise<Json[]> {
  let last = '';
  try {
    return await eventually(
      'projections caught up (lag 0)',
      timeoutMs,
      async () => {
        const response = await api.call('GET', '/api/admin/projections', undefined, { admin: true });
        last = response.text.slice(0, 2_000);
        if (response.status !== 200) return undefined;
        const items = response.json.items as Json[];
        return items.every((item) => item.lag === 0 && (item.status === 'live' || item.status === 'standby') && item.lastError === null)
          ? items
          : undefined;
      },
      250,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message} at ${api.baseUrl}; last answer: ${last}`);
  }
}

/** POST /api/admin/verify: every read model equals a fresh fold of the log, every ledger invariant holds. */
export async function verify(api: Api): Promise<Json> {
  const response = await api.call('POST', '/api/admin/verify', undefined, { admin: true, timeoutMs: 300_000 });
  expect(response.status, response.text.slice(0, 2_000)).toBe(200);
  return response.json;
}

/** The ledger's totals balance per currency: posted debits = posted credits, pending likewise. */
export async function expectLedgerBalances(api: Api): Promise<Json> {
  const response = await api.call('GET', '/api/ledger/balances');
  expect(response.status).toBe(200);
  const totals = response.json.totals as Record<string, Json>;
  for (const [currency, total] of Object.entries(totals)) {
    expect(total.debitsPostedMinor, `${currency} posted`).toBe(total.creditsPostedMinor);
    expect(total.debitsPendingMinor, `${currency} pending`).toBe(total.creditsPendingMinor);
  }
  return totals;
}

/** The closing assertion of every file: projections converge, verify reports nothing, the ledger balances. */
export async function expectConsistent(api: Api): Promise<{ verifyMs: number; report: Json }> {
  await waitForProjections(api);
  const startedAt = Date.now();
  const report = await verify(api);
  const verifyMs = Date.now() - startedAt;
  expect({
    ok: report.ok,
    caughtUp: report.caughtUp,
    differenceCount: report.differenceCount,
    differences: report.differences?.slice(0, 5),
    violations: report.violations?.slice(0, 5),
  }).toEqual({ ok: true, caughtUp: true, differenceCount: 0, differences: [], violations: [] });
  await expectLedgerBalances(api);
  return { verifyMs, report };
}

/** The global log from `from` (exclusive) to its end, through GET /api/events pages. */
export async function readLog(api: Api, from = 'start', maxEvents = 2_000_000): Promise<Json[]> {
  const events: Json[] = [];
  let cursor: string | null = from;
  while (cursor !== null && events.length < maxEvents) {
    const response = await api.call('GET', `/api/events?from=${encodeURIComponent(cursor)}&limit=500`);
    expect(response.status, response.text.slice(0, 500)).toBe(200);
    events.push(...(response.json.items as Json[]));
    cursor = response.json.nextFrom as string | null;
  }
  return events;
}

/** The position of the log's last event, or 'start' when it is empty. */
export async function headPosition(api: Api): Promise<string> {
  const events = await readLog(api);
  return (events.at(-1)?.position as string | undefined) ?? 'start';
}

/** A process metric of the server (prom-client's defaults, prefixed), from /metrics. */
async function processMetric(api: Api, name: string): Promise<number> {
  const response = await api.call('GET', '/metrics');
  const pattern = new RegExp(`^tracktrove_process_(process_)?${name} `);
  const line = response.text.split('\n').find((candidate) => pattern.test(candidate));
  if (!line) throw new Error(`no ${name} metric in /metrics`);
  return Number(line.split(' ')[1]);
}

/** Resident set size of the server process, from /metrics. */
export function residentMemoryBytes(api: Api): Promise<number> {
  return processMetric(api, 'resident_memory_bytes');
}

/** CPU seconds (user and system) the server process has used, from /metrics. */
export function cpuSeconds(api: Api): Promise<number> {
  return processMetric(api, 'cpu_seconds_total');
}

/** Timers the server fired through the Redis fast path (keyspace notification or sorted-set poll) since it started, from /metrics. */
export async function timersFiredByRedis(api: Api): Promise<number> {
  const response = await api.call('GET', '/metrics');
  let total = 0;
  for (const line of response.text.split('\n')) {
    if (/^tracktrove_timers_fired_total\{path="redis_(notification|poll)"\} /.test(line)) total += Number(line.split(' ')[1]);
  }
  return total;
}

export interface Acknowledgement {
  readonly id: string;
  readonly position: string;
  readonly version: number;
}

/** The acknowledged (2xx) commands whose event is not in their transaction's stream at the answered position and version. */
export async function missingAcknowledged(api: Api, acknowledged: readonly Acknowledgement[]): Promise<Acknowledgement[]> {
  const missing: Acknowledgement[] = [];
  for (let offset = 0; offset < acknowledged.length; offset += 16) {
    await Promise.all(
      acknowledged.slice(offset, offset + 16).map(async (ack) => {
        const events = await api.call('GET', `/api/transactions/${ack.id}/events`);
        const found = (events.json.items as Json[] | undefined)?.some(
          (event) => event.position === ack.position && event.version === ack.version,
        );
        if (!found) missing.push(ack);
      }),
    );
  }
  return missing;
}

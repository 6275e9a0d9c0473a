import { describe, expect, it } from 'vitest';
import { topStatements } from '@tracktrove/testing';
import { initiateBody, sleep, type Json } from './support/api.ts';
import { cpuSeconds, expectConsistent, residentMemoryBytes } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { serverUnderTest } from './support/server-under-test.ts';

/**
 * CI runs 20,000 (about 2 minutes). 100,000 passes too (SOAK_TRANSACTIONS=100000: 169
 * transactions/s, 11 minutes on 2 cores, see docs/reliability.md), which would bring the
 * whole CI run to about 17 minutes, past the team's budget for it.
 */
const transactionCount = Number(process.env.SOAK_TRANSACTIONS ?? 20_000);
const clients = Number(process.env.SOAK_CLIENTS ?? 16);
/** Bounds the load loop whatever the machine: the run fails if it does not finish in time. */
const loadBudgetMs = Number(process.env.SOAK_BUDGET_MS ?? 30 * 60_000);
const clockStepMs = 10 * 60_000;
const roundSize = 1_000;
const memorySampleMs = 2_000;

/** Magic amounts (packages/simulator/src/magic-amounts.ts) and ordinary ones, by weight. */
const amounts = ['4.04', '4.02', '6.66', '7.77', '9.99', '5.00', '1.01', '12.50', '99.00', '250.75', '3.10', '42.42'];

function scenarioOf(index: number): { body: Json; followUp: 'none' | 'refund' | 'confirm-dispute' | 'confirm-refund' | 'override' } {
  const amount = amounts[index % amounts.length]!;
  const roll = index % 20;
  const body = initiateBody({
    amount,
    channel: ['WEB', 'MOBILE', 'API', 'POS'][index % 4],
    kind: ['TIP', 'BID_ADJUSTMENT', 'LOYALTY_CREDIT', 'PAYMENT'][index % 4],
    vendorId: `00000000-0000-4000-8000-${String(index % 50).padStart(12, '0')}`,
    simulation: {
      successRate: [1, 0.9, 0.7, 0.5][index % 4],
      seed: index,
      escrowTtlMs: 30_000,
      onHoldExpiry: index % 2 === 0 ? 'release' : 'void',
      webhook: { dropRate: 0.1, duplicateRate: 0.1, delayMs: [0, 5_000, 45_000, 600_000][index % 4] },
      refundFailureRate: 0.1,
    },
  });
  // One in twenty: an admin sends it back to INITIATED (a resume timer authorizes it again; the
  // first hold's webhook, still on its way, must then confirm nothing).
  const followUp = roll < 2 ? 'refund' : roll === 2 ? 'confirm-dispute' : roll === 3 ? 'confirm-refund' : roll === 4 ? 'override' : 'none';
  return { body, followUp };
}

describe(`a soak of ${transactionCount} transactions with mixed failure injection`, () => {
  const under = serverUnderTest();

  it('keeps every invariant and a flat memory profile', { timeout: loadBudgetMs + 10 * 60_000 }, async () => {
    const startedAt = Date.now();
    const statuses = new Map<string, number>();
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const serverErrors: string[] = [];
    const slowest = new Map<string, number>();
    const totalMs = new Map<string, number>();
    const calls = new Map<string, number>();
    const transportErrors: string[] = [];
    const call = async (method: string, path: string, body?: unknown, admin = false) => {
      const route = `${method} ${path.replace(/[0-9a-f-]{36}/, ':id')}`;
      try {
        const response = await under.api.call(method, path, body, { admin, timeoutMs: 120_000 });
        count(`${route} ${response.status}`);
        slowest.set(route, Math.max(slowest.get(route) ?? 0, Math.round(response.elapsedMs)));
        totalMs.set(route, (totalMs.get(route) ?? 0) + response.elapsedMs);
        calls.set(route, (calls.get(route) ?? 0) + 1);
        if (response.status >= 500) serverErrors.push(`${route} ${response.status} ${response.text.slice(0, 300)}`);
        return response;
      } catch (error) {
        count(`${route} transport error`);
        transportErrors.push(`${route} after ${Date.now() - startedAt} ms: ${String((error as Error).cause ?? error)}`);
        return { status: 0, json: {} as Json, text: '', elapsedMs: 0, headers: new Headers() };
      }
    };

    // Memory and the sandbox clock run beside the load.
    const memory: Array<{ atMs: number; rssBytes: number; done: number }> = [];
    let finished = 0;
    let stopBackground = false;
    const sampler = (async () => {
      while (!stopBackground) {
        try {
          memory.push({ atMs: Date.now() - startedAt, rssBytes: await residentMemoryBytes(under.api), done: finished });
        } catch (error) {
          transportErrors.push(`GET /metrics: ${String(error)}`);
        }
        await sleep(memorySampleMs);
      }
    })();
    let advances = 0;
    let settlements = 0;
    let slowestAdvanceMs = 0;
    const bursts: number[] = [];
    const advanceMs: number[] = [];
    // Server CPU spent in the bursts and in the clock advances (the cores it kept busy, see the report).
    let burstCpuS = 0;
    let advanceCpuS = 0;

    const step = async (index: number) => {
      const { body, followUp } = scenarioOf(index);
      const created = await call('POST', '/api/transactions', body);
      if (created.status === 201) {
        const id = created.json.id as string;
        if (followUp === 'refund') await call('POST', `/api/transactions/${id}/refund`, { reason: 'soak' });
        if (followUp === 'override')
          await call('POST', `/api/admin/transactions/${id}/override`, { status: 'INITIATED', reason: 'soak: authorize again' }, true);
        if (followUp === 'confirm-dispute' || followUp === 'confirm-refund') {
          const confirmed = await call('POST', `/api/transactions/${id}/confirm`);
          if (confirmed.status === 200 && confirmed.json.status === 'COMPLETED') {
            if (followUp === 'confirm-refund') await call('POST', `/api/transactions/${id}/refund`, { reason: 'soak' });
            else {
              const opened = await call('POST', `/api/transactions/${id}/disputes`, { reason: 'soak' });
              if (opened.status === 200)
                await call('POST', `/api/transactions/${id}/disputes/resolve`, { outcome: index % 3 === 0 ? 'LOST' : 'WON' });
            }
          }
        }
      }
      finished += 1;
    };

    // Rounds: a burst of transactions (Redis and the sweeper fire what falls due in real time), then
    // the sandbox clock moves ten minutes (webhooks, expiries, retries) and, every fifth round,
    // settlement runs for tomorrow. The clock is advanced between bursts, not during them: see
    // clock-advance-under-load.test.ts for what an advance does under concurrent load.
    let started = 0;
    const loadStartedAt = Date.now();
    for (let round = 0; started < transactionCount && Date.now() - loadStartedAt < loadBudgetMs; round += 1) {
      const offset = started;
      const size = Math.min(roundSize, transactionCount - started);
      const cpuBeforeBurstS = await cpuSeconds(under.api);
      const burst = runLoad({ clients, count: size, durationMs: loadBudgetMs, step: (index) => step(offset + index) });
      const burstStartedAt = Date.now();
      started += (await burst.done).started;
      bursts.push(Date.now() - burstStartedAt);
      const cpuBeforeAdvanceS = await cpuSeconds(under.api);
      burstCpuS += cpuBeforeAdvanceS - cpuBeforeBurstS;
      const advanceStartedAt = Date.now();
      const advanced = await call('POST', '/api/admin/clock/advance', { ms: clockStepMs }, true);
      slowestAdvanceMs = Math.max(slowestAdvanceMs, Date.now() - advanceStartedAt);
      advanceMs.push(Date.now() - advanceStartedAt);
      advanceCpuS += (await cpuSeconds(under.api)) - cpuBeforeAdvanceS;
      advances += 1;
      if (round % 5 === 4 && typeof advanced.json.now === 'string') {
        settlements += 1;
        const tomorrow = new Date(Date.parse(advanced.json.now) + 86_400_000).toISOString().slice(0, 10);
        await call('POST', '/api/admin/settlement/run', { settlementDate: tomorrow }, true);
      }
    }
    const loadMs = Date.now() - loadStartedAt;

    stopBackground = true;
    await sampler;
    expect(started).toBe(transactionCount);
    expect(finished).toBe(transactionCount);

    // Drain: a few days of sandbox time fire every retry, webhook, expiry and settlement left.
    for (let day = 0; day < 3; day += 1) await call('POST', '/api/admin/clock/advance', { ms: 86_400_000 }, true);
    await call('POST', '/api/admin/settlement/run', {}, true);
    const overdue = await under.api.call('GET', '/ready');

    // On failure, the server's own log says why.
    if (serverErrors.length > 0) {
      // The assertion's message is cut short: the server's error lines go to stderr whole.
      const errorLines = under.server
        .log()
        .split('\n')
        .filter((line) => line.includes('"level":50'))
        .slice(-10);
      process.stderr.write(`[faults:soak] server errors:\n${errorLines.map((line) => line.slice(0, 8000)).join('\n')}\n`);
    }
    expect(serverErrors.slice(0, 10)).toEqual([]);
    expect(transportErrors.slice(0, 10)).toEqual([]);
    const { verifyMs, report: verified } = await expectConsistent(under.api);

    // Memory: the last quarter's peak is not far above the first quarter's.
    const quarter = Math.max(1, Math.floor(memory.length / 4));
    const firstPeak = Math.max(...memory.slice(0, quarter).map((sample) => sample.rssBytes));
    const lastPeak = Math.max(...memory.slice(-quarter).map((sample) => sample.rssBytes));
    const byStatus = await under.api.call('GET', '/api/transactions?limit=1');
    report('soak', {
      transactions: started,
      clients,
      loadMs,
      transactionsPerSecond: Math.round(started / (loadMs / 1000)),
      clockAdvances: advances,
      slowestAdvanceMs,
      settlementRuns: settlements,
      serverCpuMsPerTransaction: Math.round((((burstCpuS + advanceCpuS) * 1000) / started) * 100) / 100,
      serverCoresBusyInBursts: Math.round((burstCpuS / (bursts.reduce((sum, ms) => sum + ms, 0) / 1000)) * 100) / 100,
      serverCoresBusyInAdvances: Math.round((advanceCpuS / (advanceMs.reduce((sum, ms) => sum + ms, 0) / 1000)) * 100) / 100,
      verifyMs,
      checkedEvents: verified.checkedEvents,
      checkedTransactions: verified.checkedTransactions,
      rssFirstQuarterPeakMiB: Math.round(firstPeak / 2 ** 20),
      rssLastQuarterPeakMiB: Math.round(lastPeak / 2 ** 20),
      rssSamples: memory.length,
      rssCurve: memory
        .filter((_, index) => index % Math.max(1, Math.floor(memory.length / 12)) === 0)
        .map((sample) => `${Math.round(sample.atMs / 1000)}s:${Math.round(sample.rssBytes / 2 ** 20)}MiB`),
      timers: overdue.json.components?.timers,
      slowestMs: Object.fromEntries(slowest),
      meanMs: Object.fromEntries([...totalMs].map(([route, ms]) => [route, Math.round(ms / calls.get(route)!)])),
      burstMs: bursts,
      advanceMs,
      statuses: Object.fromEntries([...statuses].sort()),
      sample: byStatus.json.items?.[0]?.status,
    });
    // With pg_stat_statements loaded (LOCAL_PG_SETTINGS), what cost PostgreSQL the most.
    const statements = await topStatements(under.databaseUrl);
    if (statements.length > 0) report('soak-statements', { top: statements });
    expect(memory.length).toBeGreaterThanOrEqual(8);
    expect(lastPeak / firstPeak).toBeLessThan(1.5);
  });
});

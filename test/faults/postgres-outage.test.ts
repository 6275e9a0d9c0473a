import { afterAll, describe, expect, it } from 'vitest';
import { eventually, initiateBody, sleep, type ApiResponse } from './support/api.ts';
import { expectConsistent, missingAcknowledged } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { serverUnderTest } from './support/server-under-test.ts';
import { postgres } from './support/services.ts';

const failFastMs = 2_000;

/** A clean stop (fast shutdown), and a crash (immediate shutdown: no checkpoint, WAL recovery on start). */
describe.each(['stopped', 'crashed'] as const)('PostgreSQL %s and restarted under the running server', (how) => {
  const under = serverUnderTest();
  afterAll(async () => {
    await postgres().start();
  });

  it('fails fast with 503 + Retry-After while it is down, serves again after, and loses no acknowledged write', async () => {
    const acknowledged: Array<{ id: string; position: string; version: number }> = [];
    const escrow: string[] = [];
    const statuses = new Map<string, number>();
    const unexpected: Array<{ status: number; body: string }> = [];
    let phase = 'up';
    const record = (what: string, response: ApiResponse) => {
      statuses.set(`${phase} ${what} ${response.status}`, (statuses.get(`${phase} ${what} ${response.status}`) ?? 0) + 1);
      if (response.status >= 500 && response.status !== 503)
        unexpected.push({ status: response.status, body: response.text.slice(0, 500) });
      if (response.status === 503) {
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(response.json.code).toBe('unavailable');
      }
    };

    const load = runLoad({
      clients: 8,
      count: 100_000,
      durationMs: 90_000,
      step: async (index) => {
        try {
          if (index % 3 === 2 && escrow.length > 0) {
            const id = escrow.shift()!;
            const confirmed = await under.api.call('POST', `/api/transactions/${id}/confirm`, undefined, { timeoutMs: 10_000 });
            record('confirm', confirmed);
            if (confirmed.status === 200) acknowledged.push({ id, position: confirmed.json.position, version: confirmed.json.version });
          } else {
            const created = await under.api.call('POST', '/api/transactions', initiateBody(), { timeoutMs: 10_000 });
            record('initiate', created);
            if (created.status === 201) {
              acknowledged.push({ id: created.json.id, position: created.json.position, version: created.json.version });
              escrow.push(created.json.id);
            }
          }
        } catch (error) {
          statuses.set(`${phase} transport error`, (statuses.get(`${phase} transport error`) ?? 0) + 1);
        }
        if (phase === 'down') await sleep(50);
      },
    });

    await sleep(3_000);
    // Enough acknowledged writes before the outage to judge by, however slow the machine (bounded).
    await eventually('51 acknowledged writes before the outage', 30_000, async () => (acknowledged.length > 50 ? true : undefined));
    const ackedBeforeStop = acknowledged.length;
    expect(ackedBeforeStop).toBeGreaterThan(50);
    phase = 'stopping';
    const stopMs = how === 'crashed' ? await postgres().crash() : await postgres().stop();
    phase = 'down';
    const downAt = Date.now();
    const sample = acknowledged[0]!;

    // While down: every API request is a fast 503 with Retry-After and code `unavailable`.
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/api/transactions/${sample.id}`],
      ['GET', `/api/transactions/${sample.id}/events`],
      ['GET', '/api/transactions?limit=5'],
      ['GET', '/api/events?limit=5'],
      ['GET', '/api/ledger/balances'],
      ['POST', '/api/transactions', initiateBody()],
      ['POST', `/api/transactions/${sample.id}/refund`, { reason: 'during the outage' }],
    ];
    const slowest: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      for (const [method, path, body] of probes) {
        const response = await under.api.call(method, path, body, { timeoutMs: 10_000 });
        expect({ path, status: response.status }).toEqual({ path, status: 503 });
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(response.json.code).toBe('unavailable');
        expect(response.elapsedMs, `${method} ${path}`).toBeLessThan(failFastMs);
        slowest.push(response.elapsedMs);
      }
      await sleep(500);
    }
    const ready = await under.api.call('GET', '/ready', undefined, { timeoutMs: 10_000 });
    expect(ready.status).toBe(503);
    expect(ready.json.components.postgres.status).toBe('down');
    expect(ready.elapsedMs).toBeLessThan(2_500 + 500);
    expect((await under.api.call('GET', '/health')).status).toBe(200);
    const downForMs = Date.now() - downAt;

    // Back up: the same server process serves again, reads and writes.
    phase = 'recovering';
    const startMs = await postgres().start();
    const upAt = Date.now();
    await eventually(
      'the API serves again',
      30_000,
      async () => {
        const response = await under.api.call('GET', `/api/transactions/${sample.id}/events`, undefined, { timeoutMs: 5_000 });
        return response.status === 200 ? true : undefined;
      },
      100,
    );
    const recoveredMs = Date.now() - upAt;
    phase = 'after';
    await sleep(2_000);
    load.stop();
    const { started } = await load.done;
    const created = await under.api.call('POST', '/api/transactions', initiateBody());
    expect(created.status).toBe(201);
    await eventually('/ready is 200 again', 30_000, async () =>
      (await under.api.call('GET', '/ready')).status === 200 ? true : undefined,
    );

    // No acknowledged write is lost.
    expect(await missingAcknowledged(under.api, acknowledged)).toEqual([]);
    expect(unexpected).toEqual([]);

    const { verifyMs } = await expectConsistent(under.api);
    report(`postgres-outage-${how}`, {
      requestsStarted: started,
      acknowledged: acknowledged.length,
      ackedBeforeStop,
      stopMs,
      startMs,
      downForMs,
      recoveredMs,
      verifyMs,
      slowest503Ms: Math.round(Math.max(...slowest)),
      statuses: Object.fromEntries(statuses),
    });
  });
});

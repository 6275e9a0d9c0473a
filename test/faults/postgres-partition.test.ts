import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@tracktrove/testing';
import { apiOf, eventually, initiateBody, sleep, type Api, type ApiResponse } from './support/api.ts';
import { expectConsistent, missingAcknowledged } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { createServerProcess, type ServerProcess } from './support/server-process.ts';
import { freshDatabase, redis } from './support/services.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

/** Heartbeat every 1 s, 2 s to answer (apps/api/src/http/availability.ts), with room for a loaded machine. */
const detectedWithinMs = 6_000;
const failFastMs = 2_000;

describe('a network partition between the server and PostgreSQL, under load', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let api: Api;
  beforeAll(async () => {
    database = await freshDatabase();
    const target = new URL(database.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    server = await createServerProcess({ databaseUrl: proxy.urlFor(database.url), redisUrl: redis().url });
    await server.start();
    api = apiOf(server.baseUrl);
  });
  afterAll(async () => {
    if (process.env.PARTITION_DEBUG) process.stderr.write(`${server?.log()}\n`);
    proxy?.heal();
    await server?.kill9();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 within seconds while no packet passes, serves again when it heals, and loses no acknowledged write', async () => {
    const acknowledged: Array<{ id: string; position: string; version: number }> = [];
    const statuses = new Map<string, number>();
    const unexpected: Array<{ status: number; body: string }> = [];
    const slowDuringPartition: number[] = [];
    let phase = 'up';
    let partitionedAt = 0;
    const record = (response: ApiResponse) => {
      statuses.set(`${phase} ${response.status}`, (statuses.get(`${phase} ${response.status}`) ?? 0) + 1);
      if (response.status >= 500 && response.status !== 503)
        unexpected.push({ status: response.status, body: response.text.slice(0, 500) });
      if (response.status === 503) expect(response.json.code).toBe('unavailable');
    };

    const load = runLoad({
      clients: 8,
      count: 100_000,
      durationMs: 120_000,
      step: async () => {
        const sentAt = Date.now();
        try {
          const created = await api.call('POST', '/api/transactions', initiateBody(), { timeoutMs: 60_000 });
          record(created);
          if (created.status === 201)
            acknowledged.push({ id: created.json.id, position: created.json.position, version: created.json.version });
          // A request sent once the partition had been noticed must not wait on it.
          if (phase === 'partitioned' && sentAt - partitionedAt > detectedWithinMs) slowDuringPartition.push(created.elapsedMs);
        } catch {
          statuses.set(`${phase} transport error`, (statuses.get(`${phase} transport error`) ?? 0) + 1);
        }
        if (phase === 'partitioned') await sleep(50);
      },
    });

    await sleep(3_000);
    const ackedBefore = acknowledged.length;
    expect(ackedBefore).toBeGreaterThan(20);

    phase = 'partitioned';
    partitionedAt = Date.now();
    proxy.partition();
    // Noticed by the heartbeat: /ready says so, and requests answer 503 at once.
    const noticedAfterMs = await eventually(
      'the partition noticed',
      20_000,
      async () => {
        const ready = await api.call('GET', '/ready', undefined, { timeoutMs: 10_000 });
        return ready.status === 503 && ready.json.components?.postgres?.status === 'down' ? Date.now() - partitionedAt : undefined;
      },
      100,
    );
    expect(noticedAfterMs).toBeLessThan(detectedWithinMs);
    for (const [method, path, body] of [
      ['GET', '/api/transactions?limit=5'],
      ['POST', '/api/transactions', initiateBody()],
      ['GET', '/api/events?limit=5'],
    ] as const) {
      const response = await api.call(method, path, body, { timeoutMs: 10_000 });
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(response.elapsedMs, `${path}: ${response.text.slice(0, 300)}`).toBeLessThan(failFastMs);
    }
    expect((await api.call('GET', '/health')).status).toBe(200);
    await sleep(Math.max(0, detectedWithinMs + 3_000 - (Date.now() - partitionedAt)));

    phase = 'healed';
    proxy.heal();
    const healedAt = Date.now();
    await eventually(
      'the API serves again',
      30_000,
      async () => {
        const response = await api.call('POST', '/api/transactions', initiateBody(), { timeoutMs: 10_000 });
        if (response.status === 201)
          acknowledged.push({ id: response.json.id, position: response.json.position, version: response.json.version });
        return response.status === 201 ? true : undefined;
      },
      200,
    );
    const recoveredMs = Date.now() - healedAt;
    await sleep(2_000);
    load.stop();
    const { started } = await load.done;

    expect(unexpected).toEqual([]);
    expect(slowDuringPartition.filter((elapsedMs) => elapsedMs > failFastMs)).toEqual([]);
    const counted = Object.fromEntries(statuses);
    expect(counted['partitioned 503'] ?? 0, JSON.stringify(counted)).toBeGreaterThan(0);
    expect(counted['healed 201'] ?? 0, JSON.stringify(counted)).toBeGreaterThan(0);
    // Every request is a new transaction: nothing may answer 409, as a command retried after a
    // connection lost mid-commit would (its first try may have committed).
    expect(Object.keys(counted).filter((key) => / 409$/.test(key))).toEqual([]);

    // Nothing acknowledged is lost: every 2xx is in its stream.
    expect(await missingAcknowledged(api, acknowledged)).toEqual([]);
    await eventually('/ready is 200 again', 30_000, async () => ((await api.call('GET', '/ready')).status === 200 ? true : undefined));
    const { verifyMs } = await expectConsistent(api);
    report('postgres-partition', {
      requestsStarted: started,
      acknowledged: acknowledged.length,
      ackedBefore,
      noticedAfterMs,
      recoveredMs,
      verifyMs,
      slowestAfterNoticeMs: Math.round(Math.max(0, ...slowDuringPartition)),
      statuses: Object.fromEntries(statuses),
    });
  });
});

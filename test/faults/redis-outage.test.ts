import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, initiateBody, sleep, type Json } from './support/api.ts';
import { expectConsistent, readLog, timersFiredByRedis } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { serverUnderTest } from './support/server-under-test.ts';
import { redis } from './support/services.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

const escrowTtlMs = 2_000;
/** How late past its due time a hold may still be in ESCROW (the sweeper runs every 250 ms). */
const graceMs = 3_000;

interface Hold {
  readonly id: string;
  readonly onHoldExpiry: 'release' | 'void';
  readonly phase: string;
}

/**
 * Stopped: connections are refused at once. Partitioned: a TCP proxy between the server and Redis
 * stops passing bytes without closing anything, so commands get no answer at all (they time out
 * after redisHoldLimits.commandTimeoutMs) and keyspace notifications simply stop.
 */
describe.each(['stopped', 'partitioned'] as const)('Redis %s under load, then back', (how) => {
  let proxy: TcpProxy | undefined;
  beforeAll(async () => {
    if (how !== 'partitioned') return;
    const target = new URL(redis().url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  });
  // After-hooks run as a stack: the proxy closes after the server has stopped.
  afterAll(async () => {
    await proxy?.close();
  });
  const under = serverUnderTest({ redisUrl: () => proxy?.urlFor(redis().url) ?? redis().url });
  // biome-ignore lint/suspicious/noDuplicateTestHooks: one after-hook on each side of the server's own (they run as a stack): Redis back before the server stops, the proxy closed after
  afterAll(async () => {
    if (how === 'stopped') await redis().start();
    else proxy?.heal();
  });
  const cut = async () => (how === 'stopped' ? redis().stop() : (proxy!.partition(), 0));
  const restore = async () => (how === 'stopped' ? redis().start() : (proxy!.heal(), 0));

  const sandboxNow = async () => Date.parse((await under.api.call('GET', '/api/admin/clock', undefined, { admin: true })).json.now);

  /** Transactions still in ESCROW whose hold was due more than graceMs ago (sandbox time). */
  const overdueHolds = async (): Promise<Json[]> => {
    const now = await sandboxNow();
    const overdue: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await under.api.call(
        'GET',
        `/api/transactions?status=ESCROW&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      for (const item of page.json.items as Json[]) if (Date.parse(item.escrowExpiresAt) < now - graceMs) overdue.push(item);
      cursor = page.json.nextCursor;
    } while (cursor);
    return overdue;
  };

  it('keeps expiring holds through the sweeper while Redis is away, and reconnects by itself', async () => {
    const holds: Hold[] = [];
    let phase = 'redis up';
    const statuses = new Map<string, number>();
    const load = runLoad({
      clients: 6,
      count: 20_000,
      durationMs: 120_000,
      step: async (index) => {
        const onHoldExpiry = index % 2 === 0 ? 'release' : 'void';
        try {
          const created = await under.api.call(
            'POST',
            '/api/transactions',
            initiateBody({ amount: '3.00', simulation: { escrowTtlMs, onHoldExpiry, webhook: { delayMs: 86_400_000 } } }),
          );
          statuses.set(`${phase} ${created.status}`, (statuses.get(`${phase} ${created.status}`) ?? 0) + 1);
          if (created.status === 201 && created.json.status === 'ESCROW') holds.push({ id: created.json.id, onHoldExpiry, phase });
        } catch {
          statuses.set(`${phase} transport error`, (statuses.get(`${phase} transport error`) ?? 0) + 1);
        }
        await sleep(20);
      },
    });

    await sleep(4_000);
    // While Redis is up, the fast path fires holds: the 250 ms sweeper alone would do it too, so it
    // is counted, by the path each timer fired from.
    const firedByRedisBeforeCut = await timersFiredByRedis(under.api);
    expect(firedByRedisBeforeCut).toBeGreaterThan(0);
    const stopMs = await cut();
    phase = 'redis down';
    const downAt = Date.now();
    const notReady = await eventually('/ready reports redis down', 15_000, async () => {
      const ready = await under.api.call('GET', '/ready');
      return ready.status === 503 && ready.json.components.redis.status === 'down' ? ready.json : undefined;
    });
    const readyNoticedDownMs = Date.now() - downAt;
    expect(notReady.components.postgres.status).toBe('up');

    // Holds placed while Redis is down still expire on time: the PostgreSQL sweeper fires them.
    await sleep(escrowTtlMs + graceMs + 1_000);
    const heldWhileDown = holds.filter((hold) => hold.phase === 'redis down');
    expect(heldWhileDown.length).toBeGreaterThan(20);
    expect(await overdueHolds()).toEqual([]);
    const firstDown = await under.api.call('GET', `/api/transactions/${heldWhileDown[0]!.id}`);
    expect(firstDown.json.status).toBe(heldWhileDown[0]!.onHoldExpiry === 'release' ? 'COMPLETED' : 'REFUNDED');
    const downForMs = Date.now() - downAt;

    const startMs = await restore();
    phase = 'redis back';
    const upAt = Date.now();
    await eventually('/ready is 200 again without a server restart', 30_000, async () =>
      (await under.api.call('GET', '/ready')).status === 200 ? true : undefined,
    );
    const readyAgainMs = Date.now() - upAt;
    const firedByRedisWhenBack = await timersFiredByRedis(under.api);
    await sleep(3_000);
    load.stop();
    const { started } = await load.done;

    // Every hold past its due time has expired, exactly as its onHoldExpiry says, and at most once.
    await sleep(escrowTtlMs + graceMs);
    expect(await overdueHolds()).toEqual([]);
    // Back up, the fast path fires again (holds placed since Redis came back).
    expect(await timersFiredByRedis(under.api)).toBeGreaterThan(firedByRedisWhenBack);
    const wrong: Json[] = [];
    for (let offset = 0; offset < holds.length; offset += 16) {
      await Promise.all(
        holds.slice(offset, offset + 16).map(async (hold) => {
          const read = await under.api.call('GET', `/api/transactions/${hold.id}`);
          const expected = hold.onHoldExpiry === 'release' ? 'COMPLETED' : 'REFUNDED';
          if (read.json.status !== expected) wrong.push({ ...hold, status: read.json.status, escrowExpiresAt: read.json.escrowExpiresAt });
        }),
      );
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    const resolutions = new Map<string, number>();
    for (const event of await readLog(under.api)) {
      if (event.type === 'EscrowHoldPosted' || event.type === 'EscrowHoldVoided')
        resolutions.set(event.streamId, (resolutions.get(event.streamId) ?? 0) + 1);
    }
    expect([...resolutions.values()].filter((count) => count > 1)).toEqual([]);
    expect(resolutions.size).toBe(holds.length);

    const { verifyMs } = await expectConsistent(under.api);
    report(`redis-${how}`, {
      requestsStarted: started,
      holds: holds.length,
      firedByRedisBeforeCut,
      heldWhileDown: heldWhileDown.length,
      stopMs,
      startMs,
      readyNoticedDownMs,
      downForMs,
      readyAgainMs,
      verifyMs,
      statuses: Object.fromEntries(statuses),
    });
  });
});

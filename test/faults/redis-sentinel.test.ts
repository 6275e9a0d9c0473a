import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDatabase, redisCli, startLocalRedisSentinelGroup, type LocalRedisSentinelGroup } from '@tracktrove/testing';
import { eventually, initiateBody, sleep, type Json } from './support/api.ts';
import { expectConsistent, readLog } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { serverUnderTest } from './support/server-under-test.ts';

const escrowTtlMs = 2_000;
/** How late past its due time a hold may fire at most (the sweeper runs every 250 ms). */
const sweeperBoundMs = 3_000;

interface Hold {
  readonly id: string;
  readonly onHoldExpiry: 'release' | 'void';
  readonly phase: 'before' | 'failover' | 'after';
}

const keyspaceFlags = async (port: number) => (await redisCli(port, 'CONFIG', 'GET', 'notify-keyspace-events'))[1] ?? '';

/**
 * Redis behind Sentinel (a master, a replica, three sentinels), the server on REDIS_SENTINELS:
 * the master is killed under load and Sentinel promotes the replica. The data nodes start without
 * keyspace notifications, so the fast path works on the promoted replica only if the server
 * enables them there again and subscribes to it.
 */
describe('Redis Sentinel: the master killed under load', () => {
  let group: LocalRedisSentinelGroup | undefined;
  beforeAll(async () => {
    group = await startLocalRedisSentinelGroup();
  });
  afterAll(async () => {
    await group?.destroy();
  });
  const sentinel = () => {
    if (!group) throw new Error('the sentinel group starts in beforeAll');
    return group;
  };
  const under = serverUnderTest({ env: () => ({ REDIS_SENTINELS: sentinel().sentinelsEnv, REDIS_MASTER_NAME: sentinel().masterName }) });

  const redisReadiness = async () => (await under.api.call('GET', '/ready')).json.components?.redis as Json | undefined;

  it('follows the promoted replica: notifications enabled and subscribed there, no hold fired twice or late', async () => {
    const firstMaster = await sentinel().masterPort();
    const connected = await eventually('/ready names the first master', 15_000, async () => {
      const redis = await redisReadiness();
      return redis?.status === 'up' && String(redis.detail).includes(`:${firstMaster}`) ? redis : undefined;
    });
    expect(connected.detail).toContain(sentinel().masterName);
    expect(await keyspaceFlags(firstMaster)).toMatch(/^(?=.*E)(?=.*[xA])/);

    const holds: Hold[] = [];
    let phase: Hold['phase'] = 'before';
    const statuses = new Map<string, number>();
    const load = runLoad({
      clients: 4,
      count: 20_000,
      durationMs: 60_000,
      step: async (index) => {
        const onHoldExpiry = index % 2 === 0 ? 'release' : 'void';
        const placedIn = phase;
        try {
          const created = await under.api.call(
            'POST',
            '/api/transactions',
            initiateBody({ amount: '3.00', simulation: { escrowTtlMs, onHoldExpiry, webhook: { delayMs: 86_400_000 } } }),
          );
          statuses.set(`${placedIn} ${created.status}`, (statuses.get(`${placedIn} ${created.status}`) ?? 0) + 1);
          if (created.status === 201 && created.json.status === 'ESCROW')
            holds.push({ id: created.json.id, onHoldExpiry, phase: placedIn });
        } catch {
          statuses.set(`${placedIn} transport error`, (statuses.get(`${placedIn} transport error`) ?? 0) + 1);
        }
        await sleep(20);
      },
    });

    await sleep(3_000);
    phase = 'failover';
    const crashedAt = Date.now();
    const crashed = await sentinel().crashMaster();
    expect(crashed).toBe(firstMaster);
    const promoted = await sentinel().waitForFailover(crashed);
    const promotedMs = Date.now() - crashedAt;
    await eventually(
      '/ready names the promoted master',
      20_000,
      async () => {
        const redis = await redisReadiness();
        return redis?.status === 'up' && String(redis.detail).includes(`:${promoted}`) ? redis : undefined;
      },
      100,
    );
    const followedMs = Date.now() - crashedAt;
    // The promoted replica started without notifications: the server enabled them there.
    expect(await keyspaceFlags(promoted)).toMatch(/^(?=.*E)(?=.*[xA])/);
    phase = 'after';
    // The old master comes back as a replica of the new one.
    await sentinel().restartStopped();
    await sleep(4_000);
    load.stop();
    const { started } = await load.done;
    await sleep(escrowTtlMs + sweeperBoundMs);

    // Every hold expired as its onHoldExpiry says, once, and no later than the sweeper's bound.
    const timers = await queryDatabase<{ transaction_id: string; state: string; fired_by: string | null; late_ms: number | null }>(
      under.databaseUrl,
      `select transaction_id, state, fired_by, (extract(epoch from fired_at - due_at) * 1000)::float8 as late_ms
         from tt_timers where kind = 'hold_expiry' and transaction_id = any($1::text[])`,
      [holds.map((hold) => hold.id)],
    );
    expect(timers.length).toBe(holds.length);
    expect(timers.filter((timer) => timer.state !== 'fired').slice(0, 5)).toEqual([]);
    const lateMs = Math.max(...timers.map((timer) => timer.late_ms ?? Infinity));
    expect(lateMs).toBeLessThan(sweeperBoundMs);
    const wrong: Json[] = [];
    for (let offset = 0; offset < holds.length; offset += 16) {
      await Promise.all(
        holds.slice(offset, offset + 16).map(async (hold) => {
          const read = await under.api.call('GET', `/api/transactions/${hold.id}`);
          const expected = hold.onHoldExpiry === 'release' ? 'COMPLETED' : 'REFUNDED';
          if (read.json.status !== expected) wrong.push({ ...hold, status: read.json.status });
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

    // After the failover the fast path fires holds on the promoted master, keyspace notifications included.
    const firedBy = (placed: Hold['phase']) => {
      const ids = new Set(holds.filter((hold) => hold.phase === placed).map((hold) => hold.id));
      const counts: Record<string, number> = {};
      for (const timer of timers)
        if (ids.has(timer.transaction_id)) counts[timer.fired_by ?? 'none'] = (counts[timer.fired_by ?? 'none'] ?? 0) + 1;
      return counts;
    };
    const afterFailover = firedBy('after');
    expect(holds.filter((hold) => hold.phase === 'after').length).toBeGreaterThan(20);
    expect(afterFailover.redis_notification ?? 0).toBeGreaterThan(0);

    const { verifyMs } = await expectConsistent(under.api);
    report('redis-sentinel', {
      requestsStarted: started,
      holds: holds.length,
      promotedMs,
      followedMs,
      lateMsMax: Math.round(lateMs),
      verifyMs,
      firedBy: { before: firedBy('before'), failover: firedBy('failover'), after: afterFailover },
      statuses: Object.fromEntries(statuses),
    });
  });
});

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startLocalRedis, type LocalService } from '@tracktrove/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisHolds, redisHoldKeys, type RedisHolds } from '../src/index.ts';

describe('Redis holds', () => {
  const keyPrefix = `tt-${randomUUID()}:`;
  const { holdKeyPrefix, zsetKey } = redisHoldKeys(keyPrefix);
  let holds: RedisHolds;
  let redis: Redis;
  // A server of its own: the MULTIs it counts are this test's alone.
  let server: LocalService;
  beforeAll(async () => {
    server = await startLocalRedis();
    holds = createRedisHolds({ url: server.url, keyPrefix, pollIntervalMs: 0, nowMs: () => Date.now(), fire: async () => 0 });
    await holds.start();
    redis = new Redis(server.url);
    for (let tries = 0; holds.status().status !== 'up' && tries < 100; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(async () => {
    await holds.stop();
    redis.disconnect();
    await server.destroy();
  });

  it('registers concurrent holds together, each with its key, TTL and due time', async () => {
    const nowMs = Date.now();
    const registered = Array.from({ length: 300 }, (_, index) => ({ timerId: randomUUID(), dueAtMs: nowMs + 60_000 + index, nowMs }));
    const before = (await redis.info('commandstats')).match(/cmdstat_multi:calls=(\d+)/)?.[1] ?? '0';
    await Promise.all(registered.map((hold) => holds.register(hold)));
    const after = (await redis.info('commandstats')).match(/cmdstat_multi:calls=(\d+)/)?.[1] ?? '0';
    // The first registration goes alone; the others wait for it and go together.
    expect(Number(after) - Number(before)).toBeLessThanOrEqual(3);
    expect(await holds.size()).toBe(300);
    for (const hold of registered.filter((_, index) => index % 50 === 0)) {
      const ttlMs = await redis.pttl(`${holdKeyPrefix}${hold.timerId}`);
      expect(ttlMs).toBeGreaterThan(50_000);
      expect(ttlMs).toBeLessThanOrEqual(60_000 + 300);
      expect(Number(await redis.zscore(zsetKey, hold.timerId))).toBe(hold.dueAtMs);
    }
    await holds.remove(registered.map((hold) => hold.timerId));
    expect(await holds.size()).toBe(0);
    expect(await redis.exists(`${holdKeyPrefix}${registered[0]!.timerId}`)).toBe(0);
  });
});

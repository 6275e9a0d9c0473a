import { randomUUID } from 'node:crypto';
import { testRedisUrl, topStatements } from '@tracktrove/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, input, openFixture, operator, type Fixture } from './fixture.ts';

describe('probe', () => {
  let fixture: Fixture;
  beforeAll(async () => { fixture = await openFixture({ redisUrl: testRedisUrl(), timers: { redisKeyPrefix: `tt-${randomUUID()}:`, dailySettlement: false } }); });
  afterAll(async () => { await fixture?.close(); });
  it('advance', async () => {
    const { app } = fixture;
    for (let round = 0; round < 10; round += 1) await Promise.all(Array.from({ length: 100 }, () => app.initiate(input({ simulation: { webhook: { delayMs: 5_000 } } }), operator)));
    await sql`select pg_stat_statements_reset()`.execute(fixture.database.db).catch(() => undefined);
    const started = performance.now();
    const result = await app.clock.advance({ ms: 10_000 }, admin);
    const ms = performance.now() - started;
    process.stderr.write(`ADVANCE fired ${result.firedTimers} in ${Math.round(ms)} ms: ${Math.round(result.firedTimers / (ms / 1000))} timers/s; cpu ${JSON.stringify(process.cpuUsage())}\n`);
    for (const line of await topStatements(fixture.url, 30)) process.stderr.write(`STMT ${line}\n`);
    expect(result.firedTimers).toBeGreaterThan(0);
  }, 300_000);
});

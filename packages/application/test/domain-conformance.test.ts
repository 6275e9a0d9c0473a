import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, input, inspect, openFixture, operator, type Fixture } from './fixture.ts';

/** Flows checked against domain.md sentence by sentence (the domain conformance audit). */
describe('domain conformance (PostgreSQL, in-process timers)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await openFixture({ timers: { sweepIntervalMs: 60_000, dailySettlement: false } });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  const dayAfter = async (days = 1) => new Date((await fixture.app.clock.now()).getTime() + days * 86_400_000).toISOString().slice(0, 10);

  it('"T+1 settlement settles every COMPLETED transaction": also one an admin moved back from SETTLED to COMPLETED', async () => {
    const { app, database } = fixture;
    const { state } = await app.initiate(input(), operator);
    const id = state.transactionId;
    await app.confirm(id, operator);
    expect((await app.runSettlement({ settlementDate: await dayAfter() })).settledCount).toBe(1);
    await app.override(id, 'COMPLETED', 'settled to the wrong vendor account', admin);
    const rerun = await app.runSettlement({ settlementDate: await dayAfter(2) });
    expect(rerun.settledCount).toBe(1);
    const after = await inspect(database, id);
    expect(after.state.status).toBe('SETTLED');
    expect(after.violations).toEqual([]);
  });
});

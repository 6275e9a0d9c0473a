import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const initiateBody = JSON.stringify({
  vendorId: randomUUID(),
  amount: '10.00',
  channel: 'WEB',
  simulation: { webhook: { delayMs: 3_600_000 } },
});

describe('the idempotency store', () => {
  let server: TestServer;
  const maxKeys = 5;
  const initiate = (key: string, body = initiateBody) =>
    server.app.inject({
      method: 'POST',
      url: '/api/transactions',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      payload: body,
    });
  const storedKeys = async () =>
    (
      await sql<{ key: string }>`select key from tt_idempotency order by created_at, key`.execute(server.context.store.database.db)
    ).rows.map((row) => row.key);
  const until = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 5_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
      await sleep(25);
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { idempotency: { maxKeys, expiryIntervalMs: 50 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('forgets keys older than 24 hours on its own schedule, and keeps replaying the others', async () => {
    const [old, fresh] = [`old-${randomUUID()}`, `fresh-${randomUUID()}`];
    expect((await initiate(old)).statusCode).toBe(201);
    const first = await initiate(fresh);
    expect(first.statusCode).toBe(201);
    await sql`update tt_idempotency set created_at = now() - interval '25 hours' where key like ${`%|${old}`}`.execute(
      server.context.store.database.db,
    );
    await until('the day-old key is gone', async () => !(await storedKeys()).some((key) => key.endsWith(old)));
    const replay = await initiate(fresh);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(first.json().id);
  });

  it(`keeps at most ${maxKeys} keys, dropping the oldest first`, async () => {
    const keys = Array.from({ length: maxKeys + 4 }, (_, index) => `key-${index}-${randomUUID()}`);
    for (const key of keys) expect((await initiate(key)).statusCode).toBe(201);
    await until(`at most ${maxKeys} keys`, async () => (await storedKeys()).length <= maxKeys);
    const kept = await storedKeys();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((key) => keys.slice(-maxKeys).some((recent) => key.endsWith(recent)))).toBe(true);
    expect((await initiate(keys.at(-1)!)).headers['idempotent-replayed']).toBe('true');
  });

  it('takes a key of 1 to 255 visible characters on every route, and refuses 256 naming the header', async () => {
    const longest = 'k'.repeat(255);
    expect((await initiate(longest)).statusCode).toBe(201);
    expect((await initiate(longest)).headers['idempotent-replayed']).toBe('true');
    const created = (await initiate(randomUUID())).json();
    // The refund route's scope is longer than initiate's: the client's limit is the same.
    const refund = (key: string) =>
      server.app.inject({
        method: 'POST',
        url: `/api/transactions/${created.id}/refund`,
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        payload: '{"reason":"limits"}',
      });
    const refunded = await refund(`r${'x'.repeat(254)}`);
    expect(refunded.statusCode).toBe(200);
    expect((await refund(`r${'x'.repeat(254)}`)).headers['idempotent-replayed']).toBe('true');
    const tooLong = await initiate('k'.repeat(256));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().errors).toEqual([{ path: 'headers.idempotency-key', message: 'must have 1 to 255 visible ASCII characters' }]);
  });
});

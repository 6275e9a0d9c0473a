import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@tracktrove/testing';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { holdLogVisibility, startTestServer, type TestServer } from './test-server.ts';

type Json = Record<string, any>;

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
/** Cursors no page handed out: junk, a key of the wrong shape, a key holding a NUL. */
const badCursors = ['junk!', cursorOf({ not: 'a list' }), cursorOf(['a\u0000b', 'b\u0000c', 'c\u0000d']), cursorOf(['0', '0', '0', '0'])];

/** Lists page with an opaque cursor (api.md: `{ items, nextCursor }`, limit at most 500), on PostgreSQL and Redis. */
describe('list paging', () => {
  let server: TestServer;
  const admin = { authorization: 'Bearer admin-token' };
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await server.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.statusCode, headers: response.headers, json: JSON.parse(response.body || '{}') as Json };
  };
  const initiate = async (overrides: Json = {}) => {
    const created = await call('POST', '/api/transactions', {
      vendorId: randomUUID(),
      amount: '12.50',
      channel: 'WEB',
      simulation: { webhook: { delayMs: 3_600_000 } },
      ...overrides,
    });
    expect(created.status).toBe(201);
    return created.json;
  };
  /** Every page of a list, following nextCursor; the list's own query string (with `?`) comes first. */
  const walk = async (url: string, headers: Record<string, string> = {}) => {
    const pages: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url, undefined, headers);
      expect(page.status).toBe(200);
      pages.push(page.json);
      cursor = page.json.nextCursor;
      expect(pages.length).toBeLessThan(1_000);
    } while (cursor !== null);
    return { pages, items: pages.flatMap((page) => page.items as Json[]) };
  };
  const expectBadCursors = async (url: string, headers: Record<string, string> = {}) => {
    for (const cursor of badCursors) {
      const answer = await call('GET', `${url}&cursor=${encodeURIComponent(cursor)}`, undefined, headers);
      expect(answer.status, cursor).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.json).toMatchObject({ code: 'validation_failed', errors: [{ path: 'query.cursor' }] });
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { redisUrl: testRedisUrl() } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers a cursor no page handed out on the transactions and ledger lists with 400 naming query.cursor', async () => {
    await initiate();
    await expectBadCursors('/api/transactions?limit=2');
    await expectBadCursors('/api/ledger?limit=2');
  });

  it('reads a limit written in digits only: anything else, spaces or signs or exponents, is a 400 naming query.limit', async () => {
    const { id } = await initiate();
    const lists = [
      '/api/transactions',
      '/api/ledger',
      '/api/events',
      '/api/transactions/retry-pending',
      `/api/transactions/${id}/events`,
      '/api/webhooks/deliveries',
      '/api/admin/settlement/batches',
    ];
    for (const url of lists) {
      for (const limit of [' 5', '5 ', '+5', '5.0', '0x10', '1e2', '', '5,6']) {
        const answer = await call('GET', `${url}?limit=${encodeURIComponent(limit)}`, undefined, admin);
        expect(answer.status, `${url} limit '${limit}'`).toBe(400);
        expect(answer.json).toMatchObject({ code: 'validation_failed', errors: [{ path: 'query.limit' }] });
      }
      expect((await call('GET', `${url}?limit=${encodeURIComponent('5')}&limit=6`, undefined, admin)).status, `${url} two limits`).toBe(
        400,
      );
      for (const limit of ['5', '005', '500']) {
        expect((await call('GET', `${url}?limit=${limit}`, undefined, admin)).status, `${url} limit ${limit}`).toBe(200);
      }
    }
  });

  it('pages the webhook delivery log: every delivery once, in the order scheduled, the last nextCursor null', async () => {
    // Initiated together, so several share a group commit and its sandbox time: the id breaks ties.
    const created = await Promise.all(Array.from({ length: 12 }, () => initiate()));
    const { pages, items } = await walk('/api/webhooks/deliveries?limit=5');
    const stored = await sql<{
      delivery_id: string;
    }>`select delivery_id from tt_webhook_deliveries order by created_at, due_at, delivery_id`.execute(server.context.store.database.db);
    expect(items.map((delivery) => delivery.id)).toEqual(stored.rows.map((row) => row.delivery_id));
    expect(new Set(items.map((delivery) => delivery.id)).size).toBe(items.length);
    expect(items.map((delivery) => delivery.transactionId)).toEqual(expect.arrayContaining(created.map((transaction) => transaction.id)));
    expect(pages.length).toBe(Math.ceil(items.length / 5));
    expect(pages.slice(0, -1).every((page) => page.items.length === 5 && typeof page.nextCursor === 'string')).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(items[0]).toMatchObject({
      type: 'payment.confirmed',
      status: 'scheduled',
      attemptCount: 0,
      attempts: [],
      injection: { dropped: false },
    });

    // Filtered by transaction: its two deliveries (the gateway's, then the confirmation's), a page each.
    const first = created[0]!;
    expect((await call('POST', `/api/transactions/${first.id}/confirm`)).status).toBe(200);
    const one = await walk(`/api/webhooks/deliveries?transactionId=${first.id}&limit=1`);
    expect(one.pages).toHaveLength(2);
    expect(one.items.map((delivery) => delivery.transactionId)).toEqual([first.id, first.id]);
    expect(one.items.at(-1)!.attempts.at(-1).response.status).toBe(200);

    await expectBadCursors('/api/webhooks/deliveries?limit=5');
    const forged = cursorOf(['2026-02-30T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', randomUUID()]);
    expect((await call('GET', `/api/webhooks/deliveries?cursor=${forged}`)).status).toBe(400);
    expect((await call('GET', '/api/webhooks/deliveries?limit=501')).status).toBe(400);
  });

  it('pages settlement batches: latest settlement date first, every batch once, the last nextCursor null', async () => {
    const completed = async () => {
      const created = await initiate();
      expect((await call('POST', `/api/transactions/${created.id}/confirm`)).status).toBe(200);
      return created;
    };
    const now = Date.parse((await call('GET', '/api/admin/clock', undefined, admin)).json.now);
    const dayAfter = (days: number) => new Date(now + days * 86_400_000).toISOString().slice(0, 10);
    // A vendor each, so a batch each: four settled for tomorrow, then three for the day after.
    const earlier = await Promise.all(Array.from({ length: 4 }, completed));
    expect(
      (await call('POST', '/api/admin/settlement/run', { settlementDate: dayAfter(1) }, admin)).json.settledCount,
    ).toBeGreaterThanOrEqual(4);
    const later = await Promise.all(Array.from({ length: 3 }, completed));
    expect((await call('POST', '/api/admin/settlement/run', { settlementDate: dayAfter(2) }, admin)).json.settledCount).toBe(3);

    const { pages, items } = await walk('/api/admin/settlement/batches?limit=2', admin);
    const stored = await sql<{
      batch_id: string;
    }>`select batch_id from tt_settlement_batches order by settlement_date desc, position collate "C" desc`.execute(
      server.context.store.database.db,
    );
    expect(items.map((batch) => batch.batchId)).toEqual(stored.rows.map((row) => row.batch_id));
    expect(new Set(items.map((batch) => batch.batchId)).size).toBe(items.length);
    expect(items.slice(0, 3).map((batch) => batch.settlementDate)).toEqual([dayAfter(2), dayAfter(2), dayAfter(2)]);
    expect(
      items
        .slice(0, 3)
        .map((batch) => batch.vendorId)
        .sort(),
    ).toEqual(later.map((transaction) => transaction.vendorId).sort());
    expect(items.map((batch) => batch.vendorId)).toEqual(expect.arrayContaining(earlier.map((transaction) => transaction.vendorId)));
    expect(pages.length).toBe(Math.ceil(items.length / 2));
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(items[0]).toMatchObject({ currency: 'INR', transactionCount: 1, totalMinor: 1250, total: '12.50' });

    const ofDay = await walk(`/api/admin/settlement/batches?settlementDate=${dayAfter(2)}&limit=1`, admin);
    expect(ofDay.items.map((batch) => batch.batchId)).toEqual(items.slice(0, 3).map((batch) => batch.batchId));
    const ofVendor = await walk(`/api/admin/settlement/batches?vendorId=${earlier[0]!.vendorId}&limit=1`, admin);
    expect(ofVendor.pages).toHaveLength(1);
    expect(ofVendor.items.map((batch) => batch.transactionIds)).toEqual([[earlier[0]!.id]]);

    await expectBadCursors('/api/admin/settlement/batches?limit=2', admin);
    const forged = cursorOf(['2026-02-30', items[0]!.position]);
    expect((await call('GET', `/api/admin/settlement/batches?cursor=${forged}`, undefined, admin)).status).toBe(400);
  });

  it("pages a transaction's events by version: every event once, in stream order, the last nextCursor null", async () => {
    const created = await initiate();
    const id = created.id as string;
    expect((await call('POST', `/api/transactions/${id}/confirm`)).status).toBe(200);
    expect((await call('POST', `/api/transactions/${id}/refund`, { reason: 'changed their mind' })).status).toBe(200);
    // Statuses nothing follows on its own (an override to FAILED would schedule a retry meanwhile).
    for (const status of ['PERMANENTLY_FAILED', 'COMPLETED', 'DISPUTE_OPEN']) {
      expect((await call('POST', `/api/admin/transactions/${id}/override`, { status, reason: 'paging test' }, admin)).status).toBe(200);
    }
    const whole = await call('GET', `/api/transactions/${id}/events`);
    expect(whole.json.nextCursor).toBeNull();
    const versions = whole.json.items.map((event: Json) => event.version) as number[];
    expect(versions.length).toBeGreaterThan(6);
    expect(versions).toEqual(versions.map((_, index) => index + 1));

    const { pages, items } = await walk(`/api/transactions/${id}/events?limit=3`);
    expect(items).toEqual(whole.json.items);
    expect(pages).toHaveLength(Math.ceil(versions.length / 3));
    expect(pages.at(-1)!.nextCursor).toBeNull();
    const single = await walk(`/api/transactions/${id}/events?limit=1&minPosition=${created.position}`);
    expect(single.items.map((event) => event.version)).toEqual(versions);

    // Past the end of a known stream: an empty last page. An unknown transaction: 404, cursor or not.
    const beyond = await call('GET', `/api/transactions/${id}/events?cursor=${cursorOf(['1000'])}`);
    expect(beyond.json).toEqual({ items: [], nextCursor: null });
    expect((await call('GET', `/api/transactions/${randomUUID()}/events?cursor=${cursorOf(['1'])}`)).status).toBe(404);
    await expectBadCursors(`/api/transactions/${id}/events?limit=3`);
    for (const version of ['0', '-1', '1.5', '99999999999999999999']) {
      expect((await call('GET', `/api/transactions/${id}/events?cursor=${cursorOf([version])}`)).status, version).toBe(400);
    }
    expect((await call('GET', `/api/transactions/${id}/events?limit=0`)).status).toBe(400);
    expect((await call('GET', `/api/transactions/${id}/events?limit=501`)).status).toBe(400);
  });

  it('checks minPosition on the admin reads, and waits on it for read-model status and settlement batches', async () => {
    const reads = ['/api/admin/clock', '/api/admin/failures', '/api/admin/projections', '/api/admin/settlement/batches'];
    for (const url of reads) {
      const bad = await call('GET', `${url}?minPosition=nonsense`, undefined, admin);
      expect(bad.status, url).toBe(400);
      expect(bad.json).toMatchObject({ code: 'validation_failed', errors: [{ path: 'query.minPosition' }] });
      expect((await call('GET', `${url}?minPosition=${await server.context.store.headPosition()}`, undefined, admin)).status, url).toBe(
        200,
      );
    }

    // An open transaction that holds an id, as a projection batch or a timer claim does: neither the
    // read models nor the log tail pass a write made after it began until it ends.
    const { release, ended: blocker } = await holdLogVisibility(server.context.store.database.db);
    const created = await initiate();
    const releasedAt = Date.now() + 300;
    setTimeout(release, 300);
    const [projections, batches] = await Promise.all(
      ['/api/admin/projections', '/api/admin/settlement/batches'].map(async (url) => ({
        ...(await call('GET', `${url}?minPosition=${created.position}`, undefined, admin)),
        answeredAt: Date.now(),
      })),
    );
    await blocker;
    for (const answer of [projections!, batches!]) {
      expect(answer.answeredAt).toBeGreaterThanOrEqual(releasedAt - 20);
      expect(answer.status).toBe(200);
      expect(answer.headers['tracktrove-read-behind']).toBeUndefined();
    }
    for (const projection of projections!.json.items as Json[]) expect(projection.position >= created.position, projection.name).toBe(true);
  });
});

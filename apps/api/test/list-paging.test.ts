import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '@tracktrove/testing';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

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
    const created = await call('POST', '/api/transactions', { vendorId: randomUUID(), amount: '12.50', channel: 'WEB', simulation: { webhook: { delayMs: 3_600_000 } }, ...overrides });
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
});

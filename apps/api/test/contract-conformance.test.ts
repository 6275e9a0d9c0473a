import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateWebhookSecret } from '@tracktrove/simulator';
import { testRedisUrl } from '@tracktrove/testing';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { holdLogVisibility, startTestServer, type TestServer } from './test-server.ts';
import { trackTroveDb } from '@tracktrove/application';

type Json = Record<string, any>;

/** Deviations from api.md found by the conformance audit, one case each; every request goes through the real server. */
describe('conformance to api.md', () => {
  let server: TestServer;
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await server.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    let json: Json = {};
    try {
      json = JSON.parse(response.body) as Json;
    } catch {
      json = {};
    }
    return { status: response.statusCode, headers: response.headers, json, text: response.body };
  };
  const admin = { authorization: 'Bearer admin-token' };
  const initiateBody = (overrides: Json = {}) => ({
    vendorId: randomUUID(),
    amount: '12.50',
    channel: 'WEB',
    simulation: { webhook: { delayMs: 3_600_000 } },
    ...overrides,
  });
  /** The secret the server made for its database (WEBHOOK_SECRET is unset). */
  const webhookSecret = () => loadOrCreateWebhookSecret(trackTroveDb(server.context.store.database));
  const initiate = async (overrides: Json = {}) => (await call('POST', '/api/transactions', initiateBody(overrides))).json;
  /** JSON text of an object nested `depth` levels deep (too deep for JSON.stringify when hostile). */
  const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { redisUrl: testRedisUrl() } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a payload nested thousands deep with 400 naming the field, on both initiate routes, appending nothing', async () => {
    const before = await server.context.store.headPosition();
    const deep = await call('POST', '/api/transactions', JSON.stringify(initiateBody()).replace(/}$/, `,"payload":${nestedJson(5_000)}}`));
    expect(deep.status).toBe(400);
    expect(deep.json.errors.map((error: Json) => error.path)).toContain('payload');
    const seed = await call('POST', '/api/transactions/initiate', {
      vendorId: randomUUID(),
      amount: 12.5,
      channel: 'WEB',
      initialPayloadJson: nestedJson(5_000),
    });
    expect(seed.status).toBe(400);
    expect(seed.json.errors.map((error: Json) => error.path)).toContain('initialPayloadJson');
    expect(await server.context.store.headPosition()).toBe(before);
    const usual = await call('POST', '/api/transactions', initiateBody({ payload: JSON.parse(nestedJson(60)) }));
    expect(usual.status).toBe(201);
    expect((await call('GET', `/api/transactions/${usual.json.id}/traces?minPosition=${usual.json.position}`)).status).toBe(200);
  });

  it("holds the seed route's initialPayloadJson to the 64 KiB of JSON that payload allows, counted in bytes", async () => {
    const before = await server.context.store.headPosition();
    const wide = JSON.stringify({ note: 'é'.repeat(40_000) });
    const seed = await call('POST', '/api/transactions/initiate', {
      vendorId: randomUUID(),
      amount: 12.5,
      channel: 'WEB',
      initialPayloadJson: wide,
    });
    expect(seed.status).toBe(400);
    expect(seed.json.errors.map((error: Json) => error.path)).toContain('initialPayloadJson');
    expect(
      (
        await call('POST', '/api/transactions/initiate', {
          vendorId: randomUUID(),
          amount: 12.5,
          channel: 'WEB',
          initialPayloadJson: '[1]',
        })
      ).status,
    ).toBe(400);
    expect(await server.context.store.headPosition()).toBe(before);
  });

  it('takes commands whose body is optional without a body, or with an empty one sent as application/json', async () => {
    const held = await initiate();
    const refunded = await server.app.inject({ method: 'POST', url: `/api/transactions/${held.id}/refund` });
    expect(refunded.statusCode).toBe(200);
    expect(refunded.json()).toMatchObject({ status: 'REFUNDED' });
    const completed = await initiate();
    await call('POST', `/api/transactions/${completed.id}/confirm`, '', { 'content-type': 'application/json' });
    const disputed = await call('PATCH', `/api/transactions/${completed.id}/open-dispute`, '', { 'content-type': 'application/json' });
    expect(disputed.status).toBe(200);
    expect(disputed.json.status).toBe('DISPUTE_OPEN');
    const settled = await server.app.inject({ method: 'POST', url: '/api/admin/settlement/run', headers: admin });
    expect(settled.statusCode).toBe(200);
    expect(Object.keys(settled.json())).toEqual(expect.arrayContaining(['batchIds', 'settledCount', 'totals']));
    // A body that is required is still required, named in errors[].path.
    const missing = await call('POST', `/api/transactions/${completed.id}/disputes/resolve`, '', { 'content-type': 'application/json' });
    expect(missing.status).toBe(400);
    expect(missing.json.errors[0].path).toBe('body');
    // JSON null is a body, and not the object these commands take: nothing is refunded.
    const stillHeld = await initiate();
    const nullBody = await call('POST', `/api/transactions/${stillHeld.id}/refund`, 'null', { 'content-type': 'application/json' });
    expect(nullBody.status).toBe(400);
    expect((await call('GET', `/api/transactions/${stillHeld.id}`)).json.status).toBe('ESCROW');
  });

  it('takes client ids in any 8-4-4-4-12 hex form, RFC version bits or not', async () => {
    const vendorId = '11111111-1111-1111-1111-111111111111';
    const created = await call('POST', '/api/transactions', initiateBody({ vendorId, payerId: '00000000-0000-0000-0000-000000000000' }));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ vendorId, payerId: '00000000-0000-0000-0000-000000000000' });
    const listed = await call('GET', `/api/transactions?vendorId=${vendorId}&minPosition=${created.json.position}`);
    expect(listed.json.items.map((item: Json) => item.id)).toContain(created.json.id);
    expect((await call('POST', '/api/transactions', initiateBody({ vendorId: '11111111-1111-1111-1111-11111111111g' }))).status).toBe(400);
  });

  it('reads UUIDs in any letter case, as RFC 9562 does: ids, filters, bodies and webhooks find the same transaction', async () => {
    const vendorId = randomUUID();
    const created = (await call('POST', '/api/transactions', initiateBody({ vendorId: vendorId.toUpperCase() }))).json;
    expect(created.vendorId).toBe(vendorId);
    const upper = (created.id as string).toUpperCase();
    const read = await call('GET', `/api/transactions/${upper}?minPosition=${created.position}`);
    expect(read.status).toBe(200);
    expect(read.json.id).toBe(created.id);
    expect((await call('GET', `/api/transactions/${upper}/events`)).json.items).toHaveLength(2);
    expect((await call('GET', `/api/transactions?vendorId=${vendorId.toUpperCase()}`)).json.items.map((item: Json) => item.id)).toEqual([
      created.id,
    ]);
    const body = JSON.stringify({ id: randomUUID(), type: 'payment.confirmed', transactionId: upper, createdAt: new Date().toISOString() });
    const t = Math.floor(Date.now() / 1000);
    const signature = `t=${t},v1=${createHmac('sha256', await webhookSecret())
      .update(`${t}.${body}`)
      .digest('hex')}`;
    const delivered = await call('POST', '/api/webhooks/gateway', body, { 'tracktrove-signature': signature });
    expect(delivered.status).toBe(200);
    const refunded = await call('POST', `/api/transactions/${upper}/refund`, { reason: 'upper case id' });
    expect(refunded.status).toBe(200);
    expect(refunded.json).toMatchObject({ id: created.id, version: 4 });
  });

  it('honours Idempotency-Key on confirm: a replay is marked, the key on another transaction is a 422 that confirms nothing', async () => {
    const first = await initiate();
    const other = await initiate();
    const key = randomUUID();
    const confirmed = await call('POST', `/api/transactions/${first.id}/confirm`, undefined, { 'idempotency-key': key });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.status).toBe('COMPLETED');
    expect(confirmed.headers['idempotent-replayed']).toBeUndefined();
    const again = await call('POST', `/api/transactions/${first.id}/confirm`, undefined, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.etag).toBe(confirmed.headers.etag);
    expect(again.json).toMatchObject({
      id: first.id,
      status: 'COMPLETED',
      version: confirmed.json.version,
      position: confirmed.json.position,
    });
    const reused = await call('POST', `/api/transactions/${other.id}/confirm`, undefined, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(reused.json.code).toBe('idempotency_key_reused');
    expect((await call('GET', `/api/transactions/${other.id}/events`)).json.items).toHaveLength(2);
  });

  it('waits on minPosition for reads of the log too: /api/events sees a write that an older open transaction still hides', async () => {
    const from = await server.context.store.headPosition();
    // An open transaction that holds an id, as a projection batch or a timer claim does: readers of
    // the log see no event written after it began until it ends.
    const { release, ended: blocker } = await holdLogVisibility(server.context.store.database.db);
    const created = await initiate();
    const reading = call('GET', `/api/events?from=${from}&limit=500&minPosition=${created.position}`);
    const deliveries = call('GET', `/api/webhooks/deliveries?transactionId=${created.id}&minPosition=${created.position}`);
    setTimeout(release, 300);
    const events = await reading;
    await blocker;
    expect(events.status).toBe(200);
    expect(events.json.items.map((event: Json) => event.position)).toContain(created.position);
    expect((await deliveries).json.items).toHaveLength(1);
    expect((await call('GET', '/api/webhooks/deliveries?minPosition=nonsense')).status).toBe(400);
  });

  it('refuses text PostgreSQL cannot store (NUL, unpaired surrogates) with 400 naming the field, appending nothing', async () => {
    const held = await initiate();
    const after = await server.context.store.headPosition();
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/api/transactions', JSON.stringify(initiateBody({ serviceContext: 'checkout\u0000' })), 'serviceContext'],
      ['POST', '/api/transactions', JSON.stringify(initiateBody({ payload: { note: 'a\u0000b' } })), 'payload.note'],
      ['POST', '/api/transactions', JSON.stringify(initiateBody({ payload: { 'k\u0000': 1 } })), 'payload.k\u0000'],
      ['POST', '/api/transactions', JSON.stringify(initiateBody()).replace(/}$/, ',"payload":{"note":"\\ud800"}}'), 'payload.note'],
      ['POST', `/api/transactions/${held.id}/refund`, JSON.stringify({ reason: 'x\u0000' }), 'reason'],
    ];
    for (const [method, url, body, path] of cases) {
      const response = await call(method, url, body);
      expect(response.status, `${url} ${body.slice(-60)}`).toBe(400);
      expect(response.json.errors[0].path).toBe(path);
    }
    const query = await call('GET', '/api/events?streamId=txn-%00');
    expect(query.status).toBe(400);
    expect(query.json.errors[0].path).toBe('query.streamId');
    expect(await server.context.store.headPosition()).toBe(after);
  });

  it('refuses prototype keys (__proto__, constructor.prototype) with 400 naming them, in bodies, the seed payload and queries', async () => {
    const after = await server.context.store.headPosition();
    const cases: Array<[string, string, string]> = [
      ['/api/transactions', JSON.stringify(initiateBody()).replace(/}$/, ',"__proto__":{"admin":true}}'), '__proto__'],
      ['/api/transactions', JSON.stringify(initiateBody()).replace(/}$/, ',"payload":{"deep":{"__proto__":1}}}'), 'payload.deep.__proto__'],
      [
        '/api/transactions',
        JSON.stringify(initiateBody()).replace(/}$/, ',"payload":{"constructor":{"prototype":{"x":1}}}}'),
        'payload.constructor',
      ],
      [
        '/api/transactions/initiate',
        JSON.stringify({ vendorId: randomUUID(), amount: 10, channel: 'WEB', initialPayloadJson: '{"__proto__":{"x":1}}' }),
        'initialPayloadJson.__proto__',
      ],
    ];
    for (const [url, body, path] of cases) {
      const response = await call('POST', url, body);
      expect(response.status, `${url} ${body.slice(-60)}`).toBe(400);
      expect(response.json).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
    }
    // A key merely named constructor is ordinary data.
    const ordinary = await call('POST', '/api/transactions', initiateBody({ payload: { constructor: 'Acme' } }));
    expect(ordinary.status).toBe(201);
    const query = await call('GET', '/api/transactions?__proto__=1');
    expect(query.status).toBe(400);
    expect(query.json.errors[0].path).toBe('query.__proto__');
    // The only transaction that came into being is the ordinary one.
    const initiated = (await call('GET', `/api/events?from=${after}&types=TransactionInitiated&minPosition=${ordinary.json.position}`)).json
      .items;
    expect(initiated.map((event: Json) => event.streamId)).toEqual([`txn-${ordinary.json.id}`]);
  });

  it('refuses a position beyond what the log can hold with 400, wherever a position is taken', async () => {
    const beyond = 'ffffffffffffffff-ffffffffffffffff';
    for (const url of [
      `/api/events?from=${beyond}`,
      `/api/ledger/balances?asOf=${beyond}`,
      `/api/transactions?minPosition=${beyond}`,
      `/api/events?minPosition=${beyond}`,
      `/api/stream?from=${beyond}`,
    ]) {
      const response = await call('GET', url);
      expect(response.status, url).toBe(400);
      expect(response.json.code).toBe('validation_failed');
    }
    const last = await call('GET', '/api/events?from=7fffffffffffffff-7fffffffffffffff');
    expect(last.json).toEqual({ items: [], nextFrom: null });
  });

  it('answers URLs the router refuses (a broken percent-encoding, an over-long segment) with 400 problem+json', async () => {
    for (const url of [
      '/api/transactions/%E0%A4%A',
      `/api/transactions/${'a'.repeat(300)}`,
      `/api/transactions/${'a'.repeat(300)}/status`,
    ]) {
      const response = await call('GET', url);
      expect(response.status, url).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json).toMatchObject({ code: 'validation_failed', status: 400, errors: [{ path: 'url' }] });
    }
  });

  it("answers 404 for the seed's ledger route of an unknown transaction, and [] for one that moved no money", async () => {
    const unknown = await call('GET', `/api/ledger/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('not_found');
    const declined = (await call('POST', '/api/transactions', initiateBody({ simulation: { successRate: 0 } }))).json;
    const entries = await call('GET', `/api/ledger/${declined.id}?minPosition=${declined.position}`);
    expect(entries.status).toBe(200);
    expect(entries.json).toEqual([]);
  });

  it('refuses a correctly signed webhook whose id is not visible ASCII with 400, changing nothing', async () => {
    const held = await initiate();
    const body = JSON.stringify({
      id: 'evt_\u0000',
      type: 'payment.confirmed',
      transactionId: held.id,
      createdAt: new Date().toISOString(),
    });
    const t = Math.floor(Date.now() / 1000);
    const signature = `t=${t},v1=${createHmac('sha256', await webhookSecret())
      .update(`${t}.${body}`)
      .digest('hex')}`;
    const refused = await call('POST', '/api/webhooks/gateway', body, { 'tracktrove-signature': signature });
    expect(refused.status).toBe(400);
    expect(refused.json.errors[0].path).toBe('body.id');
    expect((await call('GET', `/api/transactions/${held.id}/status`)).text).toBe('ESCROW');
    // A signed body that is no object at all is named as the body itself.
    const array = '[1]';
    const arraySignature = `t=${t},v1=${createHmac('sha256', await webhookSecret())
      .update(`${t}.${array}`)
      .digest('hex')}`;
    const notObject = await call('POST', '/api/webhooks/gateway', array, { 'tracktrove-signature': arraySignature });
    expect(notObject.status).toBe(400);
    expect(notObject.json.errors[0].path).toBe('body');
  });
});

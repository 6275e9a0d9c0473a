import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionStatuses } from '@tracktrove/domain';
import { ConfigError, loadConfig } from '@tracktrove/config';
import { seedListMaxItems } from '../src/seed-compat/seed-routes.ts';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/**
 * The seed frontend's requests (shared seed-clients.md, R1 to R6), replayed with its exact headers
 * and bodies against the documented start: the seed-compatible listener (SEED_COMPAT_PORT) with
 * amounts up to 10,000.00, its page's origin in CORS_ORIGINS.
 */
const seedOrigin = 'http://localhost:5173';
type Json = Record<string, any>;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

describe('the seed-compatible listener, as the original frontend calls it', () => {
  let server: TestServer;
  let seedUrl = '';

  async function call(
    base: string,
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Answer> {
    const response = await fetch(`${base}${path}`, { method, headers: { origin: seedOrigin, ...init.headers }, body: init.body });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    // What the frontend needs on every answer, errors included: its origin granted, and a JSON
    // error body with a message (it shows `message` in its banner).
    expect(response.headers.get('access-control-allow-origin'), `${method} ${path}`).toBe(seedOrigin);
    expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(500);
    if (response.status >= 400) {
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(json).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    return { status: response.status, headers: response.headers, text, json };
  }
  const seed = (method: string, path: string, init?: { headers?: Record<string, string>; body?: string }) =>
    call(seedUrl, method, path, init);
  const json = { 'Content-Type': 'application/json' };

  /** R3's body exactly as seed-clients.md gives it (the form's defaults). */
  const formBody = (vendorId = '0b7f3a52-6c1e-4d2a-9f0e-2a1c5e7d9b31') =>
    `{"vendorId":"${vendorId}","amount":405.75,"currency":"USD","channel":"VISA","simulatedSuccessRate":0.95,"initialPayloadJson":"{\\"item\\":\\"Bag\\",\\"price\\":4450.75,\\"quantity\\":1}"}`;

  /** The first event of a transaction, as recorded. */
  async function initiated(id: string): Promise<Json> {
    const events = await server.context.store.readStream(`txn-${id}`, { maxCount: 1 });
    return events[0]!.data as Json;
  }

  async function statusOf(id: string): Promise<string> {
    return (await seed('GET', `/api/transactions/${id}/status`)).text;
  }

  /** Every field the frontend reads of a transaction, with the type it expects. */
  function expectSeedTransaction(item: Json) {
    expect(item).toMatchObject({
      id: expect.any(String),
      vendorId: expect.any(String),
      amount: expect.any(Number),
      currency: expect.any(String),
      channel: expect.any(String),
      currentStatus: expect.any(String),
      status: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(transactionStatuses).toContain(item.currentStatus);
    expect(Number.isNaN(new Date(item.createdAt).getTime())).toBe(false);
  }

  beforeAll(async () => {
    server = await startTestServer({
      modules: [trackTroveModule()],
      config: { seedCompatPort: 0, corsOrigins: [seedOrigin], amountLimits: { minMinor: 100, maxMinor: 1_000_000 } },
    });
    seedUrl = server.seedCompat!.url!.replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
  });

  it('R3: initiates with the form defaults (channel VISA, rate 0.95): 201 and an id; VISA is mapped to API, kept in the recorded payload and shown back', async () => {
    const preflight = await fetch(`${seedUrl}/api/transactions/initiate`, {
      method: 'OPTIONS',
      headers: { origin: seedOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(seedOrigin);
    const created = await seed('POST', '/api/transactions/initiate', { headers: json, body: formBody() });
    expect(created.status).toBe(201);
    expectSeedTransaction(created.json);
    expect(created.json).toMatchObject({ amount: 405.75, currency: 'USD', channel: 'VISA', trackTroveChannel: 'API' });
    const data = await initiated(created.json.id);
    expect(data).toMatchObject({
      channel: 'API',
      amountMinor: 40575,
      currency: 'USD',
      payload: { item: 'Bag', price: 4450.75, quantity: 1, seedRequest: { channel: 'VISA' } },
    });
    expect(data.simulation.successRate).toBe(0.95);
    expect(data.payload.seedRequest).not.toHaveProperty('simulatedSuccessRate');
  });

  it('R4: initiates what the simulation panel sends (each channel and currency, amounts 10.00 to 1010.00, rate 0 to 100)', async () => {
    const channels = ['VISA', 'MASTERCARD', 'AMEX', 'PAYPAL'];
    const currencies = ['USD', 'EUR', 'GBP'];
    const cases = channels.flatMap((channel, index) => [
      { channel, currency: currencies[index % 3]!, amount: 10, rate: 0 },
      { channel, currency: currencies[(index + 1) % 3]!, amount: 1010, rate: 99.99 },
      { channel, currency: currencies[(index + 2) % 3]!, amount: 517.38, rate: 57.3 },
    ]);
    for (const { channel, currency, amount, rate } of cases) {
      const payload = JSON.stringify({ item: 'Laptop', price: amount.toFixed(2), quantity: 2 });
      const created = await seed('POST', '/api/transactions/initiate', {
        headers: json,
        body: JSON.stringify({
          vendorId: randomUUID(),
          amount,
          currency,
          channel,
          simulatedSuccessRate: rate,
          initialPayloadJson: payload,
        }),
      });
      expect(created.status, `${channel} ${currency} ${amount} ${rate}`).toBe(201);
      expect(created.json.id).toEqual(expect.any(String));
      const data = await initiated(created.json.id);
      expect(data.amountMinor).toBe(Math.round(amount * 100));
      expect(data.simulation.successRate).toBeCloseTo(rate > 1 ? rate / 100 : rate, 10);
      expect(data.payload.seedRequest).toEqual(rate > 1 ? { channel, simulatedSuccessRate: rate } : { channel });
      // The seed's channel is what its list and channel chart show; a TrackTrove channel is itself.
      expect((await seed('GET', `/api/transactions/${created.json.id}`)).json).toMatchObject({ channel, trackTroveChannel: 'API' });
    }
    const web = await seed('POST', '/api/transactions/initiate', {
      headers: json,
      body: JSON.stringify({
        vendorId: randomUUID(),
        amount: 10,
        currency: 'USD',
        channel: 'mobile',
        simulatedSuccessRate: 1,
        initialPayloadJson: '{}',
      }),
    });
    expect(web.json).toMatchObject({ channel: 'mobile', trackTroveChannel: 'MOBILE' });
    expect((await initiated(web.json.id)).payload).toEqual({ seedRequest: { channel: 'mobile' } });
    const listed = await seed('GET', '/api/transactions', { headers: json });
    expect(new Set(listed.json.map((item: Json) => item.channel))).toEqual(new Set([...channels, 'mobile']));
  });

  it('R1: lists every transaction as a JSON array, with what the list, the filter and the analytics read', async () => {
    const preflight = await fetch(`${seedUrl}/api/transactions`, {
      method: 'OPTIONS',
      headers: { origin: seedOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    const list = await seed('GET', '/api/transactions', { headers: json });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.json)).toBe(true);
    expect(list.json.length).toBeGreaterThanOrEqual(13);
    for (const item of list.json) expectSeedTransaction(item);
    // Newest first, and what was just written is there (seed clients cannot ask for read-your-writes).
    const created = await seed('POST', '/api/transactions/initiate', { headers: json, body: formBody(randomUUID()) });
    const again = await seed('GET', '/api/transactions', { headers: json });
    expect(again.json[0].id).toBe(created.json.id);
    expect(again.json).toHaveLength(list.json.length + 1);
    expect(seedListMaxItems).toBeGreaterThanOrEqual(1_000);
  });

  it('R2: answers the status as bare text, without a preflight', async () => {
    const created = await seed('POST', '/api/transactions/initiate', { headers: json, body: formBody(randomUUID()) });
    const answer = await seed('GET', `/api/transactions/${created.json.id}/status`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(transactionStatuses).toContain(answer.text);
    const unknown = await seed('GET', `/api/transactions/${randomUUID()}/status`);
    expect(unknown.status).toBe(404);
  });

  it('R6: opens and resolves a dispute with PATCH and no body; a resolve out of turn is a 409 with a message', async () => {
    const preflight = await fetch(`${seedUrl}/api/transactions/${randomUUID()}/open-dispute`, {
      method: 'OPTIONS',
      headers: { origin: seedOrigin, 'access-control-request-method': 'PATCH' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    // 1.01 is always authorized; the gateway's confirmation follows a second later.
    const created = await seed('POST', '/api/transactions/initiate', {
      headers: json,
      body: JSON.stringify({
        vendorId: randomUUID(),
        amount: 1.01,
        currency: 'USD',
        channel: 'VISA',
        simulatedSuccessRate: 0.95,
        initialPayloadJson: '{}',
      }),
    });
    const id = created.json.id as string;
    await expect.poll(() => statusOf(id), { timeout: 15_000, interval: 200 }).toBe('COMPLETED');
    const early = await seed('PATCH', `/api/transactions/${id}/resolve-dispute`);
    expect(early.status).toBe(409);
    expect(early.json.message).toContain('DISPUTE_RESOLVED');
    const opened = await seed('PATCH', `/api/transactions/${id}/open-dispute`);
    expect(opened.status).toBe(200);
    expect(opened.json.currentStatus).toBe('DISPUTE_OPEN');
    const resolved = await seed('PATCH', `/api/transactions/${id}/resolve-dispute`);
    expect(resolved.status).toBe(200);
    expect(resolved.json.currentStatus).toBe('DISPUTE_RESOLVED');
    expect(await statusOf(id)).toBe('DISPUTE_RESOLVED');
    // WON: the money stays with the vendor, as the seed's resolve moved none.
    const events = await server.context.store.readStream(`txn-${id}`, { direction: 'backward', maxCount: 1 });
    expect(events[0]).toMatchObject({ type: 'DisputeResolved', data: { outcome: 'WON' } });
  });

  it('R5: inject-failure, a route the seed backend never had, is a 404 whose message says so', async () => {
    const answer = await seed('PATCH', `/api/transactions/${randomUUID()}/inject-failure`, {
      headers: json,
      body: '{"failureType":"WEBHOOK_FAIL"}',
    });
    expect(answer.status).toBe(404);
    expect(answer.json.message).toContain('inject-failure');
  });

  it('refuses bad input on the seed routes with problem+json naming the field, and appends nothing', async () => {
    const vendorId = randomUUID();
    const body = (overrides: Json) =>
      JSON.stringify({
        vendorId,
        amount: 405.75,
        currency: 'USD',
        channel: 'VISA',
        simulatedSuccessRate: 95,
        initialPayloadJson: '{}',
        ...overrides,
      });
    const cases: Array<[string, string, string | undefined, Record<string, string> | undefined, string, number]> = [
      ['POST', '/api/transactions/initiate', body({ vendorId: 'not-a-uuid' }), json, 'vendorId', 400],
      ['POST', '/api/transactions/initiate', body({ vendorId: undefined }), json, 'vendorId', 400],
      ['POST', '/api/transactions/initiate', body({ amount: 0.5 }), json, 'amount', 400],
      ['POST', '/api/transactions/initiate', body({ amount: 10_000.01 }), json, 'amount', 400],
      ['POST', '/api/transactions/initiate', body({ amount: 'lots' }), json, 'amount', 400],
      ['POST', '/api/transactions/initiate', body({ amount: 1.001 }), json, 'amount', 400],
      ['POST', '/api/transactions/initiate', body({ currency: 'XYZ' }), json, 'currency', 400],
      ['POST', '/api/transactions/initiate', body({ channel: 'V'.repeat(41) }), json, 'channel', 400],
      ['POST', '/api/transactions/initiate', body({ channel: 7 }), json, 'channel', 400],
      ['POST', '/api/transactions/initiate', body({ simulatedSuccessRate: 100.5 }), json, 'simulatedSuccessRate', 400],
      ['POST', '/api/transactions/initiate', body({ simulatedSuccessRate: -1 }), json, 'simulatedSuccessRate', 400],
      ['POST', '/api/transactions/initiate', body({ simulatedSuccessRate: '95' }), json, 'simulatedSuccessRate', 400],
      ['POST', '/api/transactions/initiate', body({ initialPayloadJson: '{"item":' }), json, 'initialPayloadJson', 400],
      ['POST', '/api/transactions/initiate', body({ initialPayloadJson: '[1,2]' }), json, 'initialPayloadJson', 400],
      [
        'POST',
        '/api/transactions/initiate',
        body({ initialPayloadJson: '{"seedRequest":1}' }),
        json,
        'initialPayloadJson.seedRequest',
        400,
      ],
      ['POST', '/api/transactions/initiate', '{"vendorId":', json, 'body', 400],
      ['POST', '/api/transactions/initiate', 'null', json, 'body', 400],
      ['POST', '/api/transactions/initiate', '', json, 'body', 400],
      ['GET', '/api/transactions?status=SHIPPED', undefined, json, 'query.status', 400],
      ['GET', '/api/transactions/not-a-uuid/status', undefined, undefined, 'params.id', 400],
      ['PATCH', '/api/transactions/not-a-uuid/open-dispute', undefined, undefined, 'params.id', 400],
      ['PATCH', `/api/transactions/${randomUUID()}/resolve-dispute`, '{"outcome":"MAYBE"}', json, 'outcome', 400],
      ['PATCH', `/api/transactions/${randomUUID()}/open-dispute`, '{"reason":""}', json, 'reason', 400],
    ];
    const before = await server.context.store.headPosition();
    for (const [method, path, payload, headers, field, status] of cases) {
      const answer = await seed(method, path, { headers, body: payload });
      expect(answer.status, `${method} ${path} ${payload}`).toBe(status);
      expect(answer.json.code, `${method} ${path} ${payload}`).toBe('validation_failed');
      expect(
        answer.json.errors.map((error: { path: string }) => error.path),
        `${method} ${path} ${payload}`,
      ).toContain(field);
    }
    // Transactions of the tests above still move on (webhooks, retries); none of these requests added anything.
    const appended = await server.context.store.readAll({ after: before, maxCount: 10_000 });
    expect(appended.events.filter((event) => ['TransactionInitiated', 'DisputeOpened', 'DisputeResolved'].includes(event.type))).toEqual(
      [],
    );
  });

  it("keeps TrackTrove's own contract on its own port: pages, currentStatus added, message on problems", async () => {
    const page = await call(server.baseUrl, 'GET', '/api/transactions?limit=2');
    expect(page.json).toMatchObject({ items: expect.any(Array), nextCursor: expect.any(String) });
    for (const item of page.json.items) expect(item.currentStatus).toBe(item.status);
    expect(typeof page.json.items[0].amount).toBe('string');
    const strict = await call(server.baseUrl, 'POST', '/api/transactions/initiate', { headers: json, body: formBody() });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe(strict.json.detail);
    expect(strict.json.errors.map((error: { path: string }) => error.path)).toContain('channel');
    // Both additions are in the OpenAPI document.
    const openApi = (await call(server.baseUrl, 'GET', '/docs/json')).json;
    expect(openApi.components.schemas.Problem.required).toEqual(expect.arrayContaining(['code', 'detail', 'message']));
    const listSchema = openApi.paths['/api/transactions'].get.responses['200'].content['application/json'].schema;
    expect(listSchema.properties.items.items.required).toContain('currentStatus');
    expect((await call(server.baseUrl, 'GET', '/')).status).toBe(200);
    expect((await call(seedUrl, 'GET', '/')).status).toBe(404);
  });

  it('refuses SEED_COMPAT_PORT equal to PORT, saying what to start with', () => {
    expect(() => loadConfig({ PORT: '8080', SEED_COMPAT_PORT: '8080' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '8080', SEED_COMPAT_PORT: '8080' })).toThrow(/PORT=8081 SEED_COMPAT_PORT=8080/);
    expect(loadConfig({ PORT: '8081', SEED_COMPAT_PORT: '8080' }).seedCompatPort).toBe(8080);
    expect(loadConfig({}).seedCompatPort).toBeUndefined();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

type Json = Record<string, any>;

/** The webhook endpoints contract over HTTP: roles, validation naming the field, limits, OpenAPI. */
describe('the webhook endpoints API', () => {
  let server: TestServer;
  const admin = { authorization: 'Bearer admin-token' };
  const operator = { authorization: 'Bearer operator-token' };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = admin) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Json, contentType: response.headers.get('content-type') };
  };
  const url = 'http://127.0.0.1:9/hooks';

  beforeAll(async () => {
    server = await startTestServer({
      modules: [trackTroveModule()],
      config: {
        tokens: { admin: 'admin-token', operator: 'operator-token', viewer: undefined },
        webhookEndpoints: { allowedHosts: ['hooks.partner.test'], timeoutMs: 500 },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates (the secret shown once), lists, reads, changes, rotates and deletes', async () => {
    const created = await call('POST', '/api/webhook-endpoints', { url, description: 'mine', eventTypes: ['transaction.completed'] });
    expect(created.status).toBe(201);
    const { secret, ...endpoint } = created.json;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(endpoint).toMatchObject({
      url,
      description: 'mine',
      eventTypes: ['transaction.completed'],
      enabled: true,
      failures: { dropRate: 0, duplicateRate: 0, delayMs: 0, reorder: false, slowRate: 0 },
      secretHint: `…${secret.slice(-4)}`,
    });
    const listed = await call('GET', '/api/webhook-endpoints', undefined, operator);
    expect(listed.status).toBe(200);
    expect(listed.json.items).toContainEqual(endpoint);
    expect(JSON.stringify(listed.json)).not.toContain(secret);
    expect((await call('GET', `/api/webhook-endpoints/${endpoint.id}`, undefined, operator)).json).toEqual(endpoint);

    const patched = await call('PATCH', `/api/webhook-endpoints/${endpoint.id}`, { failures: { dropRate: 0.5 }, enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ enabled: false, failures: { dropRate: 0.5, duplicateRate: 0 } });

    const rotated = await call('POST', `/api/webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(secret);
    expect((await call('GET', `/api/webhook-endpoints/${endpoint.id}`)).json.secretHint).toBe(`…${rotated.json.secret.slice(-4)}`);

    const redelivered = await call('POST', `/api/webhook-endpoints/${endpoint.id}/redeliver-failed`, { since: '2020-01-01T00:00:00Z' });
    expect(redelivered).toMatchObject({ status: 200, json: { count: 0 } });

    expect((await call('DELETE', `/api/webhook-endpoints/${endpoint.id}`)).status).toBe(204);
    expect((await call('GET', `/api/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
    expect((await call('DELETE', `/api/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
  });

  it('operators read, admins change', async () => {
    expect((await call('POST', '/api/webhook-endpoints', { url }, operator)).status).toBe(403);
    expect((await call('POST', '/api/webhook-endpoints', { url }, {})).status).toBe(401);
    expect((await call('GET', '/api/webhook-endpoints', undefined, {})).status).toBe(401);
    expect((await call('POST', `/api/endpoint-deliveries/${randomUUID()}/redeliver`, undefined, operator)).status).toBe(403);
  });

  it('refuses bad input with problem+json naming the field, and changes nothing', async () => {
    const before = (await call('GET', '/api/webhook-endpoints')).json.items;
    const cases: [unknown, string][] = [
      [{}, 'url'],
      [{ url: 'https://example.com/hooks' }, 'url'],
      [{ url: 'ftp://localhost/x' }, 'url'],
      [{ url, eventTypes: ['transaction.teleported'] }, 'eventTypes.0'],
      [{ url, failures: { dropRate: 2 } }, 'failures.dropRate'],
      [{ url, failures: { delayMs: -1 } }, 'failures.delayMs'],
      [{ url, failures: { chaos: true } }, 'failures'],
      [{ url, description: 'x'.repeat(501) }, 'description'],
      [{ url, secret: 'mine' }, ''],
    ];
    for (const [body, path] of cases) {
      const answer = await call('POST', '/api/webhook-endpoints', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.contentType).toContain('application/problem+json');
      expect(answer.json.errors.map((error: { path: string }) => error.path).join(' '), JSON.stringify(body)).toContain(path);
    }
    expect((await call('GET', '/api/webhook-endpoints')).json.items).toEqual(before);
    expect((await call('PATCH', `/api/webhook-endpoints/${randomUUID()}`, { enabled: false })).status).toBe(404);
    expect((await call('PATCH', '/api/webhook-endpoints/not-a-uuid', { enabled: false })).status).toBe(400);
    const redeliver = await call('POST', `/api/webhook-endpoints/${randomUUID()}/redeliver-failed`, { since: 'yesterday' });
    expect(redeliver.status).toBe(400);
    expect(redeliver.json.errors[0].path).toContain('since');
    expect((await call('GET', '/api/endpoint-deliveries?status=lost')).status).toBe(400);
    expect((await call('GET', '/api/endpoint-deliveries?cursor=forged')).status).toBe(400);
    expect((await call('GET', `/api/endpoint-deliveries/${randomUUID()}`)).status).toBe(404);
    expect((await call('POST', `/api/endpoint-deliveries/${randomUUID()}/redeliver`)).status).toBe(404);
  });

  it('takes a host listed in WEBHOOK_ALLOWED_HOSTS', async () => {
    const created = await call('POST', '/api/webhook-endpoints', { url: 'https://hooks.partner.test/in' });
    expect(created.status).toBe(201);
    expect((await call('DELETE', `/api/webhook-endpoints/${created.json.id}`)).status).toBe(204);
  });

  it('keeps at most 100 endpoints (409 past them)', async () => {
    const existing = (await call('GET', '/api/webhook-endpoints')).json.items.length as number;
    for (let index = existing; index < 100; index += 1) expect((await call('POST', '/api/webhook-endpoints', { url })).status).toBe(201);
    const refused = await call('POST', '/api/webhook-endpoints', { url });
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain('at most 100');
    expect((await call('GET', '/api/webhook-endpoints')).json.items).toHaveLength(100);
  });

  it('the OpenAPI document has the routes and the delivery body', async () => {
    const document = (await call('GET', '/docs/json')).json;
    for (const path of [
      '/api/webhook-endpoints',
      '/api/webhook-endpoints/{id}',
      '/api/webhook-endpoints/{id}/rotate-secret',
      '/api/webhook-endpoints/{id}/redeliver-failed',
      '/api/endpoint-deliveries',
      '/api/endpoint-deliveries/{id}',
      '/api/endpoint-deliveries/{id}/redeliver',
    ])
      expect(document.paths, path).toHaveProperty([path]);
    expect(document.paths['/api/webhook-endpoints'].post.description).toContain('previousStatus');
  });
});

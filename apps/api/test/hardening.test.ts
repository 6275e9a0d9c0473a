import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const tokens = { admin: 'admin-secret', operator: 'operator-secret', viewer: 'viewer-secret' };
const body = () => ({ vendorId: randomUUID(), amount: '10.00', channel: 'WEB', simulation: { webhook: { delayMs: 3_600_000 } } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(server: TestServer, path: string, payload: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

describe('API hardening: roles, limits, CORS, feeds', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      modules: [trackTroveModule()],
      config: {
        tokens,
        bodyLimitBytes: 8 * 1024,
        streamMaxBufferedBytes: 64 * 1024,
        streamHeartbeatMs: 200,
        corsOrigins: ['http://localhost:5173'],
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 401 without or with an unknown token, 403 for a role too low, and accepts the right one', async () => {
    const anonymous = await post(server, '/api/transactions', body());
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect((await anonymous.json()).code).toBe('unauthorized');
    expect((await post(server, '/api/transactions', body(), { authorization: 'Bearer nope' })).status).toBe(401);
    const viewer = await post(server, '/api/transactions', body(), { authorization: `Bearer ${tokens.viewer}` });
    expect(viewer.status).toBe(403);
    expect((await viewer.json()).code).toBe('forbidden');
    expect((await post(server, '/api/transactions', body(), { authorization: `Bearer ${tokens.operator}` })).status).toBe(201);
    expect((await fetch(`${server.baseUrl}/api/transactions`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/api/transactions`, { headers: { authorization: `Bearer ${tokens.viewer}` } })).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/api/admin/clock`, { headers: { authorization: `Bearer ${tokens.operator}` } })).status).toBe(
      403,
    );
    expect((await fetch(`${server.baseUrl}/api/admin/clock`, { headers: { authorization: `Bearer ${tokens.admin}` } })).status).toBe(200);
  });

  it('refuses a body over the limit with 413 and a non-JSON body with 415, changing nothing', async () => {
    const before = await server.context.store.headPosition();
    const auth = { authorization: `Bearer ${tokens.operator}` };
    const large = await post(server, '/api/transactions', { ...body(), payload: { blob: 'x'.repeat(10_000) } }, auth);
    expect(large.status).toBe(413);
    expect((await large.json()).code).toBe('payload_too_large');
    const text = await fetch(`${server.baseUrl}/api/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...auth },
      body: '<hello/>',
    });
    expect(text.status).toBe(415);
    expect(await server.context.store.headPosition()).toBe(before);
  });

  it('answers CORS preflights for the configured origin only', async () => {
    const allowed = await fetch(`${server.baseUrl}/api/transactions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const other = await fetch(`${server.baseUrl}/api/transactions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('streams heartbeats, takes the token in the query, and closes a client too slow to keep up with 4008', async () => {
    expect((await fetch(`${server.baseUrl}/api/stream`)).status).toBe(401);
    const socket = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/api/stream?from=end&token=${tokens.viewer}`);
    const kinds: string[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (raw) => kinds.push((JSON.parse(raw.toString()) as { kind: string }).kind));
    await new Promise((resolve) => socket.once('open', resolve));
    await sleep(500);
    expect(kinds).toContain('caught-up');
    expect(kinds).toContain('heartbeat');
    // Stop reading: the server's socket buffer fills while events keep coming.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // More than the kernel's socket buffers can take on either side (they grow to a few MB, more
    // or less with the machine's load): 15 MB of events, so the server's own buffer overflows.
    const filler = 'x'.repeat(2_000);
    for (let batch = 0; batch < 150; batch += 1) {
      await server.context.store.appendToStreams(
        Array.from({ length: 50 }, () => ({ streamId: `load-${randomUUID()}`, events: [{ type: 'Filler', data: { filler } }] })),
      );
    }
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(4008);
  });

  it('sends the seed feed on /ws: a message in words per state change', async () => {
    const socket = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/ws?token=${tokens.viewer}`);
    const messages: string[] = [];
    socket.on('message', (raw) => messages.push((JSON.parse(raw.toString()) as { message: string }).message));
    await new Promise((resolve) => socket.once('open', resolve));
    await sleep(100);
    const created = await (await post(server, '/api/transactions', body(), { authorization: `Bearer ${tokens.operator}` })).json();
    const deadline = Date.now() + 5_000;
    while (messages.length < 2 && Date.now() < deadline) await sleep(20);
    expect(messages).toContain(`Transaction ${created.id} is INITIATED (TransactionInitiated by api)`);
    expect(messages).toContain(`Transaction ${created.id} moved INITIATED -> ESCROW (EscrowHoldPlaced by gateway)`);
    socket.close();
  });

  it('exposes request latency, events, projection lag, pending holds and WebSocket clients on /metrics', async () => {
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    for (const name of [
      'tracktrove_http_request_duration_seconds_bucket',
      'tracktrove_events_appended_total',
      'tracktrove_projection_lag_events{projection="ledger"}',
      'tracktrove_pending_escrow_holds',
      'tracktrove_websocket_clients',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});

describe('rate limits on command routes, and the bound on stream clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { rateLimitPerMinute: 5, maxStreamClients: 1 } });
  });

  it('refuses a stream client past the per-process bound with 503 before upgrading', async () => {
    const first = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/api/stream?from=end`);
    await new Promise((resolve) => first.once('open', resolve));
    const second = await fetch(`${server.baseUrl}/api/stream?from=end`);
    expect(second.status).toBe(503);
    expect((await second.json()).code).toBe('unavailable');
    first.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 429 problem+json with Retry-After past the limit, while reads go on', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let n = 0; n < 7; n += 1) {
      const response = await post(server, '/api/transactions', body());
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(limited!.headers.get('retry-after')).not.toBeNull();
    expect((await limited!.json()).code).toBe('rate_limited');
    expect((await fetch(`${server.baseUrl}/api/transactions`)).status).toBe(200);
  });
});

describe('tokens in URLs', () => {
  it('are taken from a WebSocket handshake only, and never written to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const server = await startTestServer({ config: { tokens }, logger: pino({ level: 'info' }, sink) });
    try {
      // Plain HTTP: a token in the query is not a credential (it would sit in proxies' logs).
      expect((await fetch(`${server.baseUrl}/api/events?token=${tokens.viewer}`)).status).toBe(401);
      expect((await fetch(`${server.baseUrl}/api/events`, { headers: { authorization: `Bearer ${tokens.viewer}` } })).status).toBe(200);
      const socket = new WebSocket(`${server.baseUrl.replace('http', 'ws')}/api/stream?from=end&token=${tokens.viewer}`);
      const caughtUp = new Promise<void>((resolve, reject) => {
        socket.on('message', (raw) => {
          if ((JSON.parse(raw.toString()) as { kind: string }).kind === 'caught-up') resolve();
        });
        socket.once('error', reject);
      });
      await caughtUp;
      socket.close();
      const logged = lines.join('');
      expect(logged).toContain('token=[redacted]');
      expect(logged).not.toContain(tokens.viewer);
    } finally {
      await server.close();
    }
  });
});

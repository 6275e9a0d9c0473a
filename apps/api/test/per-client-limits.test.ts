import { get } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const wsUrl = (server: TestServer, path: string) => `${server.baseUrl.replace('http', 'ws')}${path}`;

/** Opens a WebSocket; answers it once open, or the HTTP status that refused the upgrade. */
function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<{ socket?: WebSocket; status?: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    socket.once('error', reject);
  });
}

/** The status of a GET sent from a given local address (another loopback address is another client). */
function statusFrom(localAddress: string, url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { localAddress }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    }).once('error', reject);
  });
}

async function closeAll(sockets: Array<WebSocket | undefined>) {
  await Promise.all(
    sockets.map(
      (socket) =>
        socket &&
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close();
        }),
    ),
  );
}

describe('stream clients per address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { maxStreamClientsPerAddress: 3, maxStreamClients: 10 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses an address its fourth connection on either feed with 429, while other addresses still get in', async () => {
    const opened = await Promise.all([
      connect(wsUrl(server, '/api/stream?from=end')),
      connect(wsUrl(server, '/ws')),
      connect(wsUrl(server, '/api/stream?from=end')),
    ]);
    expect(opened.map((result) => result.status)).toEqual([undefined, undefined, undefined]);
    for (const path of ['/api/stream?from=end', '/ws']) {
      const refused = await connect(wsUrl(server, path));
      expect(refused.status, path).toBe(429);
      expect(JSON.parse(refused.body!).code).toBe('rate_limited');
    }
    // Another loopback address is another client.
    const other = await connect(wsUrl(server, '/api/stream?from=end'), { localAddress: '127.0.0.2' });
    expect(other.status).toBeUndefined();
    await closeAll([other.socket]);
    // A place is free again once a connection closes.
    await closeAll([opened[0]!.socket]);
    let again = await connect(wsUrl(server, '/api/stream?from=end'));
    for (let attempt = 0; again.status === 429 && attempt < 40; attempt += 1) {
      await sleep(25);
      again = await connect(wsUrl(server, '/api/stream?from=end'));
    }
    expect(again.status).toBeUndefined();
    await closeAll([again.socket, opened[1]!.socket, opened[2]!.socket]);
  });
});

describe('WebSocket upgrades per address', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { streamUpgradesPerMinute: 3 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('are limited per minute on each stream route', async () => {
    for (let n = 0; n < 3; n += 1) {
      const opened = await connect(wsUrl(server, '/api/stream?from=end'));
      expect(opened.status).toBeUndefined();
      await closeAll([opened.socket]);
    }
    const limited = await connect(wsUrl(server, '/api/stream?from=end'));
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body!).detail).toMatch(/^rate limit of 3 requests per minute on this route exceeded; try again in \d+ s$/);
  });
});

describe('a limit on every request of an address, looser for reads', () => {
  let server: TestServer;
  // RATE_LIMIT_PER_MINUTE 4: 20 reads and 8 other requests a minute per address.
  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { rateLimitPerMinute: 4 } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts requests no route takes, webhooks and anonymous ones, before routing, tokens and bodies', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 6; n += 1)
      statuses.push(
        (await fetch(`${server.baseUrl}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[' })).status,
      );
    for (let n = 0; n < 2; n += 1)
      statuses.push(
        (
          await fetch(`${server.baseUrl}/api/admin/clock/advance`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      );
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 401, 401]);
    const limited = await fetch(`${server.baseUrl}/api/webhooks/gateway`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(limited.status).toBe(429);
    const retryAfterS = Number(limited.headers.get('retry-after'));
    expect(retryAfterS).toBeGreaterThan(0);
    expect(retryAfterS).toBeLessThanOrEqual(60);
    const problem = await limited.json();
    expect(problem.code).toBe('rate_limited');
    expect(problem.detail).toBe(
      `rate limit of 8 requests per minute for changes from this address exceeded; try again in ${retryAfterS} s`,
    );
    // Reads have their own, looser count.
    const reads: number[] = [];
    for (let n = 0; n < 21; n += 1) reads.push((await fetch(`${server.baseUrl}/health`)).status);
    expect(reads.slice(0, 20).every((status) => status === 200)).toBe(true);
    expect(reads[20]).toBe(429);
    expect((await fetch(`${server.baseUrl}/nowhere`)).status).toBe(429);
    // What the process sends itself (the simulated gateway's webhooks) is not counted.
    expect((await server.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    // Another address has its own count.
    expect(await statusFrom('127.0.0.2', `${server.baseUrl}/health`)).toBe(200);
  });
});

describe('tokens in WebSocket URLs, however spelled', () => {
  it('are accepted as the query parser decodes them, and never logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const viewer = 'viewer-token-in-a-url-0123456789';
    const server = await startTestServer({
      config: { tokens: { admin: 'admin-token', operator: undefined, viewer } },
      logger: pino({ level: 'info' }, sink),
    });
    try {
      for (const name of ['%74oken', 'to%6Ben', '%54OKEN', 'token']) {
        const url = wsUrl(server, `/api/stream?from=end&${name}=${viewer}`);
        const result = await connect(url);
        if (name === '%54OKEN') expect(result.status, name).toBe(401);
        else expect(result.status, name).toBeUndefined();
        await closeAll([result.socket]);
      }
      const logged = lines.join('');
      expect(logged).toContain('%74oken=[redacted]');
      expect(logged).toContain('to%6Ben=[redacted]');
      expect(logged).toContain('%54OKEN=[redacted]');
      expect(logged).not.toContain(viewer);
    } finally {
      await server.close();
    }
  });
});

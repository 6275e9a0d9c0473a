import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptLimits, buildDeliveryRequest, sendAttempt, verifyWebhookSignature } from '../src/index.ts';

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** Milliseconds between the request's headers and the end of its body. */
  readonly bodyAfterMs: number;
}

/** A receiver scripted per path: 200, 500, a slow answer, a dropped connection, a redirect, a large body. */
let server: Server;
let base: string;
const received: Received[] = [];
const routes: Record<string, (response: ServerResponse) => void> = {
  '/ok': (response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'),
  '/error': (response) => response.writeHead(500).end('boom'),
  '/slow': (response) => void setTimeout(() => response.writeHead(200).end('late'), 1500),
  '/drop': (response) => response.socket?.destroy(),
  '/redirect': (response) => response.writeHead(302, { location: '/ok' }).end(),
  '/large': (response) => response.writeHead(200).end('x'.repeat(100_000)),
  '/utf8': (response) => response.writeHead(200).end('é'.repeat(10)),
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        bodyAfterMs: performance.now() - startedAt,
      });
      (routes[path] ?? ((res: ServerResponse) => res.writeHead(404).end()))(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, extra: Partial<Parameters<typeof sendAttempt>[0]> = {}) =>
  sendAttempt({ url: `${base}${path}`, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}', ...extra });

describe('sendAttempt', () => {
  it('posts the body and headers, and reports a 2xx as delivered with the answer and latency', async () => {
    const secret = 'whsec_test';
    const request = buildDeliveryRequest({
      secret,
      body: '{"id":"evt_1"}',
      deliveryId: 'dlv_1',
      eventId: 'evt_1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      unixSeconds: Math.floor(Date.now() / 1000),
    });
    const result = await sendAttempt({ url: `${base}/ok`, ...request });
    expect(result).toMatchObject({ status: 200, responseBody: 'thanks', error: null, delivered: true });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const seen = received.at(-1)!;
    expect(seen.body).toBe('{"id":"evt_1"}');
    expect(seen.headers['user-agent']).toBe('TrackTrove-Webhooks/1');
    expect(seen.headers['tracktrove-delivery-id']).toBe('dlv_1');
    expect(seen.headers['tracktrove-event-id']).toBe('evt_1');
    expect(seen.headers.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const header = seen.headers['tracktrove-signature'] as string;
    expect(() => verifyWebhookSignature(secret, seen.body, header, Math.floor(Date.now() / 1000))).not.toThrow();
    expect(() => verifyWebhookSignature('whsec_other', seen.body, header, Math.floor(Date.now() / 1000))).toThrow(/does not match/);
  });

  it('reports a 500 with its body as not delivered', async () => {
    expect(await post('/error')).toMatchObject({ status: 500, responseBody: 'boom', error: null, delivered: false });
  });

  it('does not follow a redirect', async () => {
    const before = received.length;
    expect(await post('/redirect')).toMatchObject({ status: 302, delivered: false });
    expect(received.slice(before).map((entry) => entry.path)).toEqual(['/redirect']);
  });

  it('gives up at the timeout', async () => {
    const result = await post('/slow', { timeoutMs: 300 });
    expect(result).toMatchObject({ status: null, delivered: false, error: 'timed out after 300 ms' });
    expect(result.latencyMs).toBeLessThan(1400);
  });

  it('clamps the timeout to its bounds', async () => {
    expect((await post('/slow', { timeoutMs: 1 })).error).toBe(`timed out after ${attemptLimits.minTimeoutMs} ms`);
  });

  it('reports a dropped connection and a refused one as errors', async () => {
    expect(await post('/drop')).toMatchObject({ status: null, delivered: false, error: 'the connection was closed before an answer' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await sendAttempt({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' });
    expect(refused).toMatchObject({ status: null, delivered: false, error: 'connection refused' });
  });

  it('keeps only the first 4 KiB of the answer', async () => {
    const result = await post('/large');
    expect(result.status).toBe(200);
    expect(result.responseBody).toBe('x'.repeat(attemptLimits.maxResponseBytes));
  });

  it('sends a slow delivery body after the pause', async () => {
    await post('/ok', { slowMs: 400 });
    expect(received.at(-1)!.bodyAfterMs).toBeGreaterThanOrEqual(350);
    await post('/ok');
    expect(received.at(-1)!.bodyAfterMs).toBeLessThan(350);
  });

  it('refuses a URL that is not http or https without sending', async () => {
    expect(await sendAttempt({ url: 'ftp://127.0.0.1/', headers: {}, body: '{}' })).toMatchObject({
      error: 'the URL must be http or https',
    });
  });
});

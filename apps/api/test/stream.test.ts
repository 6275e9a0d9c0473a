import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

interface Collected {
  events: Array<{ position: string; eventId?: string; streamId: string; version: number }>;
  caughtUpAt: number | null;
  socket: WebSocket;
  closed: Promise<number>;
}

function connect(baseUrl: string, query: string): Promise<Collected> {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/stream?${query}`);
  const collected: Collected = {
    events: [],
    caughtUpAt: null,
    socket,
    closed: new Promise((resolve) => socket.on('close', (code) => resolve(code))),
  };
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as { kind: string; event?: Collected['events'][number] };
    if (message.kind === 'event') collected.events.push(message.event!);
    if (message.kind === 'caught-up') collected.caughtUpAt = collected.events.length;
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(collected));
    socket.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /api/events and the /api/stream WebSocket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('pages the global log with nextFrom, and rejects a malformed position with 400', async () => {
    const stream = `test-${randomUUID()}`;
    await server.context.store.appendToStream(
      stream,
      Array.from({ length: 5 }, (_, n) => ({ type: 'Paged', data: { n } })),
    );
    type Page = { items: Array<{ version: number }>; nextFrom: string | null };
    const first = (await fetch(`${server.baseUrl}/api/events?limit=3&streamId=${stream}`).then((response) => response.json())) as Page;
    expect(first.items.map((event: { version: number }) => event.version)).toEqual([1, 2, 3]);
    expect(first.items[0]).toMatchObject({ streamId: stream, type: 'Paged', schemaVersion: 1, data: { n: 0 } });
    const second = (await fetch(`${server.baseUrl}/api/events?limit=3&streamId=${stream}&from=${first.nextFrom}`).then((response) =>
      response.json(),
    )) as Page;
    expect(second.items.map((event: { version: number }) => event.version)).toEqual([4, 5]);
    expect(second.nextFrom).toBeNull();
    const bad = await fetch(`${server.baseUrl}/api/events?from=12`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await bad.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'query.from' }] });
  });

  it('streams every event once, in order, across the catch-up/live switch under concurrent writers', async () => {
    const start = await server.context.store.headPosition();
    const writers = 8;
    const appendsPerWriter = 40;
    let writing = true;
    const writer = async (index: number) => {
      for (let n = 0; n < appendsPerWriter; n += 1) {
        await server.context.store.appendToStream(`w${index}-${randomUUID()}`, [
          { type: 'Loaded', data: { index, n } },
          { type: 'Loaded', data: { index, n } },
        ]);
        await sleep(Math.random() * 4);
      }
    };
    const load = Promise.all(Array.from({ length: writers }, (_, index) => writer(index))).then(() => {
      writing = false;
    });
    // Clients join while the load runs, each from the start position.
    const clients: Collected[] = [];
    while (writing) {
      clients.push(await connect(server.baseUrl, `from=${start}&types=Loaded`));
      await sleep(40);
    }
    await load;
    const expected: string[] = [];
    let after = start;
    for (;;) {
      const page = await server.context.store.readAll({ after, maxCount: 1000, types: ['Loaded'] });
      expected.push(...page.events.map((event) => event.position));
      if (page.events.length > 0) after = page.events.at(-1)!.position;
      if (page.isEnd) break;
    }
    expect(expected.length).toBe(writers * appendsPerWriter * 2);
    const deadline = Date.now() + 15_000;
    while (clients.some((client) => client.events.length < expected.length) && Date.now() < deadline) await sleep(50);
    expect(clients.length).toBeGreaterThan(2);
    for (const client of clients) {
      expect(client.caughtUpAt).not.toBeNull();
      expect(client.events.map((event) => event.position)).toEqual(expected);
      client.socket.close();
    }
  });

  it('sends only new events from=end, filtered by transaction', async () => {
    const transactionId = randomUUID();
    const client = await connect(server.baseUrl, `from=end&transactionId=${transactionId}`);
    while (client.caughtUpAt === null) await sleep(10);
    await server.context.store.appendToStream(`txn-${randomUUID()}`, [{ type: 'Other', data: {} }]);
    await server.context.store.appendToStream(`txn-${transactionId}`, [{ type: 'Mine', data: {} }]);
    const deadline = Date.now() + 5_000;
    while (client.events.length < 1 && Date.now() < deadline) await sleep(10);
    await sleep(100);
    expect(client.events.map((event) => event.streamId)).toEqual([`txn-${transactionId}`]);
    client.socket.close();
  });

  it('starts from=end at the head as of the connection, though nobody listened before', async () => {
    // While no client listens, the server's log tail only counts events now and then: its
    // position may be behind the head.
    const quietBy = Date.now() + 5_000;
    while (server.context.tail.listenerCount() > 0 && Date.now() < quietBy) await sleep(10);
    expect(server.context.tail.listenerCount()).toBe(0);
    const before = `txn-${randomUUID()}`;
    await server.context.store.appendToStream(before, [
      { type: 'Before', data: {} },
      { type: 'Before', data: {} },
    ]);
    const client = await connect(server.baseUrl, 'from=end');
    while (client.caughtUpAt === null) await sleep(10);
    const after = `txn-${randomUUID()}`;
    await server.context.store.appendToStream(after, [{ type: 'After', data: {} }]);
    const deadline = Date.now() + 5_000;
    while (!client.events.some((event) => event.streamId === after) && Date.now() < deadline) await sleep(10);
    expect(client.events.map((event) => event.streamId)).toEqual([after]);
    client.socket.close();
  });

  it('refuses a bad stream position before upgrading', async () => {
    const response = await fetch(`${server.baseUrl}/api/stream?from=nope`);
    expect(response.status).toBe(400);
  });

  it('answers /health, /ready and /metrics', async () => {
    expect(await fetch(`${server.baseUrl}/health`).then((response) => response.json())).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', components: { postgres: { status: 'up' } } });
    const metrics = await fetch(`${server.baseUrl}/metrics`).then((response) => response.text());
    expect(metrics).toContain('tracktrove_http_request_duration_seconds_bucket');
    expect(metrics).toContain('tracktrove_events_appended_total{type="Loaded"}');
  });
});

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startServer, trackTroveModule, type RunningServer } from '@tracktrove/api';
import { createTestDatabase, initiateRequestBody, type TestDatabase } from '@tracktrove/testing';
import { planFaults, verifyWebhookSignature } from '@tracktrove/webhooks';
import { run } from '../src/run.ts';
import type { Writer } from '../src/io.ts';

type Json = Record<string, any>;

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: Json;
}

/** The developer's service: records every request; answers what `answer` says (default 200). */
async function startReceiver() {
  const received: Received[] = [];
  let answer: (request: Received, index: number) => number = () => 200;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry = { headers: request.headers, body, json: JSON.parse(body) as Json };
      received.push(entry);
      response.statusCode = answer(entry, received.length - 1);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    answerWith(next: typeof answer) {
      answer = next;
    },
    clear() {
      received.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function buffer(): Writer & { text: string } {
  return {
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `tracktrove listen` against a real server and a real receiver, in process. */
describe('tracktrove listen --forward-to', () => {
  let database: TestDatabase;
  let server: RunningServer;
  let baseUrl: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  const initiate = async (webhookDelayMs: number) => {
    const response = await fetch(`${baseUrl}/api/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(initiateRequestBody(webhookDelayMs)),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; position: string };
  };

  /** Listeners still running: stopped after each test, whatever it came to. */
  const running = new Set<AbortController>();

  /** Runs listen until stop() (as Ctrl-C): its output, and its exit code once stopped. */
  const startListen = (args: readonly string[]) => {
    const stop = new AbortController();
    running.add(stop);
    const stdout = buffer();
    const stderr = buffer();
    const exited = run(['listen', '--forward-to', receiver.url, '--url', baseUrl, '--token', 'admin-token', ...args], {
      stdout,
      stderr,
      env: { LOG_LEVEL: 'error' },
      stop: stop.signal,
    });
    return {
      stdout,
      stderr,
      secret: () => /^secret (whsec_\S+)/m.exec(stdout.text)?.[1],
      async stop() {
        stop.abort();
        running.delete(stop);
        const code = await exited;
        return { code, resumeFrom: /resume with: tracktrove listen --from (\S+)/.exec(stdout.text)?.[1] };
      },
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig(
      {},
      {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: database.url,
        logLevel: 'silent',
        // Reads and streams need a token: the listener's is checked.
        tokens: { admin: 'admin-token', operator: undefined, viewer: 'viewer-token' },
      },
    );
    server = await startServer({ config, modules: [trackTroveModule()], logger: pino({ level: 'silent' }) });
    baseUrl = server.url!.replace('[::1]', '127.0.0.1');
    receiver = await startReceiver();
  });
  afterEach(() => {
    for (const stop of running) stop.abort();
    running.clear();
    receiver.answerWith(() => 200);
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.close();
    await database?.drop();
  });

  it('forwards each selected event once, as the transaction was then, signed with the secret it printed', async () => {
    receiver.clear();
    const marker = await initiate(3_600_000);
    const listener = startListen(['--from', marker.position, '--events', 'escrow_held,transaction.completed']);
    const confirmed = await initiate(0);
    const requests = await until('two deliveries', () => receiver.received.length >= 2 && receiver.received);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { code } = await listener.stop();
    expect(code).toBe(0);

    expect(receiver.received).toHaveLength(2);
    expect(requests.map((request) => [request.json.type, request.json.previousStatus, request.json.data.transaction.status])).toEqual([
      ['transaction.escrow_held', 'INITIATED', 'ESCROW'],
      ['transaction.completed', 'ESCROW', 'COMPLETED'],
    ]);
    const secret = listener.secret();
    expect(secret).toMatch(/^whsec_/);
    for (const request of requests) {
      expect(request.json).toMatchObject({ transactionId: confirmed.id, data: { transaction: { id: confirmed.id } } });
      expect(request.json.id).toMatch(/^evt_/);
      expect(request.headers['tracktrove-event-id']).toBe(request.json.id);
      expect(request.headers['tracktrove-delivery-id']).toBeTruthy();
      expect(request.headers['user-agent']).toBe('TrackTrove-Webhooks/1');
      expect(() =>
        verifyWebhookSignature(secret!, request.body, request.headers['tracktrove-signature'] as string, Math.floor(Date.now() / 1000)),
      ).not.toThrow();
      expect(() =>
        verifyWebhookSignature(
          'whsec_other',
          request.body,
          request.headers['tracktrove-signature'] as string,
          Math.floor(Date.now() / 1000),
        ),
      ).toThrow();
      // The transaction's trace: without a traceparent at initiation, its id's hex digits.
      expect(request.headers.traceparent).toMatch(new RegExp(`^00-${confirmed.id.replaceAll('-', '')}-[0-9a-f]{16}-01$`));
    }
    expect(listener.stdout.text).toMatch(/transaction\.completed {2}evt_\S+ {2}200 after \d+ ms \(attempt 1\/8\)/);
    // The event's own id, as the server's endpoint deliveries name it.
    const events = (await (
      await fetch(`${baseUrl}/api/transactions/${confirmed.id}/events`, { headers: { authorization: 'Bearer viewer-token' } })
    ).json()) as { items: Json[] };
    expect(requests.map((request) => request.json.id)).toEqual(
      events.items.filter((event) => event.version >= 2).map((event) => `evt_${event.eventId}`),
    );
  });

  it("folds a transaction it meets mid-life from the server's events", async () => {
    receiver.clear();
    const created = await initiate(3_600_000);
    // From after its first two events: the third is the first this listener sees.
    const listener = startListen(['--from', created.position]);
    const confirmed = await fetch(`${baseUrl}/api/transactions/${created.id}/confirm`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    const [request] = await until('the completion', () => receiver.received.length >= 1 && receiver.received);
    await listener.stop();
    expect(request!.json).toMatchObject({
      type: 'transaction.completed',
      transactionId: created.id,
      previousStatus: 'ESCROW',
      data: { transaction: { id: created.id, status: 'COMPLETED', version: 3, amount: '12.50' } },
    });
  });

  it('resumes with --from where it stopped: no event missed, none sent twice', async () => {
    receiver.clear();
    const marker = await initiate(3_600_000);
    const first = startListen(['--from', marker.position]);
    const before = await initiate(3_600_000);
    await until('the first listener', () => receiver.received.length >= 2);
    const { resumeFrom } = await first.stop();
    expect(resumeFrom).toBeDefined();
    const whileStopped = await initiate(3_600_000);
    const second = startListen(['--from', resumeFrom!]);
    const after = await initiate(3_600_000);
    await until('the second listener', () => receiver.received.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await second.stop();
    const seen = receiver.received.map((request) => `${request.json.transactionId} ${request.json.type}`);
    expect(seen).toEqual(
      [before, whileStopped, after].flatMap(({ id }) => [`${id} transaction.initiated`, `${id} transaction.escrow_held`]),
    );
  });

  it('drops and duplicates deliveries as the seed decides, and the receiver sees exactly that', async () => {
    receiver.clear();
    const marker = await initiate(3_600_000);
    const transactions: { id: string; position: string }[] = [];
    for (let index = 0; index < 6; index += 1) transactions.push(await initiate(3_600_000));
    const failures = { dropRate: 0.4, duplicateRate: 0.4, delayMs: 0, reorder: false, slowRate: 0 };
    /** What a seed decides for each event (version 1 initiated, 2 escrow held) of each transaction: deliveries seen. */
    const expectedWith = (seed: number) => {
      const expected = new Map<string, number>();
      for (const { id } of transactions) {
        for (const [version, type] of [
          [1, 'transaction.initiated'],
          [2, 'transaction.escrow_held'],
        ] as const) {
          const plan = planFaults({ seed, transactionId: id, endpointId: 'listen', eventKey: version }, failures);
          expected.set(`${id} ${type}`, (plan.dropped ? 0 : 1) + (plan.duplicate ? 1 : 0));
        }
      }
      return expected;
    };
    // A seed that drops one delivery and duplicates another (the transactions' ids are random).
    let seed = 0;
    while (!([...expectedWith(seed).values()].includes(0) && [...expectedWith(seed).values()].includes(2))) seed += 1;
    const expected = expectedWith(seed);
    // From before the transactions: the stream catches up with them.
    const listener = startListen(['--from', marker.position, '--seed', String(seed), '--drop-rate', '0.4', '--duplicate-rate', '0.4']);
    const total = [...expected.values()].reduce((sum, count) => sum + count, 0);
    await until(`${total} deliveries`, () => receiver.received.length >= total);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await listener.stop();
    const seen = new Map<string, number>();
    for (const request of receiver.received) {
      const key = `${request.json.transactionId} ${request.json.type}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, count] of expected) expect([key, seen.get(key) ?? 0]).toEqual([key, count]);
    expect(listener.stdout.text).toMatch(/dropped \(injected\)/);
    expect(listener.stdout.text).toMatch(/\[duplicate\]/);
  });

  it('retries a 500 with backoff, then delivers', async () => {
    receiver.clear();
    receiver.answerWith((_request, index) => (index === 0 ? 500 : 200));
    const marker = await initiate(3_600_000);
    const listener = startListen(['--from', marker.position, '--events', 'initiated']);
    const created = await initiate(3_600_000);
    await until('the retry', () => receiver.received.length >= 2);
    await listener.stop();
    receiver.answerWith(() => 200);
    expect(receiver.received.map((request) => request.json.transactionId)).toEqual([created.id, created.id]);
    expect(receiver.received[1]!.headers['tracktrove-event-id']).toBe(receiver.received[0]!.headers['tracktrove-event-id']);
    expect(listener.stdout.text).toMatch(/500 after \d+ ms \(attempt 1\/8\), next try in \d+ ms/);
    expect(listener.stdout.text).toMatch(/200 after \d+ ms \(attempt 2\/8\)/);
  });

  it('stops at once, exit code 1, when the server refuses its token for the stream', async () => {
    const stdout = buffer();
    const stderr = buffer();
    const code = await run(['listen', '--forward-to', receiver.url, '--url', baseUrl, '--token', 'wrong-token'], {
      stdout,
      stderr,
      env: { LOG_LEVEL: 'error' },
    });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/answered 401 to the stream's upgrade: pass a token it takes with --token/);
    expect(stdout.text).toMatch(/stopped; resume with: tracktrove listen --from end/);
  });

  it('refuses a bad --forward-to or event type before connecting', async () => {
    const stdout = buffer();
    const stderr = buffer();
    expect(await run(['listen', '--forward-to', 'ftp://x'], { stdout, stderr, env: {} })).toBe(2);
    expect(await run(['listen', '--forward-to', receiver.url, '--events', 'paid'], { stdout, stderr, env: {} })).toBe(2);
    expect(stderr.text).toMatch(/--forward-to must be an http\(s\) URL/);
    expect(stderr.text).toMatch(/unknown event type 'paid'/);
  });
});

import { randomUUID } from 'node:crypto';
import { encodePosition, type RecordedEvent } from '@tracktrove/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("the server's log tail", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const appended = async (type: string) => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`tracktrove_events_appended_total{type="${type}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it('counts every event while nobody listens, then hands listeners whole events', async () => {
    const { store, tail } = server.context;
    expect(tail.listenerCount()).toBe(0);
    const quiet = await store.appendToStream(
      `q-${randomUUID()}`,
      Array.from({ length: 5 }, (_, n) => ({ type: 'TailQuiet', data: { n } })),
    );
    await eventually('the quiet events counted', async () => ((await appended('TailQuiet')) === 5 ? true : undefined));
    expect(encodePosition(tail.position()) >= quiet.position).toBe(true);

    const received: RecordedEvent[] = [];
    const stop = tail.listen((events) => received.push(...events));
    try {
      const streamId = `l-${randomUUID()}`;
      await store.appendToStream(
        streamId,
        Array.from({ length: 3 }, (_, n) => ({ type: 'TailHeard', data: { n, note: 'whole' } })),
      );
      await eventually('the heard events', async () =>
        received.filter((event) => event.streamId === streamId).length === 3 ? true : undefined,
      );
      expect(received.filter((event) => event.streamId === streamId).map((event) => event.data)).toEqual(
        [0, 1, 2].map((n) => ({ n, note: 'whole' })),
      );
      // Nothing from before the listener joined, and every event counted once.
      expect(received.some((event) => event.type === 'TailQuiet')).toBe(false);
      expect(await appended('TailHeard')).toBe(3);
      expect(await appended('TailQuiet')).toBe(5);
    } finally {
      stop();
    }
  });
});

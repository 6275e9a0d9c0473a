import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePosition, loadCheckpoint, encodePosition, storeCheckpoint, type RecordedEvent } from '../src/index.ts';
import { openStore, type StoreFixture } from './store-fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const numbered = (count: number, from = 0) =>
  Array.from({ length: count }, (_, n) => ({ type: 'Counted', data: { n: from + n }, metadata: { actor: 'test', secret: 'x' } }));
const numbers = (events: readonly RecordedEvent[]) => events.map((event) => (event.data as { n: number }).n);

/** A subscription's status, where it starts, its batches, failures and the log waker behind it. */
describe('subscription lifecycle on postgres', () => {
  let fixture: StoreFixture;
  beforeAll(async () => {
    fixture = await openStore('postgres');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('starts after `from`, hands batches of batchSize without the metadata keys left out, and reports where it is', async () => {
    const stream = `from-${randomUUID()}`;
    await fixture.store.appendToStream(stream, numbered(3));
    const from = await fixture.store.headPosition();
    const last = await fixture.store.appendToStream(stream, numbered(10, 3));
    const name = `status-${randomUUID()}`;
    const batches: RecordedEvent[][] = [];
    const subscription = fixture.store.subscribe({
      name,
      from,
      batchSize: 4,
      pollIntervalMs: 60_000,
      omitMetadataKeys: ['secret'],
      async handle(events) {
        batches.push([...events]);
      },
    });
    expect(subscription.status()).toMatchObject({ name, state: 'standby', position: from, lastError: null, eventsHandled: 0 });
    expect(await subscription.waitFor(last.position, 10_000)).toBe(true);
    await until(() => subscription.status().state === 'live');
    expect(batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(batches.flatMap(numbers)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(batches[0]![0]!.metadata).toEqual({ actor: 'test' });
    expect(subscription.status()).toEqual({ name, state: 'live', position: last.position, lastError: null, eventsHandled: 10 });
    // Already there: at once. Not reached in time: false.
    expect(await subscription.waitFor(from, 0)).toBe(true);
    const ahead = encodePosition({ ...decodePosition(last.position), seq: decodePosition(last.position).seq + 1_000n });
    expect(await subscription.waitFor(ahead, 100)).toBe(false);
    await subscription.stop();
    expect(subscription.status().state).toBe('stopped');
    expect(await subscription.waitFor(ahead, 1_000)).toBe(false);
    // A stored checkpoint wins over `from`.
    expect(encodePosition((await loadCheckpoint(fixture.database.db, name))!)).toBe(last.position);
    const again: RecordedEvent[] = [];
    const resumed = fixture.store.subscribe({
      name,
      from: 'start',
      pollIntervalMs: 60_000,
      async handle(events) {
        again.push(...events);
      },
    });
    const next = await fixture.store.appendToStream(stream, numbered(1, 13));
    expect(await resumed.waitFor(next.position, 10_000)).toBe(true);
    expect(numbers(again)).toEqual([13]);
    await resumed.stop();
  });

  it('takes 500 events a batch unless told otherwise', async () => {
    const from = await fixture.store.headPosition();
    await fixture.store.appendToStream(`default-${randomUUID()}`, numbered(501));
    const sizes: number[] = [];
    const subscription = fixture.store.subscribe({
      name: `default-${randomUUID()}`,
      from,
      pollIntervalMs: 60_000,
      async handle(events) {
        sizes.push(events.length);
      },
    });
    await until(() => sizes.reduce((sum, size) => sum + size, 0) === 501);
    expect(sizes).toEqual([500, 1]);
    await subscription.stop();
  });

  it('reports a failing batch while it retries, and clears the error once the batch lands', async () => {
    const from = await fixture.store.headPosition();
    const last = await fixture.store.appendToStream(`failing-${randomUUID()}`, numbered(2));
    let failures = 0;
    let release = false;
    const seen: number[] = [];
    const subscription = fixture.store.subscribe({
      name: `failing-${randomUUID()}`,
      from,
      pollIntervalMs: 60_000,
      maxRetryDelayMs: 20,
      async handle(events) {
        if (!release) {
          failures += 1;
          throw new Error(`projection table missing (${failures})`);
        }
        seen.push(...numbers(events));
      },
    });
    await until(() => failures >= 3);
    const status = subscription.status();
    expect(status.state).toBe('retrying');
    expect(status.lastError).toMatch(/^projection table missing \(\d+\)$/);
    expect(status.eventsHandled).toBe(0);
    expect(status.position).toBe(from);
    release = true;
    expect(await subscription.waitFor(last.position, 10_000)).toBe(true);
    await until(() => subscription.status().state === 'live');
    expect(subscription.status()).toMatchObject({ lastError: null, eventsHandled: 2 });
    expect(seen).toEqual([0, 1]);
    await subscription.stop();
  });

  it('follows a checkpoint another consumer moved: the next batch is dropped, and it goes on from where that one put it', async () => {
    const from = await fixture.store.headPosition();
    const stream = `moved-${randomUUID()}`;
    const name = `moved-${randomUUID()}`;
    const landed: number[] = [];
    let moved: Promise<void> | undefined;
    const subscription = fixture.store.subscribe({
      name,
      from,
      pollIntervalMs: 60_000,
      maxRetryDelayMs: 50,
      async handle(events) {
        // A rebuild elsewhere sets the checkpoint back to the start; it waits for this batch's commit.
        moved ??= storeCheckpoint(fixture.database.db, name, decodePosition(from));
        landed.push(...numbers(events));
      },
    });
    const first = await fixture.store.appendToStream(stream, numbered(1));
    expect(await subscription.waitFor(first.position, 10_000)).toBe(true);
    await moved;
    const next = await fixture.store.appendToStream(stream, numbered(1, 1));
    await until(() => landed.length === 3);
    expect(await subscription.waitFor(next.position, 10_000)).toBe(true);
    // Event 0 again, from the moved checkpoint; event 1 once, after the move was found.
    expect(landed).toEqual([0, 0, 1]);
    expect(subscription.status()).toMatchObject({ lastError: null, eventsHandled: 3 });
    expect(encodePosition((await loadCheckpoint(fixture.database.db, name))!)).toBe(next.position);
    await subscription.stop();
  });

  it('handles appends that arrive together as one batch when told to coalesce', async () => {
    const from = await fixture.store.headPosition();
    const batches: number[][] = [];
    const subscription = fixture.store.subscribe({
      name: `coalesce-${randomUUID()}`,
      from,
      pollIntervalMs: 60_000,
      coalesceMs: 1_000,
      async handle(events) {
        batches.push(numbers(events));
      },
    });
    await until(() => subscription.status().state === 'live');
    const stream = `coalesce-${randomUUID()}`;
    await fixture.store.appendToStream(stream, numbered(1));
    const last = await fixture.store.appendToStream(stream, numbered(1, 1));
    expect(await subscription.waitFor(last.position, 10_000)).toBe(true);
    expect(batches).toEqual([[0, 1]]);
    await subscription.stop();
  });

  it('waits for a notification, a timeout or an abort, and answers at once when one came while it was busy', async () => {
    const waker = fixture.store.waker;
    const aborted = new AbortController();
    aborted.abort();
    expect(await waker.wait(60_000, aborted.signal)).toBe('aborted');
    const started = Date.now();
    expect(await waker.wait(30)).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const later = new AbortController();
    const waiting = waker.wait(60_000, later.signal);
    later.abort();
    expect(await waiting).toBe('aborted');
    const seen = waker.notifications();
    const woken = waker.wait(60_000);
    await fixture.store.appendToStream(`wake-${randomUUID()}`, numbered(1));
    expect(await woken).toBe('notified');
    expect(waker.notifications()).toBe(seen + 1);
    // A notification between reading the count and waiting: no wait at all.
    expect(await waker.wait(60_000, undefined, seen)).toBe('notified');
    expect(await waker.wait(20, undefined, waker.notifications())).toBe('timeout');
    // Another process's NOTIFY wakes it; after close, nothing does.
    const peer = await fixture.openPeer();
    const before = waker.notifications();
    const byPeer = waker.wait(60_000);
    await peer.store.appendToStream(`peer-${randomUUID()}`, numbered(1));
    expect(await byPeer).toBe('notified');
    expect(waker.notifications()).toBeGreaterThan(before);
  });
});

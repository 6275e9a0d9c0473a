import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendToStreams,
  encodePosition,
  eventStoreLimits,
  readHeadPosition,
  readStreams,
  readVisibleHeadPosition,
  startOfLog,
  type EventStoreTables,
  type Upcaster,
} from '../src/index.ts';
import { openStore, type Backend, type StoreFixture } from './store-fixture.ts';

const upcast: Upcaster = (event) =>
  event.type === 'Greeted' && event.schemaVersion === 1
    ? { type: 'GreetedV2', schemaVersion: 2, data: { ...(event.data as object), language: 'en' } }
    : event;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<Backend>(['postgres', 'pglite'])('read paths on %s', (backend) => {
  let fixture: StoreFixture;
  let db: Kysely<EventStoreTables>;
  beforeAll(async () => {
    fixture = await openStore(backend, { upcast });
    db = fixture.database.db;
  });
  afterAll(async () => {
    await fixture.close();
  });
  const stream = (prefix = 'read') => `${prefix}-${randomUUID()}`;
  const trace = { dtoBefore: { big: 'x'.repeat(100) }, dtoAfter: { big: 'y' }, actor: 'test' };

  it('readStreams answers every event of each stream asked for, in version order, upcast, without the metadata keys left out', async () => {
    const [a, b, empty] = [stream(), stream(), stream()];
    await fixture.store.appendToStream(a, [
      { type: 'Greeted', schemaVersion: 1, data: { name: 'Asha' }, metadata: trace },
      { type: 'Waved', data: { n: 2 }, metadata: trace },
    ]);
    await fixture.store.appendToStream(b, [{ type: 'Waved', data: { n: 1 }, metadata: trace }]);
    await fixture.store.appendToStream(a, [{ type: 'Waved', data: { n: 3 }, metadata: trace }]);

    const read = await readStreams(db, [b, empty, a], upcast, { omitMetadataKeys: ['dtoBefore', 'dtoAfter'] });
    expect([...read.keys()].sort()).toEqual([a, b].sort());
    expect(read.get(a)!.map((event) => [event.version, event.type, event.schemaVersion, event.data])).toEqual([
      [1, 'GreetedV2', 2, { name: 'Asha', language: 'en' }],
      [2, 'Waved', 1, { n: 2 }],
      [3, 'Waved', 1, { n: 3 }],
    ]);
    expect(read.get(b)!.map((event) => event.data)).toEqual([{ n: 1 }]);
    for (const event of [...read.values()].flat()) expect(event.metadata).toEqual({ actor: 'test' });

    const whole = await readStreams(db, [a]);
    expect(whole.get(a)![0]).toMatchObject({ type: 'Greeted', schemaVersion: 1, data: { name: 'Asha' }, metadata: trace });
    expect((await readStreams(db, [a], undefined, { omitMetadataKeys: [] })).get(a)![0]!.metadata).toEqual(trace);
    expect((await readStreams(db, [])).size).toBe(0);
  });

  it('readStreams refuses more streams than one append may write, and more events than one read may answer', async () => {
    const many = Array.from({ length: eventStoreLimits.maxStreamsPerAppend + 1 }, () => stream());
    await expect(readStreams(db, many)).rejects.toThrow(
      new RangeError(`at most ${eventStoreLimits.maxStreamsPerAppend} streams per read, got ${many.length}`),
    );
    expect((await readStreams(db, many.slice(1))).size).toBe(0);

    // maxReadCount events over a few streams are answered; one more is refused rather than cut.
    const streams = [
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
      stream('big'),
    ];
    const per = eventStoreLimits.maxReadCount / streams.length;
    for (const id of streams) {
      await appendToStreams(db, [{ streamId: id, events: Array.from({ length: per }, (_, n) => ({ type: 'Filled', data: { n } })) }]);
    }
    const full = await readStreams(db, streams);
    expect([...full.values()].reduce((sum, events) => sum + events.length, 0)).toBe(eventStoreLimits.maxReadCount);
    await appendToStreams(db, [{ streamId: streams[0]!, events: [{ type: 'Filled', data: { n: per } }] }]);
    await expect(readStreams(db, streams)).rejects.toThrow(
      new RangeError(`the streams hold more than ${eventStoreLimits.maxReadCount} events together`),
    );
  }, 60_000);

  it('readStream reads a whole number of events, at least one, backward or forward, without the metadata keys left out', async () => {
    const id = stream();
    await fixture.store.appendToStream(
      id,
      [1, 2, 3].map((n) => ({ type: 'Waved', data: { n }, metadata: trace })),
    );
    for (const maxCount of [0, -1, 1.5, Number.NaN]) {
      await expect(fixture.store.readStream(id, { maxCount })).rejects.toThrow(
        new RangeError(`maxCount must be a whole number >= 1, got ${maxCount}`),
      );
    }
    expect((await fixture.store.readStream(id, { maxCount: 1 })).map((event) => event.version)).toEqual([1]);
    expect((await fixture.store.readStream(id, { direction: 'backward', maxCount: 2 })).map((event) => event.version)).toEqual([3, 2]);
    expect((await fixture.store.readStream(id, { direction: 'backward', fromVersion: 2 })).map((event) => event.version)).toEqual([2, 1]);
    expect((await fixture.store.readStream(id, { fromVersion: 2 })).map((event) => event.version)).toEqual([2, 3]);
    const trimmed = await fixture.store.readStream(id, { omitMetadataKeys: ['dtoBefore'] });
    expect(trimmed[0]!.metadata).toEqual({ dtoAfter: { big: 'y' }, actor: 'test' });
  });

  it('readAll and readAllTypes read from the start when no position is given; an empty type list filters nothing', async () => {
    const id = stream();
    const before = await fixture.store.headPosition();
    await fixture.store.appendToStream(id, [
      { type: 'Waved', data: { n: 1 } },
      { type: 'Nodded', data: { n: 2 } },
    ]);
    const ids = (page: { events: readonly { eventId: string }[] }) => page.events.map((event) => event.eventId);
    const fromStart = await fixture.store.readAll({ after: 'start', maxCount: 50 });
    expect(fromStart.events).toHaveLength(50);
    expect(ids(await fixture.store.readAll({ maxCount: 50 }))).toEqual(ids(fromStart));
    const typesFromStart = await fixture.store.readAllTypes({ after: 'start', maxCount: 50 });
    expect(await fixture.store.readAllTypes({ maxCount: 50 })).toEqual(typesFromStart);
    // The stored types (not upcast), of the same page.
    expect(typesFromStart.types).toHaveLength(50);
    expect(typesFromStart.position).toEqual(fromStart.position);

    const types = (page: { events: readonly { type: string }[] }) => page.events.map((event) => event.type);
    expect(types(await fixture.store.readAll({ after: before }))).toEqual(['Waved', 'Nodded']);
    expect(types(await fixture.store.readAll({ after: before, types: [] }))).toEqual(['Waved', 'Nodded']);
    expect(types(await fixture.store.readAll({ after: before, types: ['Nodded'] }))).toEqual(['Nodded']);
  });

  it('a recorded event serializes to its fields, with its time as a Date', async () => {
    const before = Date.now();
    const id = stream();
    await fixture.store.appendToStream(id, [{ type: 'Greeted', schemaVersion: 1, data: { name: 'Asha' }, metadata: { actor: 'test' } }]);
    const [event] = await fixture.store.readStream(id);
    expect(event!.recordedAt).toBeInstanceOf(Date);
    expect(event!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(event!.recordedAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(JSON.parse(JSON.stringify(event))).toEqual({
      position: event!.position,
      streamId: id,
      version: 1,
      eventId: event!.eventId,
      type: 'GreetedV2',
      schemaVersion: 2,
      data: { name: 'Asha', language: 'en' },
      metadata: { actor: 'test' },
      recordedAt: event!.recordedAt.toISOString(),
    });
  });

  it('an upcast event shows its current type and version before its data is read', async () => {
    const id = stream();
    await fixture.store.appendToStream(id, [{ type: 'Greeted', schemaVersion: 1, data: { name: 'Asha' } }]);
    const [first] = await fixture.store.readStream(id);
    expect(first!.type).toBe('GreetedV2');
    const [second] = await fixture.store.readStream(id);
    expect(second!.schemaVersion).toBe(2);
  });

  it('the visible head is the last event when nothing is being written, and the start of an empty log', async () => {
    const id = stream();
    const appended = await fixture.store.appendToStream(id, [{ type: 'Waved', data: {} }]);
    const deadline = Date.now() + 10_000;
    // Another test's transaction on the same server may still hold the horizon back a moment.
    while (encodePosition(await readVisibleHeadPosition(db)) !== appended.position && Date.now() < deadline) await sleep(20);
    expect(encodePosition(await readVisibleHeadPosition(db))).toBe(appended.position);
    expect(encodePosition(await readHeadPosition(db))).toBe(appended.position);
  });
});

describe('visible head on PostgreSQL', () => {
  let fixture: StoreFixture;
  let db: Kysely<EventStoreTables>;
  beforeAll(async () => {
    fixture = await openStore('postgres');
    db = fixture.database.db;
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('starts at the start of an empty log', async () => {
    expect(await readVisibleHeadPosition(db)).toEqual(startOfLog);
  });

  it('stops before a transaction still writing, even when a later one has committed', async () => {
    const first = await fixture.store.appendToStream(`head-${randomUUID()}`, [{ type: 'Waved', data: {} }]);
    const deadline = Date.now() + 10_000;
    while (encodePosition(await readVisibleHeadPosition(db)) !== first.position && Date.now() < deadline) await sleep(20);
    expect(encodePosition(await readVisibleHeadPosition(db))).toBe(first.position);

    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let appendedInOpen!: () => void;
    const inOpen = new Promise<void>((resolve) => {
      appendedInOpen = resolve;
    });
    const open = db.transaction().execute(async (trx) => {
      await appendToStreams(trx, [{ streamId: `head-${randomUUID()}`, events: [{ type: 'Slow', data: {} }] }]);
      appendedInOpen();
      await released;
    });
    await inOpen;
    const later = await fixture.store.appendToStream(`head-${randomUUID()}`, [{ type: 'Quick', data: {} }]);
    expect(encodePosition(await readHeadPosition(db))).toBe(later.position);
    expect(encodePosition(await readVisibleHeadPosition(db))).toBe(first.position);
    release();
    await open;
    while (encodePosition(await readVisibleHeadPosition(db)) !== later.position && Date.now() < deadline + 10_000) await sleep(20);
    expect(encodePosition(await readVisibleHeadPosition(db))).toBe(later.position);
  });
});

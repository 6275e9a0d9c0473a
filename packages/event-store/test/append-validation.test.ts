import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendToStreams,
  EventIdConflictError,
  eventStoreLimits,
  InvalidAppendError,
  WrongExpectedVersionError,
  type EventStoreTables,
  type StreamAppend,
} from '../src/index.ts';
import { openStore, type Backend, type StoreFixture } from './store-fixture.ts';

const event = (type = 'Noted') => ({ type, data: { n: 1 } });

/**
 * What an append refuses before it writes anything, at each limit's edge, and the typed errors a
 * refused write raises (the command path decides retries and 409s on them).
 */
describe.each<Backend>(['postgres', 'pglite'])('append validation on %s', (backend) => {
  let fixture: StoreFixture;
  let db: Kysely<EventStoreTables>;
  beforeAll(async () => {
    fixture = await openStore(backend);
    db = fixture.database.db;
  });
  afterAll(async () => {
    await fixture.close();
  });
  const stream = () => `check-${randomUUID()}`;
  const refused = async (appends: StreamAppend[], message: RegExp) => {
    const before = await fixture.store.headPosition();
    const error = await appendToStreams(db, appends).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect((error as Error).message).toMatch(message);
    expect(await fixture.store.headPosition()).toBe(before);
  };

  it('refuses an empty append, an empty stream, and the same stream twice, writing nothing', async () => {
    await refused([], /nothing to append/);
    const id = stream();
    await refused([{ streamId: id, events: [], expectedVersion: 'any' }], new RegExp(`no events for stream ${id}`));
    await refused(
      [
        { streamId: id, events: [event()], expectedVersion: 'any' },
        { streamId: id, events: [event()], expectedVersion: 'any' },
      ],
      new RegExp(`stream ${id} appears twice in one append`),
    );
  });

  it('takes stream ids and event types of 1 to 200 characters, and refuses 0 or 201', async () => {
    const longest = 'x'.repeat(eventStoreLimits.maxStreamIdLength);
    await refused([{ streamId: '', events: [event()], expectedVersion: 'any' }], /stream id must have 1 to 200 characters/);
    await refused([{ streamId: `${longest}y`, events: [event()], expectedVersion: 'any' }], /stream id must have 1 to 200 characters/);
    await refused([{ streamId: stream(), events: [event('')], expectedVersion: 'any' }], /event type must have 1 to 200 characters/);
    const longType = 't'.repeat(eventStoreLimits.maxTypeLength);
    await refused([{ streamId: stream(), events: [event(`${longType}u`)], expectedVersion: 'any' }], /event type must have 1 to 200/);
    const id = `${randomUUID()}${'z'.repeat(eventStoreLimits.maxStreamIdLength - 36)}`;
    const result = await appendToStreams(db, [{ streamId: id, events: [event(longType)], expectedVersion: 'no_stream' }]);
    expect(result.events).toHaveLength(1);
    expect(result.events[0]!.streamId).toBe(id);
  });

  it('takes 500 streams and 1,000 events in one append, and refuses one more of either', async () => {
    const streams = (count: number, eventsEach: number): StreamAppend[] =>
      Array.from({ length: count }, () => ({
        streamId: stream(),
        events: Array.from({ length: eventsEach }, () => event()),
        expectedVersion: 'no_stream' as const,
      }));
    await refused(streams(eventStoreLimits.maxStreamsPerAppend + 1, 1), /at most 500 streams per append/);
    const tooMany = streams(2, 1);
    tooMany[0] = { ...tooMany[0]!, events: Array.from({ length: eventStoreLimits.maxEventsPerAppend }, () => event()) };
    await refused(tooMany, /at most 1000 events per append, got 1001/);
    const full = streams(eventStoreLimits.maxStreamsPerAppend, 2);
    const result = await appendToStreams(db, full);
    expect(result.events).toHaveLength(eventStoreLimits.maxEventsPerAppend);
  });

  it('refuses an expected version that is not a whole number >= 0', async () => {
    for (const expectedVersion of [-1, 1.5, Number.NaN, 2 ** 53])
      await refused([{ streamId: stream(), events: [event()], expectedVersion }], /expected version must be a whole number >= 0/);
  });

  it('raises WrongExpectedVersionError with the stream, the expected and the actual version', async () => {
    const id = stream();
    await appendToStreams(db, [{ streamId: id, events: [event(), event()], expectedVersion: 'no_stream' }]);
    const stale = await appendToStreams(db, [{ streamId: id, events: [event()], expectedVersion: 1 }]).catch((caught: unknown) => caught);
    expect(stale).toBeInstanceOf(WrongExpectedVersionError);
    expect(stale).toMatchObject({ streamId: id, expected: 1, actual: 2 });
    const exists = await appendToStreams(db, [{ streamId: id, events: [event()], expectedVersion: 'no_stream' }]).catch(
      (caught: unknown) => caught,
    );
    expect(exists).toBeInstanceOf(WrongExpectedVersionError);
    expect(exists).toMatchObject({ streamId: id, expected: 'no_stream', actual: 2 });
    const missing = stream();
    const none = await appendToStreams(db, [{ streamId: missing, events: [event()], expectedVersion: 3 }]).catch(
      (caught: unknown) => caught,
    );
    expect(none).toBeInstanceOf(WrongExpectedVersionError);
    expect(none).toMatchObject({ streamId: missing, expected: 3, actual: null });
  });

  it('raises EventIdConflictError naming the id when an event id is stored with other content', async () => {
    const eventId = randomUUID();
    await appendToStreams(db, [{ streamId: stream(), events: [{ ...event(), eventId }], expectedVersion: 'any' }]);
    const conflict = await appendToStreams(db, [
      { streamId: stream(), events: [{ type: 'Other', data: { n: 2 }, eventId }], expectedVersion: 'any' },
    ]).catch((caught: unknown) => caught);
    expect(conflict).toBeInstanceOf(EventIdConflictError);
    expect((conflict as EventIdConflictError).eventIds).toContain(eventId);
  });
});

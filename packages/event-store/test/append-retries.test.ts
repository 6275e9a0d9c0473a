import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendToStreams,
  EventIdConflictError,
  InvalidAppendError,
  WrongExpectedVersionError,
  type EventStoreTables,
  type NewEvent,
} from '../src/index.ts';
import { openStore, type Backend, type StoreFixture } from './store-fixture.ts';

const withIds = (count: number, type = 'Noted'): NewEvent[] =>
  Array.from({ length: count }, (_, n) => ({ eventId: randomUUID(), type, data: { n } }));
const plain = (count: number): NewEvent[] => Array.from({ length: count }, (_, n) => ({ type: 'Noted', data: { n } }));

const caught = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => new Error('no error'),
    (error: unknown) => error,
  );

/**
 * Appends to several existing streams (the tt_append_json function), retried appends (their answer was
 * lost) inside and outside a caller's transaction, and the result's position.
 */
describe.each<Backend>(['postgres', 'pglite'])('append conflicts and retries on %s', (backend) => {
  let fixture: StoreFixture;
  let db: Kysely<EventStoreTables>;
  beforeAll(async () => {
    fixture = await openStore(backend);
    db = fixture.database.db;
    await sql`create table side_effects (note text primary key)`.execute(db);
  });
  afterAll(async () => {
    await fixture.close();
  });
  const stream = () => `retry-${randomUUID()}`;
  const versionOf = async (id: string) => (await fixture.store.readStream(id, { direction: 'backward', maxCount: 1 }))[0]?.version ?? 0;

  it('appends to several existing streams at once, any or at their versions, each growing from where it was', async () => {
    const [a, b, c] = [stream(), stream(), stream()];
    for (const id of [a, b, c]) await fixture.store.appendToStream(id, plain(12));
    const result = await fixture.store.appendToStreams([
      { streamId: a, expectedVersion: 'any', events: plain(1) },
      { streamId: b, expectedVersion: 'any', events: plain(2) },
      { streamId: c, expectedVersion: 12, events: plain(1) },
    ]);
    expect(result.streamVersions).toEqual({ [a]: 13, [b]: 14, [c]: 13 });
    expect(result.events.map((event) => [event.streamId, event.version])).toEqual([
      [a, 13],
      [b, 13],
      [b, 14],
      [c, 13],
    ]);
    // Five new streams: more than one statement takes, the same answer.
    const fresh = Array.from({ length: 5 }, () => stream());
    const many = await fixture.store.appendToStreams(
      fresh.map((streamId) => ({ streamId, expectedVersion: 'no_stream', events: plain(2) })),
    );
    expect(many.streamVersions).toEqual(Object.fromEntries(fresh.map((id) => [id, 2])));
  });

  it('refuses a mismatch on any stream of several with the typed error naming it, writing nothing', async () => {
    const [a, b] = [stream(), stream()];
    await fixture.store.appendToStream(a, plain(13));
    await fixture.store.appendToStream(b, plain(13));
    const before = await fixture.store.headPosition();
    const numeric = await caught(
      fixture.store.appendToStreams([
        { streamId: a, expectedVersion: 13, events: plain(1) },
        { streamId: b, expectedVersion: 12, events: plain(1) },
      ]),
    );
    expect(numeric).toBeInstanceOf(WrongExpectedVersionError);
    expect(numeric).toMatchObject({ streamId: b, expected: 12, actual: 13 });
    expect((numeric as WrongExpectedVersionError).expected).toBeTypeOf('number');
    expect((numeric as Error).message).toBe(`stream ${b}: expected version 12, actual 13`);
    const missing = stream();
    const absent = await caught(
      fixture.store.appendToStreams([
        { streamId: a, expectedVersion: 'any', events: plain(1) },
        { streamId: missing, expectedVersion: 'stream_exists', events: plain(1) },
      ]),
    );
    expect(absent).toBeInstanceOf(WrongExpectedVersionError);
    expect(absent).toMatchObject({ streamId: missing, expected: 'stream_exists', actual: null });
    expect(await fixture.store.headPosition()).toBe(before);
    expect(await versionOf(a)).toBe(13);
    // The one-statement path names multi-digit versions as numbers too.
    const single = await caught(fixture.store.appendToStream(a, plain(1), { expectedVersion: 10 }));
    expect(single).toMatchObject({ streamId: a, expected: 10, actual: 13 });
  });

  it('answers a mismatch with new event ids as the mismatch it is, not as a conflict or a retry', async () => {
    const id = stream();
    await fixture.store.appendToStream(id, plain(2));
    const error = await caught(fixture.store.appendToStream(id, withIds(2), { expectedVersion: 1 }));
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamId: id, expected: 1, actual: 2 });
  });

  it('answers a retry whose stream moved on with the first positions, and refuses one whose content changed', async () => {
    const id = stream();
    const batch = withIds(2);
    const first = await fixture.store.appendToStream(id, batch, { expectedVersion: 'no_stream' });
    await fixture.store.appendToStream(id, plain(1));
    const again = await fixture.store.appendToStream(id, batch, { expectedVersion: 'no_stream' });
    expect(again).toEqual({ ...first, replayed: true });
    // Same ids, one event's data changed: a different append that reuses ids.
    const changed = [batch[0]!, { ...batch[1]!, data: { n: 99 } }];
    const conflict = await caught(fixture.store.appendToStream(id, changed, { expectedVersion: 'no_stream' }));
    expect(conflict).toBeInstanceOf(EventIdConflictError);
    expect([...(conflict as EventIdConflictError).eventIds].sort()).toEqual(batch.map((event) => event.eventId).sort());
    expect(await versionOf(id)).toBe(3);
  });

  it('answers a retry of an append to any version with the first positions, whatever order its events come in', async () => {
    const id = stream();
    const batch = withIds(3);
    const first = await fixture.store.appendToStream(id, batch);
    const again = await fixture.store.appendToStream(id, batch);
    expect(again).toEqual({ ...first, replayed: true });
    // Listed in another order: the same events, and the position is still that of the last one written.
    const reversed = await fixture.store.appendToStream(id, [...batch].reverse());
    expect(reversed.replayed).toBe(true);
    expect(reversed.position).toBe(first.position);
    expect(reversed.events.map((event) => event.version)).toEqual([3, 2, 1]);
    expect(await versionOf(id)).toBe(3);
  });

  it('names the new stream of several that existed already, writing none of them', async () => {
    const [main, newOne, existing] = [stream(), stream(), stream()];
    await fixture.store.appendToStream(main, plain(1));
    await fixture.store.appendToStream(existing, plain(2));
    const error = await caught(
      fixture.store.appendToStreams([
        { streamId: main, expectedVersion: 1, events: plain(1) },
        { streamId: newOne, expectedVersion: 'no_stream', events: plain(1) },
        { streamId: existing, expectedVersion: 'no_stream', events: plain(1) },
      ]),
    );
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamId: existing, expected: 'no_stream', actual: 2 });
    expect(await versionOf(main)).toBe(1);
    expect(await versionOf(newOne)).toBe(0);
  });

  it("answers a retried append inside a caller's transaction with the first positions, leaving the transaction usable", async () => {
    const [id, other] = [stream(), stream()];
    const batch = withIds(2);
    const otherBatch = withIds(1);
    const first = await fixture.store.appendToStreams([
      { streamId: id, expectedVersion: 'no_stream', events: batch },
      { streamId: other, expectedVersion: 'no_stream', events: otherBatch },
    ]);
    const note = `retried-${randomUUID()}`;
    const again = await db.transaction().execute(async (trx) => {
      const result = await appendToStreams(trx, [
        { streamId: id, expectedVersion: 'any', events: batch },
        { streamId: other, expectedVersion: 'any', events: otherBatch },
      ]);
      await sql`insert into side_effects values (${note})`.execute(trx);
      return result;
    });
    expect(again).toEqual({ ...first, replayed: true });
    const { rows } = await sql<{ note: string }>`select note from side_effects where note = ${note}`.execute(db);
    expect(rows).toHaveLength(1);
    expect(await versionOf(id)).toBe(2);
    expect(await versionOf(other)).toBe(1);
  });

  it("refuses a partly stored append inside a caller's transaction with the typed conflict, leaving the transaction usable", async () => {
    const [id, other] = [stream(), stream()];
    const stored = withIds(1);
    await fixture.store.appendToStream(id, stored);
    for (const appends of [
      // One stream: a stored id beside an event without one.
      [{ streamId: id, expectedVersion: 'any' as const, events: [...stored, ...plain(1)] }],
      // Two streams: the stored id in the first, no ids in the second.
      [
        { streamId: id, expectedVersion: 'any' as const, events: stored },
        { streamId: other, expectedVersion: 'any' as const, events: plain(1) },
      ],
    ]) {
      const outcome = await db.transaction().execute(async (trx) => {
        const error = await caught(appendToStreams(trx, appends));
        const { rows } = await sql<{ one: number }>`select 1 as one`.execute(trx);
        return { error, usable: rows[0]!.one === 1 };
      });
      expect(outcome.error).toBeInstanceOf(EventIdConflictError);
      expect((outcome.error as EventIdConflictError).eventIds).toEqual([stored[0]!.eventId]);
      expect(outcome.usable).toBe(true);
    }
    expect(await versionOf(id)).toBe(1);
    expect(await versionOf(other)).toBe(0);
  });

  it("raises the typed mismatch of several streams inside a caller's transaction, and the transaction writes nothing", async () => {
    const [a, b] = [stream(), stream()];
    await fixture.store.appendToStream(b, plain(3));
    const note = `mismatch-${randomUUID()}`;
    const error = await caught(
      db.transaction().execute(async (trx) => {
        await sql`insert into side_effects values (${note})`.execute(trx);
        await appendToStreams(trx, [
          { streamId: a, expectedVersion: 'any', events: withIds(1) },
          { streamId: b, expectedVersion: 2, events: withIds(1) },
        ]);
      }),
    );
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamId: b, expected: 2, actual: 3 });
    const { rows } = await sql`select note from side_effects where note = ${note}`.execute(db);
    expect(rows).toEqual([]);
    expect(await versionOf(a)).toBe(0);
  });

  it('runs an alongside expression with an append to several existing streams, once, committing with it or not at all', async () => {
    await sql`create table if not exists alongside_several (id text primary key)`.execute(db);
    await sql`create or replace function alongside_several_insert(p_id text) returns int language sql as $$ insert into alongside_several (id) values (p_id); select 7 $$`.execute(
      db,
    );
    const [a, b] = [stream(), stream()];
    await fixture.store.appendToStream(a, plain(1));
    await fixture.store.appendToStream(b, plain(1));
    const key = `several-${randomUUID()}`;
    const result = await appendToStreams(
      db,
      [
        { streamId: a, expectedVersion: 1, events: plain(2) },
        { streamId: b, expectedVersion: 1, events: plain(1) },
      ],
      { alongside: sql`alongside_several_insert(${key})` },
    );
    expect(Number(result.alongside)).toBe(7);
    expect(result.streamVersions).toEqual({ [a]: 3, [b]: 2 });
    // The same key again fails the expression: neither stream moves.
    await expect(
      appendToStreams(
        db,
        [
          { streamId: a, expectedVersion: 3, events: plain(1) },
          { streamId: b, expectedVersion: 2, events: plain(1) },
        ],
        { alongside: sql`alongside_several_insert(${key})` },
      ),
    ).rejects.toThrow(/duplicate key/);
    expect([await versionOf(a), await versionOf(b)]).toEqual([3, 2]);
    const { rows } = await sql<{ id: string }>`select id from alongside_several where id = ${key}`.execute(db);
    expect(rows).toHaveLength(1);
  });

  it('refuses the same event id twice in one append, writing nothing', async () => {
    const [id, other] = [stream(), stream()];
    const [event] = withIds(1);
    const before = await fixture.store.headPosition();
    for (const appends of [
      [{ streamId: id, events: [event!, { ...event!, data: { n: 2 } }] }],
      [
        { streamId: id, events: [event!] },
        { streamId: other, events: [event!] },
      ],
    ]) {
      const error = await caught(fixture.store.appendToStreams(appends));
      expect(error).toBeInstanceOf(InvalidAppendError);
      expect((error as Error).message).toBe(`event id ${event!.eventId} appears twice in one append`);
    }
    expect(await fixture.store.headPosition()).toBe(before);
  });

  it("answers with the position of the append's last event, the log's head once it is committed", async () => {
    const [a, b] = [stream(), stream()];
    await fixture.store.appendToStream(b, plain(1));
    for (const appends of [
      [{ streamId: a, events: plain(3) }],
      [
        { streamId: a, expectedVersion: 3, events: plain(2) },
        { streamId: b, expectedVersion: 1, events: plain(2) },
      ],
    ]) {
      const result = await fixture.store.appendToStreams(appends);
      expect(result.position).toBe(result.events.at(-1)!.position);
      expect(result.position > result.events[0]!.position).toBe(true);
      expect(await fixture.store.headPosition()).toBe(result.position);
    }
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { appendToStreams, EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from '../src/index.ts';
import { openStore, type Backend, type StoreFixture } from './store-fixture.ts';

const events = (count: number, prefix = 'Thing') =>
  Array.from({ length: count }, (_, index) => ({ type: `${prefix}Happened`, data: { index }, metadata: { actor: 'test' } }));

describe.each<Backend>(['postgres', 'pglite'])('append and read on %s', (backend) => {
  let fixture: StoreFixture;
  beforeAll(async () => {
    fixture = await openStore(backend);
  });
  afterAll(async () => {
    await fixture.close();
  });
  const stream = () => `test-${randomUUID()}`;

  it('starts a stream at version 1 and grows it by one per event', async () => {
    const id = stream();
    const first = await fixture.store.appendToStream(id, events(2), { expectedVersion: 'no_stream' });
    expect(first.events.map((event) => event.version)).toEqual([1, 2]);
    expect(first.streamVersions).toEqual({ [id]: 2 });
    const second = await fixture.store.appendToStream(id, events(1), { expectedVersion: 2 });
    expect(second.events[0]!.version).toBe(3);
    expect(second.position > first.position).toBe(true);
    const read = await fixture.store.readStream(id);
    expect(read.map((event) => [event.version, event.type, event.data])).toEqual([
      [1, 'ThingHappened', { index: 0 }],
      [2, 'ThingHappened', { index: 1 }],
      [3, 'ThingHappened', { index: 0 }],
    ]);
    expect(read[0]!.metadata).toEqual({ actor: 'test' });
  });

  it('rejects each expected-version mismatch with a typed error naming the stream and versions', async () => {
    const id = stream();
    await expect(fixture.store.appendToStream(id, events(1), { expectedVersion: 'stream_exists' })).rejects.toMatchObject({
      name: 'WrongExpectedVersionError',
      streamId: id,
      expected: 'stream_exists',
      actual: null,
    });
    await expect(fixture.store.appendToStream(id, events(1), { expectedVersion: 3 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await fixture.store.appendToStream(id, events(2), { expectedVersion: 0 });
    await expect(fixture.store.appendToStream(id, events(1), { expectedVersion: 'no_stream' })).rejects.toMatchObject({
      streamId: id,
      expected: 'no_stream',
      actual: 2,
    });
    await expect(fixture.store.appendToStream(id, events(1), { expectedVersion: 1 })).rejects.toMatchObject({
      streamId: id,
      expected: 1,
      actual: 2,
    });
    await fixture.store.appendToStream(id, events(1), { expectedVersion: 'stream_exists' });
    await fixture.store.appendToStream(id, events(1), { expectedVersion: 'any' });
    expect((await fixture.store.readStream(id)).length).toBe(4);
  });

  it('appends to several streams atomically: one conflict and nothing is written', async () => {
    const [a, b] = [stream(), stream()];
    await fixture.store.appendToStream(b, events(1));
    await expect(
      fixture.store.appendToStreams([
        { streamId: a, expectedVersion: 'no_stream', events: events(2) },
        { streamId: b, expectedVersion: 'no_stream', events: events(1) },
      ]),
    ).rejects.toMatchObject({ streamId: b });
    expect(await fixture.store.readStream(a)).toEqual([]);
    const result = await fixture.store.appendToStreams([
      { streamId: a, expectedVersion: 'no_stream', events: events(2) },
      { streamId: b, expectedVersion: 1, events: events(1) },
    ]);
    expect(result.streamVersions).toEqual({ [a]: 2, [b]: 2 });
    expect(result.events.map((event) => event.streamId)).toEqual([a, a, b]);
  });

  it('appends to a stream and new streams in one statement: in order, and all or nothing', async () => {
    const [main, newOne, newTwo] = [stream(), stream(), stream()];
    await fixture.store.appendToStream(main, events(1));
    const result = await fixture.store.appendToStreams([
      { streamId: main, expectedVersion: 1, events: events(2) },
      { streamId: newOne, expectedVersion: 'no_stream', events: events(1) },
      { streamId: newTwo, expectedVersion: 'no_stream', events: events(3) },
    ]);
    expect(result.streamVersions).toEqual({ [main]: 3, [newOne]: 1, [newTwo]: 3 });
    expect(result.events.map((event) => [event.streamId, event.version])).toEqual([
      [main, 2],
      [main, 3],
      [newOne, 1],
      [newTwo, 1],
      [newTwo, 2],
      [newTwo, 3],
    ]);
    const positions = result.events.map((event) => event.position);
    expect([...positions].sort()).toEqual(positions);
    // A "new" stream that exists fails the whole append, naming it; the first stream does not move.
    await expect(
      fixture.store.appendToStreams([
        { streamId: main, expectedVersion: 3, events: events(1) },
        { streamId: newTwo, expectedVersion: 'no_stream', events: events(1) },
      ]),
    ).rejects.toMatchObject({ name: 'WrongExpectedVersionError', streamId: newTwo, expected: 'no_stream', actual: 3 });
    expect((await fixture.store.readStream(main)).length).toBe(3);
    // A mismatch on the first stream writes none of the new ones.
    const newThree = stream();
    await expect(
      fixture.store.appendToStreams([
        { streamId: main, expectedVersion: 1, events: events(1) },
        { streamId: newThree, expectedVersion: 'no_stream', events: events(1) },
      ]),
    ).rejects.toMatchObject({ streamId: main, expected: 1, actual: 3 });
    expect(await fixture.store.readStream(newThree)).toEqual([]);
  });

  it('runs an alongside expression in the append statement: it commits with the events or neither does', async () => {
    const db = fixture.database.db;
    await sql`create table if not exists alongside_rows (id text primary key)`.execute(db);
    await sql`create or replace function alongside_insert(p_id text) returns int language sql as $$ insert into alongside_rows (id) values (p_id); select 1 $$`.execute(
      db,
    );
    const id = stream();
    const insertRow = (key: string) => sql`alongside_insert(${key})`;
    const result = await appendToStreams(db, [{ streamId: id, expectedVersion: 'no_stream', events: events(2) }], {
      alongside: insertRow(id),
    });
    expect(Number(result.alongside)).toBe(1);
    expect(result.events.map((event) => event.version)).toEqual([1, 2]);
    // The row exists now, so the same insert fails: the append must not land either.
    await expect(
      appendToStreams(db, [{ streamId: id, expectedVersion: 2, events: events(1) }], { alongside: insertRow(id) }),
    ).rejects.toThrow(/duplicate key/);
    expect((await fixture.store.readStream(id)).length).toBe(2);
    // A version conflict leaves the alongside write out too.
    await expect(
      appendToStreams(db, [{ streamId: id, expectedVersion: 1, events: events(1) }], { alongside: insertRow(`${id}-2`) }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    const rows = await sql<{ id: string }>`select id from alongside_rows where id like ${`${id}%`} order by id`.execute(db);
    expect(rows.rows.map((row) => row.id)).toEqual([id]);
  });

  it('names the first stream, in the order given, whose expectation fails, among existing and new streams, and appends nothing', async () => {
    const [kept, other, taken] = [stream(), stream(), stream()];
    await fixture.store.appendToStreams([
      { streamId: kept, expectedVersion: 'no_stream', events: events(2) },
      { streamId: other, expectedVersion: 'no_stream', events: events(1) },
      { streamId: taken, expectedVersion: 'no_stream', events: events(3) },
    ]);
    const fresh = [stream(), stream()];
    // A new stream that exists already comes before an existing one with a wrong version.
    await expect(
      fixture.store.appendToStreams([
        { streamId: kept, expectedVersion: 2, events: events(1) },
        { streamId: fresh[0]!, expectedVersion: 'no_stream', events: events(1) },
        { streamId: taken, expectedVersion: 'no_stream', events: events(1) },
        { streamId: other, expectedVersion: 5, events: events(1) },
        { streamId: fresh[1]!, expectedVersion: 'no_stream', events: events(1) },
      ]),
    ).rejects.toMatchObject({ name: 'WrongExpectedVersionError', streamId: taken, expected: 'no_stream', actual: 3 });
    // The wrong version comes first now.
    await expect(
      fixture.store.appendToStreams([
        { streamId: kept, expectedVersion: 2, events: events(1) },
        { streamId: other, expectedVersion: 5, events: events(1) },
        { streamId: fresh[0]!, expectedVersion: 0, events: events(1) },
        { streamId: taken, expectedVersion: 0, events: events(1) },
      ]),
    ).rejects.toMatchObject({ name: 'WrongExpectedVersionError', streamId: other, expected: 5, actual: 1 });
    for (const [id, length] of [
      [kept, 2],
      [other, 1],
      [taken, 3],
      [fresh[0]!, 0],
      [fresh[1]!, 0],
    ] as const)
      expect((await fixture.store.readStream(id)).length).toBe(length);
    // All hold: existing, new (as 'no_stream' and as 0) and 'any' streams in one append, each numbered from its own base.
    const appended = await fixture.store.appendToStreams([
      { streamId: kept, expectedVersion: 2, events: events(2) },
      { streamId: fresh[0]!, expectedVersion: 'no_stream', events: events(2) },
      { streamId: other, expectedVersion: 'stream_exists', events: events(1) },
      { streamId: fresh[1]!, expectedVersion: 0, events: events(1) },
      { streamId: taken, expectedVersion: 'any', events: events(1) },
    ]);
    expect(appended.streamVersions).toEqual({ [kept]: 4, [fresh[0]!]: 2, [other]: 2, [fresh[1]!]: 1, [taken]: 4 });
    expect(appended.events.map((event) => [event.streamId, event.version])).toEqual([
      [kept, 3],
      [kept, 4],
      [fresh[0], 1],
      [fresh[0], 2],
      [other, 2],
      [fresh[1], 1],
      [taken, 4],
    ]);
  });

  it('answers an alongside value once per append, intact, whichever statement carries the append', async () => {
    const db = fixture.database.db;
    await sql`create table if not exists alongside_rows (id text primary key)`.execute(db);
    await sql`create or replace function alongside_insert(p_id text) returns int language sql as $$ insert into alongside_rows (id) values (p_id); select 1 $$`.execute(
      db,
    );
    const value = (key: string) =>
      sql`jsonb_build_object('key', ${key}::text, 'inserted', alongside_insert(${key}), 'list', jsonb_build_array(1, 'two'))`;
    // One stream and two new ones with several events each: the one prepared statement.
    const [first, second, third] = [stream(), stream(), stream()];
    const oneStatement = await appendToStreams(
      db,
      [
        { streamId: first, expectedVersion: 'no_stream', events: events(3) },
        { streamId: second, expectedVersion: 'no_stream', events: events(2) },
      ],
      { alongside: value(first) },
    );
    expect(oneStatement.events).toHaveLength(5);
    expect(oneStatement.alongside).toEqual({ key: first, inserted: 1, list: [1, 'two'] });
    // Two existing streams: tt_append_json's statement.
    const several = await appendToStreams(
      db,
      [
        { streamId: first, expectedVersion: 3, events: events(2) },
        { streamId: second, expectedVersion: 2, events: events(2) },
        { streamId: third, expectedVersion: 'no_stream', events: events(1) },
      ],
      { alongside: value(second) },
    );
    expect(several.events).toHaveLength(5);
    expect(several.alongside).toEqual({ key: second, inserted: 1, list: [1, 'two'] });
    const rows = await sql<{ id: string }>`select id from alongside_rows where id in (${first}, ${second}) order by id`.execute(db);
    expect(rows.rows.map((row) => row.id).sort()).toEqual([first, second].sort());
  });

  it('stores any JSON value as data, in one-event and many-event appends', async () => {
    const id = stream();
    const values = [null, 'a "quoted" \\ string', [1, { nested: ['x'] }], { unicode: '\u20b9 \u{1f4b8}', empty: {} }, 0, false];
    await fixture.store.appendToStream(id, [{ type: 'Odd "type"', data: values[0] }], { expectedVersion: 'no_stream' });
    await fixture.store.appendToStream(
      id,
      values.slice(1).map((data) => ({ type: 'Odd "type"', data, metadata: { note: 'it\'s "here"' } })),
      { expectedVersion: 1 },
    );
    const read = await fixture.store.readStream(id);
    expect(read.map((event) => event.data)).toEqual(values);
    expect(read.map((event) => event.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read[1]!.metadata).toEqual({ note: 'it\'s "here"' });
    expect(new Set(read.map((event) => event.type))).toEqual(new Set(['Odd "type"']));
  });

  it("answers a version conflict inside a caller's transaction without aborting it", async () => {
    const id = stream();
    await fixture.store.appendToStream(id, events(1));
    const outcome = await fixture.database.db.transaction().execute(async (trx) => {
      const conflict = await appendToStreams(trx, [{ streamId: id, expectedVersion: 5, events: events(1) }]).catch(
        (error: unknown) => error,
      );
      const appended = await appendToStreams(trx, [{ streamId: id, expectedVersion: 1, events: events(2) }]);
      return { conflict, appended };
    });
    expect(outcome.conflict).toMatchObject({ name: 'WrongExpectedVersionError', streamId: id, expected: 5, actual: 1 });
    expect(outcome.appended.streamVersions).toEqual({ [id]: 3 });
    expect((await fixture.store.readStream(id)).length).toBe(3);
  });

  it('is idempotent by event id: the same events again return the original positions', async () => {
    const id = stream();
    const batch = events(3).map((event) => ({ ...event, eventId: randomUUID() }));
    const first = await fixture.store.appendToStream(id, batch, { expectedVersion: 'no_stream' });
    expect(first.replayed).toBe(false);
    const again = await fixture.store.appendToStream(id, batch, { expectedVersion: 'no_stream' });
    expect(again.replayed).toBe(true);
    expect(again.events).toEqual(first.events);
    expect(again.position).toBe(first.position);
    expect((await fixture.store.readStream(id)).length).toBe(3);
  });

  it('rejects a known event id with other content, and a partly known batch, writing nothing', async () => {
    const id = stream();
    const eventId = randomUUID();
    await fixture.store.appendToStream(id, [{ eventId, type: 'A', data: { n: 1 } }]);
    await expect(fixture.store.appendToStream(id, [{ eventId, type: 'A', data: { n: 2 } }])).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(fixture.store.appendToStream(stream(), [{ eventId, type: 'A', data: { n: 1 } }])).rejects.toMatchObject({
      eventIds: [eventId],
    });
    await expect(
      fixture.store.appendToStream(id, [
        { eventId, type: 'A', data: { n: 1 } },
        { type: 'B', data: {} },
      ]),
    ).rejects.toBeInstanceOf(EventIdConflictError);
    expect((await fixture.store.readStream(id)).length).toBe(1);
  });

  it('bounds appends', async () => {
    await expect(fixture.store.appendToStreams([])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(fixture.store.appendToStream(stream(), [])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(fixture.store.appendToStream(stream(), events(1001))).rejects.toThrow(/at most 1000 events/);
    const id = stream();
    await expect(
      fixture.store.appendToStreams([
        { streamId: id, events: events(1) },
        { streamId: id, events: events(1) },
      ]),
    ).rejects.toThrow(/twice/);
  });

  it('reads a stream forward from a version with a max count, and backward', async () => {
    const id = stream();
    await fixture.store.appendToStream(id, events(10));
    const forward = await fixture.store.readStream(id, { fromVersion: 4, maxCount: 3 });
    expect(forward.map((event) => event.version)).toEqual([4, 5, 6]);
    const backward = await fixture.store.readStream(id, { direction: 'backward', maxCount: 3 });
    expect(backward.map((event) => event.version)).toEqual([10, 9, 8]);
    const backwardFrom = await fixture.store.readStream(id, { direction: 'backward', fromVersion: 2 });
    expect(backwardFrom.map((event) => event.version)).toEqual([2, 1]);
  });

  it('reads the global log forward in bounded batches, resuming from the last position', async () => {
    const before = await fixture.store.headPosition();
    const ids = [stream(), stream()];
    for (const id of ids) await fixture.store.appendToStream(id, events(5));
    const seen: string[] = [];
    let after = before;
    for (;;) {
      const page = await fixture.store.readAll({ after, maxCount: 3 });
      expect(page.events.length).toBeLessThanOrEqual(3);
      seen.push(...page.events.map((event) => `${event.streamId}#${event.version}`));
      if (page.events.length > 0) after = page.events.at(-1)!.position;
      if (page.isEnd) break;
    }
    expect(seen).toEqual(ids.flatMap((id) => [1, 2, 3, 4, 5].map((version) => `${id}#${version}`)));
    const filtered = await fixture.store.readAll({ after: before, streamId: ids[1]! });
    expect(filtered.events.map((event) => event.version)).toEqual([1, 2, 3, 4, 5]);
    expect((await fixture.store.readAll({ after: before, types: ['Nothing'] })).events).toEqual([]);
  });

  it('reads the same pages with types only: same positions, same order, no payloads', async () => {
    const before = await fixture.store.headPosition();
    const id = stream();
    await fixture.store.appendToStream(id, [
      { type: 'A', data: { n: 1 } },
      { type: 'B', data: { n: 2 } },
      { type: 'C', data: { n: 3 } },
    ]);
    const whole = await fixture.store.readAll({ after: before, maxCount: 2 });
    const typesOnly = await fixture.store.readAllTypes({ after: before, maxCount: 2 });
    expect(typesOnly).toEqual({ types: ['A', 'B'], position: whole.position, isEnd: false });
    const rest = await fixture.store.readAllTypes({ after: typesOnly.position, maxCount: 2 });
    expect(rest.types).toEqual(['C']);
    expect(rest.isEnd).toBe(true);
    expect(rest.position).toEqual((await fixture.store.readAll({ after: before })).position);
  });
});

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, type Upcaster } from '../src/index.ts';
import { openStore, type StoreFixture } from './store-fixture.ts';

const upcast: Upcaster = (event) =>
  event.type === 'Greeted' && event.schemaVersion === 1
    ? { type: 'Greeted', schemaVersion: 2, data: { ...(event.data as object), language: 'en' } }
    : event;

describe('upcasting on read', () => {
  let fixture: StoreFixture;
  beforeAll(async () => {
    fixture = await openStore('postgres', { upcast });
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('brings old schema versions up to date on every read path, leaving the stored row as written', async () => {
    const stream = `greet-${randomUUID()}`;
    const before = await fixture.store.headPosition();
    await fixture.store.appendToStream(stream, [
      { type: 'Greeted', schemaVersion: 1, data: { name: 'Asha' } },
      { type: 'Greeted', schemaVersion: 2, data: { name: 'Ravi', language: 'hi' } },
    ]);
    const expected = [
      { schemaVersion: 2, data: { name: 'Asha', language: 'en' } },
      { schemaVersion: 2, data: { name: 'Ravi', language: 'hi' } },
    ];
    const pick = (events: Array<{ schemaVersion: number; data: unknown }>) =>
      events.map(({ schemaVersion, data }) => ({ schemaVersion, data }));
    expect(pick(await fixture.store.readStream(stream))).toEqual(expected);
    expect(pick((await fixture.store.readAll({ after: before })).events)).toEqual(expected);
    const { rows } = await sql<{
      schema_version: number;
      data: unknown;
    }>`select schema_version, data from tt_events where stream_id = ${stream} order by stream_version`.execute(fixture.database.db);
    expect(rows[0]).toEqual({ schema_version: 1, data: { name: 'Asha' } });
  });

  it('runs migrations once: a second run finds nothing to do', async () => {
    expect(await migrateToLatest(fixture.database.db)).toEqual([]);
    const { rows } = await sql<{ name: string }>`select name from tt_migrations`.execute(fixture.database.db);
    expect(rows.map((row) => row.name)).toEqual(['0001-event-store', '0002-partitioned-events', '0640-append-json']);
  });
});

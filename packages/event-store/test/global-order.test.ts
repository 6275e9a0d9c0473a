import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToStreams, encodePosition } from '../src/index.ts';
import { openStore, type StoreFixture } from './store-fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('global order on PostgreSQL under concurrent writers', () => {
  let fixture: StoreFixture;
  beforeAll(async () => {
    fixture = await openStore('postgres');
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('a polling reader sees every committed event once, in final log order, with no gap', async () => {
    const writers = 24;
    const appendsPerWriter = 25;
    const db = fixture.database.db;
    let writing = true;

    // Each writer appends inside a transaction that stays open for a random while, so that
    // transactions commit in another order than the one in which they took sequence numbers.
    const writer = async (writerIndex: number) => {
      for (let n = 0; n < appendsPerWriter; n += 1) {
        await db.transaction().execute(async (trx) => {
          await sleep(Math.random() * 5);
          await appendToStreams(trx, [
            {
              streamId: `writer-${writerIndex}-${randomUUID()}`,
              events: [
                { type: 'Wrote', data: { writerIndex, n } },
                { type: 'Wrote', data: { writerIndex, n, second: true } },
              ],
            },
          ]);
          await sleep(Math.random() * 25);
        });
      }
    };

    const reader = async (): Promise<string[]> => {
      const seen: string[] = [];
      let after = 'start';
      while (writing) {
        const page = await fixture.store.readAll({ after, maxCount: 37 });
        for (const event of page.events) seen.push(event.eventId);
        if (page.events.length > 0) after = page.events.at(-1)!.position;
        else await sleep(Math.random() * 3);
      }
      for (;;) {
        const page = await fixture.store.readAll({ after, maxCount: 500 });
        for (const event of page.events) seen.push(event.eventId);
        if (page.events.length > 0) after = page.events.at(-1)!.position;
        if (page.isEnd) return seen;
      }
    };

    const readers = [reader(), reader()];
    await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)));
    writing = false;
    const readerLogs = await Promise.all(readers);

    const finalLog: string[] = [];
    let after = 'start';
    for (;;) {
      const page = await fixture.store.readAll({ after, maxCount: 1000 });
      finalLog.push(...page.events.map((event) => event.eventId));
      if (page.events.length > 0) after = page.events.at(-1)!.position;
      if (page.isEnd) break;
    }
    expect(finalLog.length).toBe(writers * appendsPerWriter * 2);
    expect(new Set(finalLog).size).toBe(finalLog.length);
    for (const seen of readerLogs) expect(seen).toEqual(finalLog);
  }, 120_000);

  // The never-skip guarantee, deterministically: an append that took its place in the log first but
  // commits last must not be skipped by a reader that read past its place meanwhile. Each reader
  // stops at the visibility horizon (the oldest transaction still running) instead.
  it.each(['readAll', 'readAllTypes'] as const)(
    '%s does not read past a transaction that is still writing, so it never skips its events',
    async (reader) => {
      const db = fixture.database.db;
      const read = async (after: string) => {
        if (reader === 'readAll') {
          const page = await fixture.store.readAll({ after, maxCount: 1000 });
          return { types: page.events.map((event) => event.type), position: page.events.at(-1)?.position ?? after };
        }
        const page = await fixture.store.readAllTypes({ after, maxCount: 1000 });
        return { types: page.types, position: encodePosition(page.position) };
      };
      const { position: start } = await readToEnd(read, 'start');
      const early = `Early-${randomUUID()}`;
      const late = `Late-${randomUUID()}`;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let appended!: () => void;
      const earlyAppended = new Promise<void>((resolve) => (appended = resolve));
      const earlyCommitted = db.transaction().execute(async (trx) => {
        await appendToStreams(trx, [{ streamId: `early-${randomUUID()}`, events: [{ type: early, data: {} }] }]);
        appended();
        await released;
      });
      await earlyAppended;
      await fixture.store.appendToStream(`late-${randomUUID()}`, [{ type: late, data: {} }]);

      const whileWriting = await readToEnd(read, start);
      expect(whileWriting.types).toEqual([]);
      release();
      await earlyCommitted;
      const after = await readToEnd(read, whileWriting.position);
      expect(after.types.filter((type) => type === early || type === late)).toEqual([early, late]);
    },
  );
});

async function readToEnd(
  read: (after: string) => Promise<{ types: string[]; position: string }>,
  from: string,
): Promise<{ types: string[]; position: string }> {
  const types: string[] = [];
  let position = from;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await read(position);
    types.push(...page.types);
    if (page.types.length === 0) return { types, position };
    position = page.position;
  }
  throw new Error(`the log did not end after 100 pages from ${from}`);
}

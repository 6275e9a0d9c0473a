import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePosition, type RecordedEvent, type Subscription, type Upcaster } from '../src/index.ts';
import { sharedRead } from '../src/subscribe.ts';
import { openStore, type Backend, type StoreFixture } from './store-fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe.each<Backend>(['postgres', 'pglite'])('subscriptions on %s', (backend) => {
  let fixture: StoreFixture;
  beforeAll(async () => {
    fixture = await openStore(backend);
    await sql`create table applied (event_id uuid primary key, subscription text not null)`.execute(fixture.database.db);
  });
  afterAll(async () => {
    await fixture.close();
  });

  const countApplied = async (name: string) => {
    const { rows } = await sql<{ count: string }>`select count(*) as count from applied where subscription = ${name}`.execute(
      fixture.database.db,
    );
    return Number(rows[0]!.count);
  };

  it('catches up from the start, goes live, and is woken by new appends', async () => {
    const stream = `sub-${randomUUID()}`;
    await fixture.store.appendToStream(
      stream,
      Array.from({ length: 30 }, (_, n) => ({ type: 'Early', data: { n } })),
    );
    const seen: RecordedEvent[] = [];
    const name = `catch-up-${randomUUID()}`;
    const subscription = fixture.store.subscribe({
      name,
      batchSize: 7,
      pollIntervalMs: 60_000,
      async handle(events, { transaction }) {
        for (const event of events) await sql`insert into applied values (${event.eventId}, ${name})`.execute(transaction);
        seen.push(...events.filter((event) => event.streamId === stream));
      },
    });
    await until(() => subscription.status().state === 'live');
    expect(seen.map((event) => event.version)).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
    // Polling is an hour away: only the notification can wake it now.
    const live = await fixture.store.appendToStream(stream, [{ type: 'Late', data: {} }]);
    expect(await subscription.waitFor(live.position, 5_000)).toBe(true);
    expect(seen.at(-1)!.type).toBe('Late');
    await subscription.stop();
    expect(subscription.status().state).toBe('stopped');
  });

  it('subscriptions reading the same pages together each see every event once, in log order', async () => {
    const stream = `shared-${randomUUID()}`;
    const seen = new Map<string, string[]>();
    const subscriptions: Subscription[] = [];
    const from = (await fixture.store.readAll({ after: 'start', maxCount: 1 })).isEnd ? 'start' : undefined;
    const head = (await fixture.store.appendToStream(stream, [{ type: 'Before', data: {} }])).position;
    for (const delayMs of [0, 7, 15]) {
      const name = `shared-${delayMs}-${randomUUID()}`;
      seen.set(name, []);
      subscriptions.push(
        fixture.store.subscribe({
          name,
          from: from ?? head,
          batchSize: 3,
          // Polling covers an append held back by another test's open transaction (the horizon is
          // the cluster's); that a notified append is never missed is the join rule's test, below.
          pollIntervalMs: 1_000,
          async handle(events) {
            seen.get(name)!.push(...events.filter((event) => event.streamId === stream).map((event) => event.eventId));
            // Different handling times put the subscriptions at different places between reads.
            if (delayMs > 0) await sleep(delayMs);
          },
        }),
      );
    }
    await until(() => subscriptions.every((subscription) => subscription.status().state === 'live'));
    const appended: string[] = [];
    for (let round = 0; round < 12; round += 1) {
      const results = await Promise.all(
        Array.from({ length: round % 3 === 0 ? 1 : 3 }, (_, n) =>
          fixture.store.appendToStream(stream, [{ type: 'During', data: { round, n } }]),
        ),
      );
      appended.push(...results.flatMap((result) => result.events.map((event) => event.eventId)));
      const last = results.reduce((max, result) => (result.position > max ? result.position : max), results[0]!.position);
      for (const subscription of subscriptions) expect(await subscription.waitFor(last, 15_000)).toBe(true);
    }
    const inLogOrder = (await fixture.store.readStream(stream)).map((event) => event.eventId).filter((id) => appended.includes(id));
    for (const ids of seen.values()) expect(ids.filter((id) => appended.includes(id))).toEqual(inLogOrder);
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  });

  it('shares a read in flight only with subscriptions that have seen no notification since it began', async () => {
    const stream = `join-${randomUUID()}`;
    const { events } = await fixture.store.appendToStream(stream, [{ type: 'Before', data: {} }]);
    const after = decodePosition(events[0]!.position);
    const options = { after, maxCount: 10 };
    const first = sharedRead(fixture.database, 4, options, undefined);
    // Seen nothing newer: the same read. Seen a notification since it began: a read of its own.
    expect(sharedRead(fixture.database, 4, options, undefined)).toBe(first);
    expect(sharedRead(fixture.database, 3, options, undefined)).toBe(first);
    const fresher = sharedRead(fixture.database, 5, options, undefined);
    expect(fresher).not.toBe(first);
    expect(sharedRead(fixture.database, 5, options, undefined)).toBe(fresher);
    // Another page (another position, size or set of left-out keys) is another read.
    expect(sharedRead(fixture.database, 5, { ...options, maxCount: 11 }, undefined)).not.toBe(fresher);
    expect(sharedRead(fixture.database, 5, { ...options, omitMetadataKeys: ['x'] }, undefined)).not.toBe(fresher);
    // Events upcast by another upcaster (or by none) are other events.
    const upcast: Upcaster = (event) => event;
    const upcastRead = sharedRead(fixture.database, 5, options, upcast);
    expect(upcastRead).not.toBe(fresher);
    expect(sharedRead(fixture.database, 5, options, upcast)).toBe(upcastRead);
    expect(sharedRead(fixture.database, 5, options, (event) => event)).not.toBe(upcastRead);
    await Promise.all([first, fresher, upcastRead]);
    // Once answered, a read is not handed out again, whether or not a fresher one replaced it.
    expect(sharedRead(fixture.database, 5, options, undefined)).not.toBe(fresher);
    const alone = sharedRead(fixture.database, 9, { after, maxCount: 12 }, undefined);
    await alone;
    expect(sharedRead(fixture.database, 9, { after, maxCount: 12 }, undefined)).not.toBe(alone);
    expect((await fresher).events.map((event) => event.eventId)).toEqual((await first).events.map((event) => event.eventId));
  });

  // PGlite has one connection: an append cannot commit while a batch's transaction is open.
  it.skipIf(backend === 'pglite')(
    'an append that commits while a batch is being handled is read next, without waiting for another notification',
    async () => {
      const stream = `sub-${randomUUID()}`;
      const name = `busy-${randomUUID()}`;
      let release!: () => void;
      const handling = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered!: () => void;
      const busy = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const subscription = fixture.store.subscribe({
        name,
        pollIntervalMs: 60_000,
        async handle(events) {
          if (events.some((event) => event.streamId === stream && event.type === 'First')) {
            entered();
            await handling;
          }
        },
      });
      await until(() => subscription.status().state === 'live');
      await fixture.store.appendToStream(stream, [{ type: 'First', data: {} }]);
      await busy;
      // Committed (and announced) while the subscription is inside the first batch's handler.
      const second = await fixture.store.appendToStream(stream, [{ type: 'Second', data: {} }]);
      await sleep(50);
      release();
      // No later append and no poll for an hour: only the notification seen while busy can wake it.
      expect(await subscription.waitFor(second.position, 3_000)).toBe(true);
      await subscription.stop();
    },
  );

  it('resumes from its checkpoint and applies each event exactly once across failures', async () => {
    const name = `once-${randomUUID()}`;
    const start = await fixture.store.headPosition();
    const stream = `once-${randomUUID()}`;
    await fixture.store.appendToStream(
      stream,
      Array.from({ length: 20 }, (_, n) => ({ type: 'Counted', data: { n } })),
    );
    let failuresLeft = 3;
    const open = (): Subscription =>
      fixture.store.subscribe({
        name,
        from: start,
        batchSize: 4,
        pollIntervalMs: 50,
        maxRetryDelayMs: 50,
        async handle(events, { transaction }) {
          for (const event of events) await sql`insert into applied values (${event.eventId}, ${name})`.execute(transaction);
          // Fails after writing, mid-batch: the transaction rolls back, read model and checkpoint both.
          if (failuresLeft > 0 && events.some((event) => (event.data as { n: number }).n === 9)) {
            failuresLeft -= 1;
            throw new Error('crash in the middle of a batch');
          }
        },
      });
    const first = open();
    await until(async () => (await countApplied(name)) >= 8);
    await first.stop();
    await fixture.store.appendToStream(
      stream,
      Array.from({ length: 5 }, (_, n) => ({ type: 'Counted', data: { n: 100 + n } })),
    );
    const second = open();
    await until(async () => (await countApplied(name)) === 25);
    await sleep(200);
    expect(await countApplied(name)).toBe(25);
    expect(failuresLeft).toBe(0);
    await second.stop();
  });

  it.runIf(backend === 'postgres')(
    "wakes readers once for an append of their own process, and by NOTIFY for another process's",
    async () => {
      const peer = await fixture.openPeer();
      const own = fixture.store.waker;
      const before = { own: own.notifications(), peer: peer.store.waker.notifications() };
      await fixture.store.appendToStream(`wake-${randomUUID()}`, [{ type: 'Woke', data: {} }]);
      // The peer hears the NOTIFY; by then this process's own NOTIFY has come back to it too.
      await until(() => peer.store.waker.notifications() > before.peer);
      await sleep(100);
      expect(own.notifications() - before.own).toBe(1);
      expect(peer.store.waker.notifications() - before.peer).toBe(1);
    },
  );

  it.runIf(backend === 'postgres')('lets one process at a time consume a subscription name', async () => {
    const peer = await fixture.openPeer();
    const name = `leader-${randomUUID()}`;
    const start = await fixture.store.headPosition();
    const handledBy: Record<string, number> = { a: 0, b: 0 };
    const open = (store: typeof fixture.store, who: 'a' | 'b') =>
      store.subscribe({
        name,
        from: start,
        pollIntervalMs: 50,
        lockRetryMs: 50,
        async handle(events, { transaction }) {
          for (const event of events) await sql`insert into applied values (${event.eventId}, ${name})`.execute(transaction);
          handledBy[who] = (handledBy[who] ?? 0) + events.length;
        },
      });
    const a = open(fixture.store, 'a');
    await until(() => a.status().state === 'live');
    const b = open(peer.store, 'b');
    await fixture.store.appendToStream(`lead-${randomUUID()}`, [
      { type: 'One', data: {} },
      { type: 'Two', data: {} },
    ]);
    await until(async () => (await countApplied(name)) === 2);
    expect(b.status().state).toBe('standby');
    expect(handledBy).toEqual({ a: 2, b: 0 });
    // The leader goes away; the standby takes over from the checkpoint.
    await a.stop();
    const last = await fixture.store.appendToStream(`lead-${randomUUID()}`, [{ type: 'Three', data: {} }]);
    expect(await b.waitFor(last.position, 10_000)).toBe(true);
    expect(await countApplied(name)).toBe(3);
    expect(handledBy).toEqual({ a: 2, b: 1 });
    await b.stop();
  });
});

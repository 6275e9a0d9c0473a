import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendToStreams, createPgliteDatabase, isMissingEventPartition, type EventStoreTables } from '../src/index.ts';
import { openStore, type Backend, type StoreFixture } from './store-fixture.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noted = () => [{ type: 'Noted', data: {} }];

/**
 * Who learns of a committed append, and when: local listeners once it is committed (never for a
 * rolled-back one), and on PGlite the in-process locks and notifications a subscription relies on.
 */
describe.each<Backend>(['postgres', 'pglite'])('append notifications on %s', (backend) => {
  let fixture: StoreFixture;
  let db: Kysely<EventStoreTables>;
  beforeAll(async () => {
    fixture = await openStore(backend);
    db = fixture.database.db;
  });
  afterAll(async () => {
    await fixture.close();
  });
  const stream = () => `notify-${randomUUID()}`;

  it("tells listeners of an append once it is committed: at once outside a transaction, at the caller's commit inside one", async () => {
    let calls = 0;
    const stop = fixture.database.onAppendCommitted(() => {
      calls += 1;
    });
    await appendToStreams(db, [{ streamId: stream(), events: noted() }]);
    expect(calls).toBe(1);
    // Several streams (tt_append_json) count too.
    await appendToStreams(db, [
      { streamId: stream(), expectedVersion: 'any', events: noted() },
      { streamId: stream(), expectedVersion: 'any', events: noted() },
    ]);
    expect(calls).toBe(2);
    await db.transaction().execute(async (trx) => {
      await appendToStreams(trx, [{ streamId: stream(), events: noted() }]);
      await sql`select 1`.execute(trx);
      expect(calls).toBe(2);
    });
    expect(calls).toBe(3);
    // A transaction without an append tells nobody; a rolled-back append neither.
    await db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
    });
    const rolledBack = stream();
    await db
      .transaction()
      .execute(async (trx) => {
        await appendToStreams(trx, [{ streamId: rolledBack, events: noted() }]);
        throw new Error('abandon');
      })
      .catch(() => undefined);
    await db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
    });
    expect(calls).toBe(3);
    expect(await fixture.store.readStream(rolledBack)).toEqual([]);
    // Reads tell nobody.
    await fixture.store.readAll({ maxCount: 1 });
    stop();
    await appendToStreams(db, [{ streamId: stream(), events: noted() }]);
    expect(calls).toBe(3);
  });

  it('keeps savepoints of a controlled transaction working: an append rolled back to one is gone, the rest commits', async () => {
    const [kept, undone] = [stream(), stream()];
    const trx = await db.startTransaction().execute();
    await appendToStreams(trx, [{ streamId: kept, events: noted() }]);
    const before = await trx.savepoint('before "undone"').execute();
    await appendToStreams(before, [{ streamId: undone, events: noted() }]);
    await before.rollbackToSavepoint('before "undone"').execute();
    const again = await trx.savepoint('again').execute();
    await sql`select 1`.execute(again);
    await again.releaseSavepoint('again').execute();
    await trx.commit().execute();
    expect(await fixture.store.readStream(kept)).toHaveLength(1);
    expect(await fixture.store.readStream(undone)).toEqual([]);
  });

  it("wakes this process's readers at once and, on PostgreSQL, other processes by NOTIFY", async () => {
    const seen = fixture.store.waker.notifications();
    await fixture.store.appendToStream(stream(), noted());
    expect(fixture.store.waker.notifications()).toBe(seen + 1);
    if (backend === 'pglite') return;
    const peer = await fixture.openPeer();
    const peerSeen = peer.store.waker.notifications();
    // A burst of appends: coalesced NOTIFYs, the last one sent after the last append.
    for (let n = 0; n < 5; n += 1) await fixture.store.appendToStream(stream(), noted());
    const deadline = Date.now() + 5_000;
    while (peer.store.waker.notifications() === peerSeen && Date.now() < deadline) await sleep(10);
    expect(peer.store.waker.notifications()).toBeGreaterThan(peerSeen);
    const last = await fixture.store.appendToStream(stream(), noted());
    const subscription = peer.store.subscribe({
      name: `peer-${randomUUID()}`,
      from: last.position,
      pollIntervalMs: 60_000,
      handle: async () => {},
    });
    const after = await fixture.store.appendToStream(stream(), noted());
    expect(await subscription.waitFor(after.position, 5_000)).toBe(true);
    await subscription.stop();
  });

  it.runIf(backend === 'pglite')(
    'gives a named lock to one consumer of the process at a time, and marks held ones lost on close',
    async () => {
      const other = { database: await createPgliteDatabase() };
      const lock = await other.database.tryAdvisoryLock('subscription:a');
      expect(lock).not.toBeNull();
      expect(await other.database.tryAdvisoryLock('subscription:a')).toBeNull();
      const second = await other.database.tryAdvisoryLock('subscription:b');
      expect(second).not.toBeNull();
      await lock!.release();
      const again = await other.database.tryAdvisoryLock('subscription:a');
      expect(again).not.toBeNull();
      let lost = 0;
      void again!.lost.then(() => (lost += 1));
      void second!.lost.then(() => (lost += 1));
      const payloads: (string | undefined)[] = [];
      const unlisten = await other.database.listen('tt_probe', (payload) => payloads.push(payload));
      await sql`select pg_notify('tt_probe', 'hello')`.execute(other.database.db);
      await sleep(50);
      expect(payloads).toEqual(['hello']);
      await unlisten();
      await sql`select pg_notify('tt_probe', 'after')`.execute(other.database.db);
      await sleep(50);
      expect(payloads).toEqual(['hello']);
      await other.database.close();
      await sleep(0);
      expect(lost).toBe(2);
    },
  );

  it('knows the refusal of a row no partition holds, and nothing else', () => {
    expect(isMissingEventPartition({ code: '23514', message: 'no partition of relation "tt_events" found for row' })).toBe(true);
    expect(isMissingEventPartition({ code: '23514', message: 'new row for relation "accounts" violates check constraint' })).toBe(false);
    expect(isMissingEventPartition({ code: '23505', message: 'no partition of relation "tt_events" found for row' })).toBe(false);
    expect(isMissingEventPartition({ code: '23514' })).toBe(false);
    expect(isMissingEventPartition(undefined)).toBe(false);
  });
});

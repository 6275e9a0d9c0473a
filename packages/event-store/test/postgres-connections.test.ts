import { createServer, connect, type Server, type Socket } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, openDatabase, type StoreDatabase } from '../src/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/**
 * A TCP relay in front of the test server that can stop carrying bytes (a network partition: the
 * sockets stay open, nothing arrives) and carry them again.
 */
async function startRelay(target: URL): Promise<{ url: string; partition(): void; heal(): void; close(): Promise<void> }> {
  let partitioned = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => {
        if (!partitioned) to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    partition: () => {
      partitioned = true;
    },
    heal: () => {
      partitioned = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The connections a PostgreSQL store keeps besides its pool: LISTEN, advisory locks, pings, COPY. */
describe('a PostgreSQL store database', () => {
  let testDatabase: TestDatabase;
  const opened: StoreDatabase[] = [];
  const open = (url = testDatabase.url) => {
    const database = createPostgresDatabase({ connectionString: url, poolSize: 4 });
    opened.push(database);
    return database;
  };
  const backendPids = async (database: StoreDatabase, query: string) => {
    const { rows } = await sql<{
      pid: number;
    }>`select pid from pg_stat_activity where datname = current_database() and query = ${query}`.execute(database.db);
    return rows.map((row) => row.pid);
  };
  beforeAll(async () => {
    testDatabase = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((database) => database.close()));
  });
  afterAll(async () => {
    await testDatabase.drop();
  });

  it('is opened on PostgreSQL when a URL is given, and on PGlite without one', async () => {
    const postgres = await openDatabase({ databaseUrl: testDatabase.url, poolSize: 2 });
    opened.push(postgres);
    expect(postgres.kind).toBe('postgres');
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(postgres.db);
    expect(rows[0]!.name).toBe(testDatabase.name);
    const embedded = await openDatabase({});
    opened.push(embedded);
    expect(embedded.kind).toBe('pglite');
    expect(embedded.dataDirLock).toBeUndefined();
  });

  it('commits with synchronous_commit on and times out a statement after statementTimeoutMs', async () => {
    const database = createPostgresDatabase({ connectionString: testDatabase.url, poolSize: 1, statementTimeoutMs: 200 });
    opened.push(database);
    const { rows } = await sql<{ setting: string }>`select current_setting('synchronous_commit') as setting`.execute(database.db);
    expect(rows[0]!.setting).toBe('on');
    await expect(sql`select pg_sleep(5)`.execute(database.db)).rejects.toThrow(/statement timeout/);
  });

  it('gives one consumer a named lock at a time; the next gets it once released, or once the holder dies', async () => {
    const first = open();
    const second = open();
    const lock = await first.tryAdvisoryLock('subscription:orders');
    expect(lock).not.toBeNull();
    expect(await second.tryAdvisoryLock('subscription:orders')).toBeNull();
    expect(await second.tryAdvisoryLock('subscription:other')).not.toBeNull();
    await lock!.release();
    await lock!.lost;
    const taken = await second.tryAdvisoryLock('subscription:orders');
    expect(taken).not.toBeNull();
    // The holder's connection is killed: it learns it lost the lock, and another consumer may take it.
    let lost = false;
    void taken!.lost.then(() => {
      lost = true;
    });
    await sql`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted`.execute(first.db);
    await until(() => lost);
    await until(async () => (await first.tryAdvisoryLock('subscription:orders')) !== null);
  });

  it('delivers notifications to a listener, and after its connection is killed, wakes it and listens again', async () => {
    const database = open();
    const payloads: (string | undefined)[] = [];
    const stop = await database.listen('tt_test_channel', (payload) => payloads.push(payload));
    // A first wake-up without a payload: anything committed before the LISTEN is picked up by it.
    expect(payloads).toEqual([undefined]);
    await sql`select pg_notify('tt_test_channel', 'one'), pg_notify('tt_other_channel', 'elsewhere')`.execute(database.db);
    await until(() => payloads.length === 2);
    expect(payloads).toEqual([undefined, 'one']);
    const listeners = await backendPids(database, 'listen "tt_test_channel"');
    expect(listeners).toHaveLength(1);
    await sql`select pg_terminate_backend(${listeners[0]!}::int)`.execute(database.db);
    await until(() => payloads.length === 3);
    expect(payloads[2]).toBeUndefined();
    await until(async () => (await backendPids(database, 'listen "tt_test_channel"')).length === 1);
    await sql`select pg_notify('tt_test_channel', 'two')`.execute(database.db);
    await until(() => payloads.length === 4);
    expect(payloads[3]).toBe('two');
    await stop();
    await sql`select pg_notify('tt_test_channel', 'after stop')`.execute(database.db);
    await sleep(200);
    expect(payloads).toHaveLength(4);
    expect(await backendPids(database, 'listen "tt_test_channel"')).toEqual([]);
  });

  it('hands out dedicated connections outside the pool, and ends those left open on close', async () => {
    const database = open();
    const client = await database.connectDedicated!();
    const { rows } = await client.query<{ name: string }>('select current_database() as name');
    expect(rows[0]!.name).toBe(testDatabase.name);
    let ended = false;
    client.once('end', () => {
      ended = true;
    });
    await database.close();
    opened.splice(opened.indexOf(database), 1);
    expect(ended).toBe(true);
  });

  it('pings within the time given, fails a ping and drops waiting queries across a partition, and pings again once healed', async () => {
    const relay = await startRelay(new URL(testDatabase.url));
    try {
      const database = open(relay.url);
      await database.ping!(2_000);
      await sql`select 1`.execute(database.db);
      relay.partition();
      const startedAt = Date.now();
      const ping = await database.ping!(300).catch((error: unknown) => error);
      expect(ping).toBeInstanceOf(Error);
      expect((ping as { code?: string }).code).toBe('ETIMEDOUT');
      expect((ping as Error).message).toBe('PostgreSQL did not answer within 300 ms');
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      const waiting = sql`select 1`.execute(database.db).catch((error: unknown) => error);
      await sleep(100);
      database.dropConnections!();
      expect(await waiting).toBeInstanceOf(Error);
      relay.heal();
      await database.ping!(2_000);
      await sql`select 1`.execute(database.db);
    } finally {
      await relay.close();
    }
  });

  it('runs a ping on a connection of its own, not waiting for a busy pool', async () => {
    const database = createPostgresDatabase({ connectionString: testDatabase.url, poolSize: 1 });
    opened.push(database);
    const busy = sql`select pg_sleep(1)`.execute(database.db);
    await sleep(50);
    await database.ping!(500);
    await busy;
    // The ping's connection is kept for the next one.
    await database.ping!(500);
    expect(await backendPids(database, 'select 1')).toHaveLength(1);
  });
});

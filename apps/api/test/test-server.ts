import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { sql, type Kysely } from 'kysely';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '@tracktrove/config';
import type { EventStoreTables } from '@tracktrove/event-store';
import { startServer, type Module, type RunningServer } from '../src/server.ts';

export interface TestServer extends RunningServer {
  readonly testDatabase: TestDatabase;
  readonly baseUrl: string;
}

/** A real server on a fresh PostgreSQL database, listening on a free loopback port. */
export async function startTestServer(
  options: { modules?: Module[]; config?: Partial<Config>; databaseUrl?: string; logger?: Logger } = {},
): Promise<TestServer> {
  const testDatabase = await createTestDatabase();
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: options.databaseUrl ?? testDatabase.url,
      logLevel: 'silent',
      tokens: { admin: 'admin-token', operator: undefined, viewer: undefined },
      ...options.config,
    },
  );
  const server = await startServer({ config, modules: options.modules, logger: options.logger ?? pino({ level: 'silent' }) });
  return {
    ...server,
    testDatabase,
    baseUrl: server.url!.replace('[::1]', '127.0.0.1'),
    async close() {
      await server.close();
      await testDatabase.drop();
    },
  };
}

/**
 * Opens a transaction that holds an id and keeps it open until `release` is called, as a
 * projection batch or a timer claim does: readers of the log see no event written after it began
 * until it ends. `ended` settles once it has.
 */
export async function holdLogVisibility(db: Kysely<EventStoreTables>): Promise<{ release: () => void; ended: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const ended = db.transaction().execute(async (transaction) => {
    await sql`select pg_current_xact_id()`.execute(transaction);
    holding();
    await released;
  });
  await held;
  return { release, ended };
}

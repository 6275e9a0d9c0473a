import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { StoreDatabase } from '@tracktrove/event-store';
import type { CopyFrom } from './projection.ts';
import type { ProjectionDatabase, ProjectionTables } from './tables.ts';

/** Where a rebuild writes its batches: its own connection on PostgreSQL, which also offers COPY. */
export interface WriteConnection {
  readonly db: Kysely<ProjectionDatabase>;
  /** COPY FROM STDIN on the same connection as db; absent on PGlite. */
  readonly copyFrom?: CopyFrom;
  end(): Promise<void>;
}

/**
 * A connection of its own for a rebuild's writes: COPY needs the driver's client, and the pool
 * stays free for reading the log and the queries that keep being answered meanwhile. On PGlite
 * (one connection, no COPY FROM STDIN through the driver) the store's own db.
 */
export async function openWriteConnection(database: StoreDatabase): Promise<WriteConnection> {
  if (!database.connectDedicated) return { db: database.db.withTables<ProjectionTables>(), end: async () => undefined };
  const client = await database.connectDedicated();
  // A pool of this one client: every query of db, transactions included, runs on it.
  const pool = { connect: async () => Object.assign(client, { release: () => undefined }), end: async () => undefined };
  const db = new Kysely<ProjectionDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    copyFrom: (copyStatement, text) => copyThrough(client, copyStatement, text),
    async end() {
      await db.destroy();
      await client.end();
    },
  };
}

async function copyThrough(client: pg.Client, copyStatement: string, text: Buffer): Promise<void> {
  await pipeline(Readable.from([text]), client.query(copyFromStdin(copyStatement)));
}

import type { Logger } from 'pino';
import type { StoreDatabase } from './database.ts';
import { createPgliteDatabase } from './pglite-database.ts';
import { createPostgresDatabase } from './postgres-database.ts';

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded PGlite database is used. */
  readonly databaseUrl?: string;
  /** PGlite's data directory; absent means in memory. */
  readonly dataDir?: string;
  readonly poolSize?: number;
  readonly logger?: Logger;
  /** What this process runs, written into the data directory's lock file (`tracktrove start`). */
  readonly owner?: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<StoreDatabase> {
  if (options.databaseUrl) {
    return createPostgresDatabase({ connectionString: options.databaseUrl, poolSize: options.poolSize, logger: options.logger });
  }
  return createPgliteDatabase(options.dataDir, options.owner);
}

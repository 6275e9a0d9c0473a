import type { Logger } from 'pino';
import { startServer, trackTroveModule, type Config } from '@tracktrove/api';
import { eventStoreMigrations, migrateToLatest, openDatabase } from '@tracktrove/event-store';
import { join } from 'node:path';

export interface CliContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly out: NodeJS.WritableStream;
}

export type CliCommand = (context: CliContext) => Promise<number>;

async function start({ config, logger }: CliContext): Promise<number> {
  const server = await startServer({ config, logger, modules: [trackTroveModule()] });
  logger.info({ url: server.url, database: config.databaseUrl ? 'postgres' : 'pglite', redis: config.redisUrl ? 'redis' : 'in-process timers' }, 'TrackTrove is running');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('shutting down');
  await server.close();
  return 0;
}

async function migrate({ config, logger, out }: CliContext): Promise<number> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'), logger });
  try {
    const ran = await migrateToLatest(database.db, { ...eventStoreMigrations });
    out.write(ran.length > 0 ? `applied: ${ran.join(', ')}\n` : 'nothing to migrate\n');
    return 0;
  } finally {
    await database.close();
  }
}

export const commands: Record<string, CliCommand> = { start, migrate };

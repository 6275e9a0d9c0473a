import { resolve } from 'node:path';
import { startServer, trackTroveModule } from '@tracktrove/api';
import type { CommandRunner } from '../context.ts';

export const start: CommandRunner<Record<string, never>> = async (_args, { config, logger }) => {
  const server = await startServer({ config, logger, modules: [trackTroveModule()] });
  // On the embedded default this process holds the data directory: its lock file names where the
  // server answers, so that the CLI beside it goes through the API, and the admin token when the
  // server generated it (the file is readable by its owner only, like the data beside it).
  server.context.store.database.dataDirLock?.update({
    command: 'tracktrove start',
    ...(server.url ? { url: clientUrlOf(server.url) } : {}),
    ...(config.tokens.admin ? {} : { adminToken: server.context.tokens.admin }),
  });
  logger.info(
    {
      url: server.url,
      database: config.databaseUrl ? 'postgres' : `pglite in ${resolve(config.dataDir, 'pglite')}`,
      redis: config.redisSentinel ? 'redis sentinel' : config.redisUrl ? 'redis' : 'in-process timers',
    },
    'TrackTrove is running',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info('shutting down');
  await server.close();
  return 0;
};

/** A URL a client on this machine can use: a server listening on every address answers on loopback. */
export function clientUrlOf(listening: string): string {
  const url = new URL(listening);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

import { startServer, trackTroveModule } from '@tracktrove/api';
import type { CommandRunner } from '../context.ts';

export const start: CommandRunner<Record<string, never>> = async (_args, { config, logger }) => {
  const server = await startServer({ config, logger, modules: [trackTroveModule()] });
  logger.info({ url: server.url, database: config.databaseUrl ? 'postgres' : 'pglite', redis: config.redisSentinel ? 'redis sentinel' : config.redisUrl ? 'redis' : 'in-process timers' }, 'TrackTrove is running');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info('shutting down');
  await server.close();
  return 0;
};

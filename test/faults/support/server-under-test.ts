import { afterAll, beforeAll } from 'vitest';
import type { TestDatabase } from '@tracktrove/testing';
import { apiOf, type Api } from './api.ts';
import { createServerProcess, type ServerProcess } from './server-process.ts';
import { freshDatabase, redis } from './services.ts';

export interface ServerUnderTest {
  readonly server: ServerProcess;
  readonly api: Api;
  readonly databaseUrl: string;
}

/**
 * One `tracktrove start` process on a fresh database and the suite's Redis, for one test file:
 * started before its tests, killed and its database dropped after them. Hooks a file adds later
 * run before these at the end (Vitest runs after-hooks as a stack), e.g. restarting a service.
 */
export function serverUnderTest(
  options: { redisUrl?: () => string; env?: (databaseUrl: string) => Record<string, string> } = {},
): ServerUnderTest {
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  let api: Api | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
    const env = options.env?.(database.url) ?? {};
    // REDIS_SENTINELS replaces REDIS_URL (the server refuses both).
    const redisUrl = env.REDIS_SENTINELS ? undefined : (options.redisUrl?.() ?? redis().url);
    server = await createServerProcess({ databaseUrl: database.url, ...(redisUrl ? { redisUrl } : {}), env });
    await server.start();
    api = apiOf(server.baseUrl);
  });
  afterAll(async () => {
    // With node options (e.g. --cpu-prof) the server stops gracefully, so that it writes its profile.
    if (process.env.FAULTS_SERVER_NODE_ARGS) await server?.stop();
    else await server?.kill9();
    await database?.drop();
  });
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    get databaseUrl() {
      if (!database) throw new Error('the database is created in beforeAll');
      return database.url;
    },
    get api() {
      if (!api) throw new Error('the server starts in beforeAll');
      return api;
    },
  };
}

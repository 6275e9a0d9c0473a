import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@tracktrove/config';

const here = dirname(fileURLToPath(import.meta.url));

export interface OwnServer {
  url: string;
  stop: () => Promise<void>;
}

export interface ServerTokens {
  admin: string;
  operator?: string;
  viewer?: string;
}

/** Without TRACKTROVE_E2E_URL: build the viewer if needed and start a real server on the test services. */
export async function startOwnServer(tokens: ServerTokens, options: Partial<Config> = {}): Promise<OwnServer> {
  // Built when missing or older than the sources: a stale build would test yesterday's viewer.
  execFileSync(process.execPath, ['infra/ensure-web-build.mjs'], { stdio: 'inherit', cwd: resolve(here, '../../../..') });
  const { createTestDatabase, testRedisUrl } = await import('@tracktrove/testing');
  const { loadConfig, startServer, trackTroveModule } = await import('@tracktrove/api');
  const { pino } = await import('pino');
  const database = await createTestDatabase();
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      logLevel: 'silent',
      tokens: { admin: tokens.admin, operator: tokens.operator, viewer: tokens.viewer },
      webDistDir: resolve(here, '../../dist'),
      ...options,
    },
  );
  const server = await startServer({ config, modules: [trackTroveModule()], logger: pino({ level: 'silent' }) });
  return {
    url: server.url!,
    stop: async () => {
      await server.close();
      await database.drop();
    },
  };
}

export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

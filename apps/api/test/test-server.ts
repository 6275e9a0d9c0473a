import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../src/config.ts';
import { startServer, type Module, type RunningServer } from '../src/server.ts';

export interface TestServer extends RunningServer {
  readonly testDatabase: TestDatabase;
  readonly baseUrl: string;
}

/** A real server on a fresh PostgreSQL database, listening on a free loopback port. */
export async function startTestServer(options: { modules?: Module[]; config?: Partial<Config>; databaseUrl?: string; logger?: Logger } = {}): Promise<TestServer> {
  const testDatabase = await createTestDatabase();
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', databaseUrl: options.databaseUrl ?? testDatabase.url, logLevel: 'silent', tokens: { admin: 'admin-token', operator: undefined, viewer: undefined }, ...options.config });
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

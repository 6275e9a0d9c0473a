import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLocalPostgres, startLocalRedis, type LocalService } from './local-services.ts';

const run = promisify(execFile);

export type ServiceSource = 'environment' | 'testcontainers' | 'local-binaries';

export interface TestServices {
  readonly source: ServiceSource;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  stop(): Promise<void>;
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

async function startContainers(): Promise<TestServices> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [postgres, redis] = await Promise.all([
    new PostgreSqlContainer('postgres:15-alpine').withCommand(['postgres', '-c', 'max_connections=400', '-c', 'fsync=off']).start(),
    new RedisContainer('redis:7-alpine').withCommand(['redis-server', '--notify-keyspace-events', 'Ex']).start(),
  ]);
  return {
    source: 'testcontainers',
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    async stop() {
      await Promise.all([postgres.stop(), redis.stop()]);
    },
  };
}

async function startLocal(): Promise<TestServices> {
  const started: LocalService[] = [];
  try {
    const postgres = await startLocalPostgres();
    started.push(postgres);
    const redis = await startLocalRedis();
    started.push(redis);
    return {
      source: 'local-binaries',
      databaseUrl: postgres.url,
      redisUrl: redis.url,
      async stop() {
        await Promise.all(started.map((service) => service.destroy()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => service.destroy()));
    throw error;
  }
}

/**
 * PostgreSQL and Redis for integration tests: from TEST_DATABASE_URL / TEST_REDIS_URL when set,
 * from testcontainers when a Docker engine answers, otherwise from local binaries.
 */
export async function startTestServices(): Promise<TestServices> {
  const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
  if (TEST_DATABASE_URL && TEST_REDIS_URL) {
    return { source: 'environment', databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL, stop: async () => undefined };
  }
  return (await dockerAnswers()) ? startContainers() : startLocal();
}
